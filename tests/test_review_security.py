"""Security of the review app: sessions, roles, CSRF, escaping, injection, append-only audit."""

from __future__ import annotations

import re
import sqlite3

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from findings.db import open_db
from findings.web import demo
from findings.web.app import create_app


@pytest.fixture
def app(tmp_path):
    path = tmp_path / "review.db"
    db = open_db(path)
    refs = demo.seed(db)
    demo.add_users(db)
    db.conn.close()
    application = create_app(str(path), secret="test-secret-" + "x" * 32)
    application.state.refs = refs
    application.state.path = path
    return application


def client(app, user: str | None = None) -> tuple[TestClient, str | None]:
    c = TestClient(app, follow_redirects=False)
    token = demo.login(c, user) if user else None
    return c, token


def _concrete(path: str, refs: dict) -> str:
    """Fill every path parameter, so a new area's routes are checked without editing this test."""
    values = {"listing": str(refs["kit-1"]), "name": "demo_analyst"}
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values.get(m.group(1), "1"), path)


def _routes(app, method: str):
    for route in app.routes:
        if isinstance(route, Route) and method in route.methods:
            yield route


def test_every_page_but_login_needs_a_session(app):
    c, _ = client(app)
    checked = 0
    for route in _routes(app, "GET"):
        path = _concrete(route.path, app.state.refs)
        response = c.get(path)
        if route.path == "/login":
            assert response.status_code == 200
            continue
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login"), path
        checked += 1
    for route in _routes(app, "POST"):
        if route.path == "/login":
            continue
        response = c.post(_concrete(route.path, app.state.refs), data={"csrf_token": "x"})
        assert response.status_code in (401, 403), route.path
        checked += 1
    assert checked >= 20


def test_a_post_without_its_csrf_token_is_rejected_and_changes_nothing(app):
    c, token = client(app, "demo_admin")
    for route in _routes(app, "POST"):
        path = _concrete(route.path, app.state.refs)
        for data in ({}, {"csrf_token": "forged" + token}):
            response = c.post(path, data={**data, "action": "violation", "reason_code": "sells_id_documents",
                                          "category": "id_kit", "role": "analyst", "name": "new_user_x",
                                          "password": "password-123"})
            assert response.status_code == 403, path
            assert "security token" in response.text
    db = open_db(app.state.path)
    assert db.execute("SELECT count(*) FROM review_decisions").fetchone()[0] == 0
    assert db.execute("SELECT role FROM review_users WHERE name = 'demo_analyst'").fetchone()[0] == "analyst"
    assert db.execute("SELECT count(*) FROM review_users WHERE name = 'new_user_x'").fetchone()[0] == 0
    # The header form (used by fetch) works with the right token.
    ok = c.post(f"/items/{app.state.refs['kit-1']}/reveal", data={"what": "images"},
                headers={"X-CSRF-Token": token, "X-Requested-With": "fetch"})
    assert ok.status_code == 204


def test_analyst_gets_403_on_lead_and_admin_actions(app):
    c, token = client(app, "demo_analyst")
    ref = app.state.refs["kit-1"]
    assert c.get("/audit").status_code == 403
    assert c.get("/audit/export?format=csv").status_code == 403
    assert c.get("/admin/users").status_code == 403
    assert c.post("/admin/users", data={"csrf_token": token, "name": "eve_demo", "password": "password-123",
                                        "role": "admin"}).status_code == 403
    assert c.post("/admin/users/demo_analyst/role", data={"csrf_token": token, "role": "admin"}).status_code == 403
    assert c.post(f"/items/{ref}/assign", data={"csrf_token": token, "assignee": "demo_analyst"}).status_code == 403
    assert c.post(f"/items/{ref}/reveal", data={"csrf_token": token, "what": "contacts"}).status_code == 403
    db = open_db(app.state.path)
    assert db.execute("SELECT role FROM review_users WHERE name = 'demo_analyst'").fetchone()[0] == "analyst"
    # A lead may do lead things but not admin things.
    lead, lead_token = client(app, "demo_lead")
    assert lead.get("/audit").status_code == 200
    assert lead.get("/admin/users").status_code == 403
    page = lead.post(f"/items/{ref}/reveal", data={"csrf_token": lead_token, "what": "contacts"})
    assert page.status_code == 200 and "demo_wx_0001" in page.text


