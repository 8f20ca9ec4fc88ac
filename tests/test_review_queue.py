"""The queue: sync from classifications, priority, filters, leases, decisions, bulk and undo."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from findings.db import open_db
from findings.store import Store
from findings.web import demo, review, sync, users
from findings.web.app import create_app
from findings.web.highlight import segments, spans_by_field


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "review.db")
    database.refs = demo.seed(database)
    demo.add_users(database)
    sync.sync_queue(database, 0.5)
    return database


def _user(db, name):
    return users.get_user(db, name=name)


def _audit(db, action):
    return db.execute("SELECT user_name, target_id, before, after FROM review_audit WHERE action = ?"
                      " ORDER BY id", (action,)).fetchall()


def test_queue_holds_listings_at_or_above_threshold_in_priority_order(db):
    queued = {row[0] for row in db.execute("SELECT listing_ref FROM review_items")}
    assert db.refs["low-1"] not in queued and db.refs["bedding-1"] in queued
    order = [row[0] for row in db.execute("SELECT listing_ref FROM review_items ORDER BY base_priority DESC")]
    # kit-1 (0.91, shares a contact with another seller) outranks kit-3 (0.89, alone).
    assert order.index(db.refs["kit-1"]) < order.index(db.refs["kit-3"])
    assert order[-1] == db.refs["bedding-1"]  # no category: lowest severity
    older = sync.base_priority(0.9, "id_kit", 0, "2020-01-01T00:00:00Z")
    newer = sync.base_priority(0.9, "id_kit", 0, "2024-01-01T00:00:00Z")
    assert older > newer  # the longer an item waits the higher it climbs


def test_sync_is_incremental_and_follows_new_scores(db):
    store = Store(db)
    store.save_classifications([(db.refs["low-1"], {"score": 0.7, "label": 1, "category": "face_data"})],
                               model_version="demo-2")
    assert sync.sync_queue(db, 0.5) == 1
    row = db.execute("SELECT score, category FROM review_items WHERE listing_ref = ?", (db.refs["low-1"],)).fetchone()
    assert row == (0.7, "face_data")
    assert sync.sync_queue(db, 0.5) == 0


def test_claims_never_overlap_and_leases_expire(db):
    alice, bob = _user(db, "demo_analyst"), _user(db, "demo_analyst2")
    now = "2030-01-01T00:00:00.000000Z"
    first = review.claim_next(db, alice, now=now)
    second = review.claim_next(db, bob, now=now)
    assert first != second
    assert review.claim_next(db, alice, now=now) == first  # resumes own claim
    later = review.shift(now, review.LEASE_SECONDS + 1)
    assert review.claim_next(db, bob, now=later) in (first, second)
    assert len(_audit(db, "claim")) >= 2


def test_decide_escalate_and_lead_confirms(db):
    alice, lead = _user(db, "demo_analyst"), _user(db, "demo_lead")
    ref = db.refs["bypass-1"]
    review.decide(db, alice, ref, "escalate", "unsure", note="not sure, lead please")
    assert db.execute("SELECT status FROM review_items WHERE listing_ref = ?", (ref,)).fetchone()[0] == "escalated"
    with pytest.raises(review.ReviewError) as err:
        review.decide(db, alice, ref, "violation", "verification_service", category="verification_bypass")
    assert err.value.status == 403
    assert review.claim_next(db, lead) == ref  # leads get escalations first
    review.decide(db, lead, ref, "violation", "verification_service", category="verification_bypass")
    verdict = db.execute("SELECT label, category, reason_code, by_lead FROM review_verdicts WHERE listing_ref = ?",
                         (ref,)).fetchone()
    assert verdict == (1, "verification_bypass", "verification_service", 1)
    decisions = db.execute("SELECT action, label, role FROM review_decisions WHERE listing_ref = ? ORDER BY id",
                           (ref,)).fetchall()
    assert decisions == [("escalate", None, "analyst"), ("violation", 1, "lead")]


def test_reason_codes_are_required_and_checked(db):
    alice = _user(db, "demo_analyst")
    for action, reason, category in (("not_violation", "", None), ("violation", "bedding_set", "id_kit"),
                                     ("violation", "sells_id_documents", None), ("approve", "x", None)):
        with pytest.raises(review.ReviewError):
            review.decide(db, alice, db.refs["kit-1"], action, reason, category=category)
    assert db.execute("SELECT count(*) FROM review_decisions").fetchone()[0] == 0


def test_bulk_decide_a_cluster_and_undo_it(db):
    alice = _user(db, "demo_analyst")
    from findings.web.itemdata import cluster_refs

    refs = cluster_refs(db.conn, db.refs["kit-1"], "title")
    assert sorted(refs) == sorted(db.refs[k] for k in ("kit-1", "kit-2", "kit-3", "kit-4"))
    batch, count = review.decide_many(db, alice, refs, "violation", "sells_id_documents", category="id_kit")
    assert count == 4
    assert len([r for r in _audit(db, "decide") if json.loads(r[3])["batch"] == batch]) == 4
    assert review.undo(db, alice, batch_id=batch) == 4
    assert {r[0] for r in db.execute("SELECT status FROM review_items WHERE listing_ref IN (%s)"
                                      % ",".join("?" * 4), refs)} == {"open"}
    assert db.execute("SELECT count(*) FROM review_verdicts").fetchone()[0] == 0
    assert len(_audit(db, "undo")) == 4
    with pytest.raises(review.ReviewError):
        review.undo(db, alice, batch_id=batch)  # twice is not possible


def test_undo_window_and_owner(db):
    alice, bob, lead = _user(db, "demo_analyst"), _user(db, "demo_analyst2"), _user(db, "demo_lead")
    decision = review.decide(db, alice, db.refs["kit-1"], "not_violation", "bedding_set")
    with pytest.raises(review.ReviewError):
        review.undo(db, bob, decision_id=decision)
    db.execute("UPDATE review_decisions SET decided_at = '2000-01-01T00:00:00.000000Z' WHERE id = ?", (decision,))
    db.conn.commit()
    with pytest.raises(review.ReviewError, match="window"):
        review.undo(db, alice, decision_id=decision)
    assert review.undo(db, lead, decision_id=decision) == 1


def test_queue_page_filters(tmp_path, db):
    app = create_app(db.conn.execute("PRAGMA database_list").fetchone()[2], secret="s" * 40)
    c = TestClient(app)
    demo.login(c, "demo_analyst")

    def shown(**params):
        html = c.get("/queue", params=params).text
        return {key for key, ref in db.refs.items() if f'href="/items/{ref}"' in html}

    assert shown() == {"kit-1", "kit-2", "kit-3", "kit-4", "xss-1", "bypass-1", "bedding-1"}
    assert shown(category="verification_bypass") == {"bypass-1"}
    assert shown(min_score="0.9") == {"kit-1", "kit-2", "xss-1"}
    assert shown(max_score="0.6") == {"bedding-1"}
    assert shown(q="人脸验证") == {"bypass-1"}          # trigram full-text search
    assert shown(q="床品") == {"bedding-1"}             # 2 characters: LIKE fallback
    assert shown(platform="nowhere") == set()
    assert shown(status="confirmed") == set()
    html = c.get("/queue").text
    assert 'class="age"' in html and " min</td>" in html


def test_highlight_splits_on_original_offsets_and_survives_bad_spans():
    title = "<b>四件套</b> demo"
    reasons = [{"rule_id": "r1", "spans": [{"start": 3, "end": 6, "text": "四件套"}]},
               {"rule_id": "r2", "spans": [{"start": 99, "end": 120}, "junk", {"start": "x"}]},
               {"rule": "r3", "spans": [{"text": "demo"}]}, "free text reason", 42]
    from findings.web.highlight import parse_reasons

    spans = spans_by_field(parse_reasons(json.dumps(reasons)), {"title": title, "description": ""})
    pieces = segments(title, spans["title"])
    assert "".join(p for p, _ in pieces) == title
    assert ("四件套", "r1") in pieces and ("demo", "r3") in pieces
    assert parse_reasons("not json") == [] and parse_reasons('{"a": 1}') == [{"a": 1}]
