"""Stats page figures and the lead's audit export."""

from __future__ import annotations

import csv
import io
import json

from starlette.testclient import TestClient

from findings.db import open_db
from findings.web import demo, metrics, review, sync, users
from findings.web.app import create_app


def _setup(tmp_path):
    path = tmp_path / "review.db"
    db = open_db(path)
    refs = demo.seed(db)
    demo.add_users(db)
    sync.sync_queue(db, 0.5)
    alice = users.get_user(db, name="demo_analyst")
    review.decide(db, alice, refs["kit-1"], "violation", "sells_id_documents", category="id_kit")
    review.decide(db, alice, refs["kit-2"], "violation", "sells_id_documents", category="id_kit")
    review.decide(db, alice, refs["bedding-1"], "not_violation", "bedding_set", note="=HYPERLINK(\"x\")")
    undone = review.decide(db, alice, refs["kit-3"], "not_violation", "other_benign")
    review.undo(db, alice, decision_id=undone)
    return path, db, refs


def test_precision_per_rule_and_model_and_throughput(tmp_path):
    path, db, refs = _setup(tmp_path)
    rules = {name: (value, n) for name, value, n in metrics.rule_precision(db.conn)}
    # four_piece fired on kit-1, kit-2 (confirmed) and bedding-1 (rejected); kit-3's undo does not count.
    assert rules["demo.four_piece"] == (2 / 3, 3)
    assert rules["demo.code_word"] == (1.0, 2)
    assert metrics.model_precision(db.conn, 0.5) == [("model demo-1", 2 / 3, 3)]
    today = metrics.days_back(1)[0]
    assert metrics.decisions_per_day(db.conn, [today]) == {"demo_analyst": {today: 3}}
    c = TestClient(create_app(str(path), secret="s" * 40))
    demo.login(c, "demo_analyst")
    page = c.get("/stats")
    assert page.status_code == 200
    assert page.text.count("<svg") == 3
    assert "<td>demo.four_piece</td><td>67%</td><td>3</td>" in page.text


def test_lead_exports_the_audit_trail_safely(tmp_path):
    path, db, refs = _setup(tmp_path)
    c = TestClient(create_app(str(path), secret="s" * 40))
    demo.login(c, "demo_lead")
    exported = c.get("/audit/export", params={"format": "csv", "user": "demo_analyst", "action": "decide"})
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == 4 and {r["user_name"] for r in rows} == {"demo_analyst"}
    # A user name typed at login that looks like a spreadsheet formula is exported inert.
    anon = TestClient(c.app)
    anon.post("/login", data={"username": "=HYPERLINK(1)", "password": "x" * 9,
                              "csrf_token": demo.csrf_from(anon.get("/login").text)})
    failed = list(csv.DictReader(io.StringIO(c.get("/audit/export", params={"action": "login_failed"}).text)))
    assert [r["target_id"] for r in failed] == ["'=HYPERLINK(1)"]
    lines = c.get("/audit/export", params={"format": "jsonl", "action": "undo"}).text.splitlines()
    assert [json.loads(line)["target_id"] for line in lines] == [str(refs["kit-3"])]
    page = c.get("/audit", params={"action": "decide"})
    assert page.status_code == 200 and page.text.count("<td>decide</td>") == 4
    check = open_db(path)
    assert check.execute("SELECT count(*) FROM review_audit WHERE action = 'audit_export'").fetchone()[0] == 3
