"""facetrade discover on a real sandbox crawl with a planted new code word, and a lead accepting it."""

from __future__ import annotations

import json
import shutil

import pytest

from classifier.normalize import normalize_many
from classifier.rules import RuleMatcher, load_rules
from conftest import ROOT
from findings.db import open_db
from findings.records import record_from_dict
from findings.store import Store
from findings.web import review, users
from findings.web.sync import sync_queue
from sandbox.testing import running_sandbox
from test_networks_world import PLATFORM, crawl_all, facetrade

NEW_WORD = "雪花包"  # not in rules/ (checked below): sellers' fresh name for an ID kit
PLANTED = [("{w} 正反手持 一套 懂的来", "出{w}，身份证正反面加手持，可过人脸认证，私聊"),
           ("全新{w} 秒发", "{w}全套资料，实名认证用，有需要加微信"),
           ("{w}出售 四件套", "四件套{w}，可验证，量大从优，联系QQ"),
           ("一手{w} 包过", "{w}现货，人脸解封专用，无需本人，懂的来"),
           ("{w} 批发", "手持照{w}，稳定可用，支付宝认证，私聊"),
           ("{w}便宜出", "出售{w}，照片活化配套，过刷脸，懂的来"),
           ("低价{w}", "{w}打包出，身份证手持都有，懂的来")]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    assert not any(NEW_WORD in t for rule in load_rules() for t in rule.terms)
    db_path = tmp_path_factory.mktemp("discover") / "facetrade.db"
    with running_sandbox(listings=150, seed=3, rate=0, fail_rate=0, slow_rate=0) as base:
        crawl_all(base, db_path)
    db = open_db(db_path)
    records = [record_from_dict({"platform": PLATFORM, "id": f"95000{i}", "url": f"https://example.invalid/{i}",
                                 "title": t.format(w=NEW_WORD), "description": d.format(w=NEW_WORD),
                                 "seller_id": f"demo_seller_{70 + i}", "price": "¥30"})
               for i, (t, d) in enumerate(PLANTED)]
    Store(db).upsert_listings(records, source="planted")
    db.conn.close()
    done = facetrade("classify", "--stored", "--db", str(db_path))
    assert done.returncode == 0, done.stderr
    return db_path


def _ranked(db_path, *extra) -> tuple[list[str], str]:
    done = facetrade("discover", "--top", "10", "--json", "--db", str(db_path), *extra)
    assert done.returncode == 0, done.stderr
    return [json.loads(line)["term"] for line in done.stdout.splitlines()], done.stderr


def test_planted_word_ranks_in_the_top_ten_from_classifier_labels(world):
    terms, told = _ranked(world)
    assert "classifier labels" in told
    assert NEW_WORD in terms, terms
    known = {t for rule in load_rules() for t in normalize_many(rule.terms)}
    assert not known & set(terms)


def test_with_enough_decisions_it_learns_from_analysts(world):
    db = open_db(world)
    sync_queue(db, 0.5)
    analyst = users.add_user(db, "disc_analyst", "password-123", "analyst")
    flagged = [r[0] for r in db.conn.execute("SELECT listing_ref FROM review_items WHERE status = 'open'")]
    for ref in flagged:
        review.decide(db, analyst, ref, "violation", "sells_id_documents", category="id_kit")
    db.conn.close()
    terms, told = _ranked(world, "--min-decisions", "5")
    assert f"analyst verdicts ({len(flagged)} confirmed" in told
    assert NEW_WORD in terms, terms


def test_a_lead_accepts_the_word_into_rules_and_the_examples_still_hold(world, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    before = (rules / "id_kit.yml").read_text(encoding="utf-8")
    db = open_db(world)
    users.add_user(db, "disc_lead", "password-123", "lead")
    db.conn.close()
    example = f"一手{NEW_WORD} 批量出"
    args = ["discover", "--accept", NEW_WORD, "--rule", "idk.id_material", "--example", example,
            "--rules-dir", str(rules), "--db", str(world)]
    refused = facetrade(*args)  # the default CLI identity is an analyst
    assert refused.returncode == 1 and "lead role" in refused.stderr
    assert (rules / "id_kit.yml").read_text(encoding="utf-8") == before
    done = facetrade(*args, "--as", "disc_lead")
    assert done.returncode == 0, done.stderr
    after = (rules / "id_kit.yml").read_text(encoding="utf-8")
    changed = [line for line in after.splitlines() if line not in before.splitlines()]
    assert len(changed) == 2 and all(NEW_WORD in line for line in changed)  # terms line, examples line
    assert [c for c in before.splitlines() if c.lstrip().startswith("#")] == \
           [c for c in after.splitlines() if c.lstrip().startswith("#")]
    loaded = load_rules(rules)
    rule = next(r for r in loaded if r.id == "idk.id_material")
    assert NEW_WORD in rule.terms and example in rule.examples["match"]
    matcher = RuleMatcher(loaded)
    for r in loaded:
        for kind in ("match", "no_match"):
            for text in r.examples.get(kind, []):
                fired = any(h.rule.id == r.id for h in matcher.match_many(normalize_many([text]))[0])
                assert fired == (kind == "match"), (r.id, text)
    again = facetrade(*args, "--as", "disc_lead")
    assert again.returncode == 1 and "already a rule term" in again.stderr
    assert NEW_WORD not in _ranked(world, "--rules-dir", str(rules))[0]
