"""Active learning: the "least sure first" queue mode serves unreviewed listings nearest score 0.5, flagged or not."""

from __future__ import annotations

import random

import pytest
from starlette.testclient import TestClient

from findings.db import open_db
from findings.records import record_from_dict
from findings.store import Store
from findings.web import demo, review, sync, uncertain, users
from findings.web.app import create_app
from findings.web.queries import PAGE_SIZE

# key → score; the demo listings add 0.55 (bedding-1), 0.80, 0.88 … 0.97 and 0.10.
EXTRA = {"unsure-48": 0.48, "unsure-40": 0.40, "sure-02": 0.02, "sure-99": 0.99, "decided-50": 0.50}


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "review.db")
    refs = demo.seed(database)
    store = Store(database)
    records = [record_from_dict({"platform": "demo", "id": key, "title": f"demo listing {key}",
                                 "url": f"https://marketplace.invalid/{key}", "seller_id": f"demo_seller_{i:02d}"})
               for i, key in enumerate(EXTRA)]
    done = store.upsert_listings(records)
    for key in EXTRA:
        refs[key] = done.refs[("demo", key)]
    store.save_classifications([(refs[k], {"score": s, "label": int(s >= 0.5), "category": None})
                                for k, s in EXTRA.items()], model_version="demo-1")
    demo.add_users(database)
    sync.sync_queue(database, 0.5)
    lead = users.get_user(database, name="demo_lead")
    review.decide(database, lead, refs["decided-50"], "not_violation", "other_benign")
    database.refs = refs
    return database


def _user(db, name):
    return users.get_user(db, name=name)


def test_least_sure_items_come_first_and_never_to_two_analysts(db):
    refs = db.refs
    alice, bob = _user(db, "demo_analyst"), _user(db, "demo_analyst2")
    queued = {row[0] for row in db.execute("SELECT listing_ref FROM review_items")}
    assert refs["unsure-48"] not in queued  # below the flag threshold: not in the normal queue

    first = review.claim_next(db, alice, mode="uncertain")
    second = review.claim_next(db, bob, mode="uncertain")
    assert (first, second) == (refs["unsure-48"], refs["bedding-1"])  # |0.48-0.5| < |0.55-0.5|
    assert review.claim_next(db, alice, mode="uncertain") == first  # her own claim first
    # The normal queue never serves the below-threshold item, even now it has a queue row.
    assert review.claim_next(db, _user(db, "demo_lead")) not in (first, second)

    review.decide(db, alice, first, "violation", "sells_id_documents", category="id_kit")
    assert review.claim_next(db, alice, mode="uncertain") == refs["unsure-40"]
    review.release(db, bob, second, skip=True)
    # Bob skipped bedding-1; he gets the next least sure. The decided 0.50 listing is never served.
    served = review.claim_next(db, bob, mode="uncertain")
    assert served not in (refs["decided-50"], refs["bedding-1"], refs["unsure-40"])
    assert served == refs["bypass-1"]  # 0.80: the next nearest 0.5 after 0.48, 0.55, 0.40
    claims = db.execute("SELECT after FROM review_audit WHERE action = 'claim'").fetchall()
    assert any('"mode": "uncertain"' in row[0] for row in claims)


def test_review_app_offers_the_mode_and_keeps_it_for_the_session(db):
    app = create_app(db.conn.execute("PRAGMA database_list").fetchone()[2], secret="s" * 40)
    client = TestClient(app)
    token = demo.login(client, "demo_analyst")
    page = client.get("/queue").text
    assert 'value="uncertain"' in page and "least sure first" in page

    listed = client.get("/queue", params={"mode": "uncertain"}).text
    order = [key for key in ("unsure-48", "bedding-1", "unsure-40", "sure-02", "sure-99")
             if f'href="/items/{db.refs[key]}"' in listed]
    assert order == ["unsure-48", "bedding-1", "unsure-40", "sure-02", "sure-99"]
    positions = [listed.index(f'href="/items/{db.refs[key]}"') for key in order]
    assert positions == sorted(positions)
    assert f'href="/items/{db.refs["decided-50"]}"' not in listed and "Uncertainty" in listed

    started = client.post("/review/next", data={"csrf_token": token, "mode": "uncertain"}, follow_redirects=False)
    assert started.status_code == 303 and started.headers["location"] == f"/items/{db.refs['unsure-48']}"
    item = client.get(started.headers["location"])
    assert item.status_code == 200
    token = demo.csrf_from(item.text)
    decided = client.post(f"/items/{db.refs['unsure-48']}/decide",
                          data={"csrf_token": token, "action": "not_violation", "reason_code": "other_benign"},
                          follow_redirects=False)
    assert decided.headers["location"] == f"/items/{db.refs['bedding-1']}"  # still least sure first


def test_pages_walk_outwards_from_the_centre_like_a_full_sort(db):
    """The mode reads two index walks (above and below 0.5) and merges them; every page must hold
    what sorting all candidates by distance from 0.5 would, ties and mirror scores (0.4 / 0.6)
    included, and a listing's newer classification replaces its older one."""
    rng = random.Random(3)
    store = Store(db)
    records = [record_from_dict({"platform": "demo", "id": f"bulk-{i}", "title": f"demo bulk listing {i}",
                                 "url": f"https://marketplace.invalid/bulk-{i}", "seller_id": "demo_seller_bulk"})
               for i in range(2 * PAGE_SIZE + 17)]
    done = store.upsert_listings(records)
    refs = [done.refs[("demo", f"bulk-{i}")] for i in range(len(records))]
    scores = [round(rng.choice([0.4, 0.6, 0.5, rng.random()]), 2) for _ in refs]
    store.save_classifications([(ref, {"score": s, "label": int(s >= 0.5), "category": None})
                                for ref, s in zip(refs, scores)], model_version="demo-1")
    store.save_classifications([(refs[0], {"score": 0.5, "label": 1, "category": None})], model_version="demo-2")
    now = "2030-01-01T00:00:00Z"
    plain = [row[0] for row in db.execute(
        "SELECT c.listing_ref FROM classifications c LEFT JOIN review_items ri ON ri.listing_ref = c.listing_ref"
        " WHERE c.id = (SELECT max(x.id) FROM classifications x WHERE x.listing_ref = c.listing_ref)"
        " AND (ri.listing_ref IS NULL OR ri.status = 'open')"
        " AND NOT EXISTS (SELECT 1 FROM review_decisions d WHERE d.listing_ref = c.listing_ref AND d.undone_at IS NULL)"
        " ORDER BY abs(c.score - 0.5), c.listing_ref")]
    served, number = [], 1
    while True:
        rows = uncertain.page(db.conn, number, PAGE_SIZE, now)
        served += [row["listing_ref"] for row in rows[:PAGE_SIZE]]
        if len(rows) <= PAGE_SIZE:
            break
        number += 1
    assert number >= 3 and served == plain
    assert served[0] == refs[0]  # its newest score, 0.5, not the older one