def test_contacts_are_masked_for_analysts(app):
    c, _ = client(app, "demo_analyst")
    page = c.get(f"/items/{app.state.refs['kit-1']}")
    assert page.status_code == 200
    assert "demo_wx_0001" not in page.text.split("<h2>Contacts</h2>")[1].split("</section>")[0]


def test_hostile_title_is_escaped_everywhere(app):
    c, _ = client(app, "demo_analyst")
    ref = app.state.refs["xss-1"]
    for path in ("/queue", f"/items/{ref}", "/evidence/1", "/sellers/5"):
        html = c.get(path).text
        assert "<script>window" not in html, path
        assert 'onerror="window' not in html and "<img src=x" not in html, path
        assert "<b onmouseover" not in html, path
    item = c.get(f"/items/{ref}").text
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in item
    assert '<mark title="demo.photo_activation">照片活化</mark>' in item
    headers = c.get("/queue").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]


def test_injection_attempts_in_filters_are_harmless(app):
    c, _ = client(app, "demo_analyst")
    attempts = ["' OR 1=1 --", "\"; DROP TABLE listings; --", "%", "_", "\\", "四件套\" OR \"1", "*", "NEAR(a b)",
                "') UNION SELECT password_hash FROM review_users --", "a'b"]
    for text in attempts:
        for params in ({"q": text}, {"platform": text}, {"category": text}, {"status": text},
                       {"min_score": text}, {"max_score": text}, {"page": text}):
            response = c.get("/queue", params=params)
            assert response.status_code == 200, params
            assert "argon2" not in response.text
    # Wildcards match literally: no listing has "%"; only those with a contact handle have "_".
    assert "No items match." in c.get("/queue", params={"q": "%"}).text
    underscore = c.get("/queue", params={"q": "_"}).text
    refs = app.state.refs
    assert f'href="/items/{refs["kit-1"]}"' in underscore and f'href="/items/{refs["kit-3"]}"' not in underscore
    db = open_db(app.state.path)
    assert db.execute("SELECT count(*) FROM listings").fetchone()[0] == len(demo.LISTINGS)


def test_audit_log_is_append_only(app):
    c, _ = client(app, "demo_analyst")
    c.get(f"/items/{app.state.refs['kit-1']}")
    db = open_db(app.state.path)
    assert db.execute("SELECT count(*) FROM review_audit WHERE action = 'view'").fetchone()[0] == 1
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE review_audit SET user_name = 'someone_else'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM review_audit")


def test_session_cookie_flags_and_logout(app):
    c = TestClient(app, follow_redirects=False)
    token = demo.csrf_from(c.get("/login").text)
    response = c.post("/login", data={"username": "demo_analyst", "password": demo.PASSWORD,
                                      "csrf_token": token, "next": "https://evil.invalid/"})
    assert response.headers["location"] == "/queue"  # no open redirect
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    secure = TestClient(app, base_url="https://testserver", follow_redirects=False)
    assert "secure" in secure.get("/login").headers["set-cookie"].lower()
    wrong = c.post("/login", data={"username": "demo_analyst", "password": "nope-nope",
                                   "csrf_token": demo.csrf_from(c.get("/login").text)})
    assert wrong.status_code == 401


def test_disabled_user_is_logged_out_at_once(app):
    c, _ = client(app, "demo_analyst")
    assert c.get("/queue").status_code == 200
    admin, admin_token = client(app, "demo_admin")
    assert admin.post("/admin/users/demo_analyst/disable", data={"csrf_token": admin_token}).status_code == 303
    assert c.get("/queue").status_code == 303
    db = open_db(app.state.path)
    row = db.execute("SELECT before, after, user_name FROM review_audit WHERE action = 'user_disable'").fetchone()
    assert row == ('{"disabled": 0}', '{"disabled": 1}', "demo_admin")
