"""The world export tests share: a real sandbox crawl plus decisions made through the review code.

``build_world`` crawls the sandbox's Chinese classifieds site with ``facetrade crawl`` in a
subprocess, queues what the classifier flagged, has an analyst confirm the violations
through ``findings.web.review.decide``, and adds one listing from a platform export whose
text carries an (obviously fake) ID number, phone, QQ and e-mail, with a screenshot.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import urllib.request

from conftest import ROOT
from findings.db import open_db
from findings.records import record_from_dict
from findings.store import Store
from findings.web import review, users
from findings.web.sync import sync_queue

QUERIES = ["人脸", "认证", "懂的来", "实名"]
PLATFORM = "classifieds_zh"
PASSWORD = "password-123"
FAKE_ID = "000000190001010000"
FAKE_PHONE = "13800001234"
FAKE_QQ = "100001111"
FAKE_EMAIL = "demo_seller@example.com"
REASON = {"id_kit": "sells_id_documents", "face_data": "sells_face_data", "photo_activation": "liveness_bypass_tool",
          "verification_bypass": "verification_service", "realname_account": "account_for_sale"}


def facetrade(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "facetrade", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout)


def sandbox_manifest(base: str) -> dict:
    with urllib.request.urlopen(f"{base}/_sandbox/manifest.json") as answer:
        return json.load(answer)


def crawl(base: str, db_path) -> dict:
    site = sandbox_manifest(base)["sites"][PLATFORM]
    args = ["crawl", PLATFORM, "--base-url", site["base_url"], "--db", str(db_path), "--delay", "0.01"]
    for query in QUERIES:
        args += ["--query", query]
    done = facetrade(*args)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    return site


def _add_exported_listing(db, site: dict) -> int:
    """A listing from a platform export with personal numbers in its text, and a screenshot."""
    store = Store(db)
    record = record_from_dict({
        "platform": PLATFORM, "id": "900001", "url": site["base_url"] + "/listing/900001",
        "title": f"出售四件套 身份证{FAKE_ID} 秒发", "seller_id": "demo_seller_99", "seller_name": "demo_seller_99",
        "description": f"加我 电话{FAKE_PHONE} 或 QQ：{FAKE_QQ}，邮箱 {FAKE_EMAIL}", "price": "¥88"})
    ref = store.upsert_listings([record], source="export-test").refs[(PLATFORM, "900001")]
    store.link_contacts(ref, [{"kind": "phone", "value": FAKE_PHONE}, {"kind": "qq", "value": FAKE_QQ},
                              {"kind": "email", "value": FAKE_EMAIL}])
    first_id = site["listing_ids"][0]
    with urllib.request.urlopen(f"{site['base_url']}/img/{first_id}-2.png") as answer:
        png = answer.read()
    store.add_evidence(url=record.url, body=f"<html><h1>{record.title}</h1>{record.description}</html>".encode(),
                       listing_ref=ref, http_status=200, content_type="text/html; charset=utf-8", kind="detail_page")
    store.add_evidence(url=record.url, body=png, listing_ref=ref, content_type="image/png", kind="screenshot")
    store.save_classifications([(ref, {"score": 0.97, "label": 1, "category": "id_kit",
                                       "reasons": [{"rule_id": "zh.id_kit.four_piece", "description": "四件套 offer",
                                                    "spans": [{"text": "四件套"}]}]})], model_version="export-test")
    return ref


def build_world(base: str, tmp_path) -> dict:
    """Crawl, queue, decide; return paths, users and the refs of confirmed and rejected listings."""
    db_path = tmp_path / "facetrade.db"
    site = crawl(base, db_path)
    db = open_db(db_path)
    extra = _add_exported_listing(db, site)
    sync_queue(db, 0.5)
    analyst = users.add_user(db, "ana_demo", PASSWORD, "analyst")
    lead = users.add_user(db, "lead_demo", PASSWORD, "lead")
    items = db.conn.execute("SELECT listing_ref, category FROM review_items ORDER BY listing_ref").fetchall()
    assert len(items) >= 8, "the crawl should have flagged several listings"
    rejected = items[0][0]
    review.decide(db, analyst, rejected, "not_violation", "other_benign")
    confirmed = []
    for ref, category in items[1:]:
        category = category if category in REASON else "id_kit"
        review.decide(db, analyst, ref, "violation", REASON[category], category=category)
        confirmed.append(ref)
    db.conn.close()
    return {"db_path": db_path, "site": site, "base": base, "analyst": analyst, "lead": lead,
            "confirmed": confirmed, "rejected": rejected, "extra": extra}


def listing_ids(db_path, refs) -> set[str]:
    conn = sqlite3.connect(db_path)
    try:
        marks = ",".join("?" * len(refs))
        return {r[0] for r in conn.execute(f"SELECT listing_id FROM listings WHERE id IN ({marks})", list(refs))}
    finally:
        conn.close()
