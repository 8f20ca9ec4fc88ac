"""Obviously invented listings, users and evidence for trying and testing the review app."""

from __future__ import annotations

import io

import sqlite_utils

from findings.records import record_from_dict
from findings.store import Store
from findings.web import users as users_lib

PASSWORD = "demo-password-1"
XSS_TITLE = ('<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
             '照片活化 demo kit <b onmouseover=alert(1)>hover</b>')
# (id, title, seller, score, category, contact)
LISTINGS = [
    ("kit-1", "四件套 全套 demo 懂的来", "demo_seller_01", 0.91, "id_kit", "demo_wx_0001"),
    ("kit-2", "四件套  全套 DEMO 懂的来!", "demo_seller_02", 0.90, "id_kit", "demo_wx_0002"),
    ("kit-3", "四件套·全套 demo 懂的来", "demo_seller_03", 0.89, "id_kit", None),
    ("kit-4", "四件套 全套 demo 懂的来", "demo_seller_04", 0.88, "id_kit", None),
    ("xss-1", XSS_TITLE, "demo_seller_05", 0.97, "photo_activation", "demo_wx_0001"),
    ("bypass-1", "人脸验证 解封 demo 代过", "demo_seller_06", 0.80, "verification_bypass", "demo_wx_0002"),
    ("bedding-1", "纯棉四件套 床品 demo", "demo_seller_07", 0.55, None, None),
    ("low-1", "普通 demo 杯子", "demo_seller_08", 0.10, None, None),
]
TERMS = {"四件套": "demo.four_piece", "照片活化": "demo.photo_activation", "人脸验证": "demo.face_verify",
         "懂的来": "demo.code_word"}


def _reasons(title: str, description: str) -> list[dict]:
    reasons = []
    for term, rule in TERMS.items():
        spans = []
        for field, text in (("title", title), ("description", description)):
            at = text.find(term)
            if at >= 0:
                spans.append({"field": field, "start": at, "end": at + len(term), "text": term})
        if spans:
            reasons.append({"rule_id": rule, "description": f"demo rule for {term}", "spans": spans})
    reasons.append({"feature": "model:char_ngram", "weight": 0.4})
    return reasons


def tiny_png() -> bytes:
    """A 16×16 PNG standing in for an ID photo."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 120, 80)).save(buffer, format="PNG")
    return buffer.getvalue()


def seed(db: sqlite_utils.Database, *, platform: str = "demo", prefix: str = "") -> dict[str, int]:
    """Store the demo listings with classifications, contacts and evidence; return id → row id."""
    store = Store(db)
    records = [record_from_dict({
        "platform": platform, "id": prefix + key, "title": title, "seller_id": seller, "seller_name": seller,
        "description": f"{title} 详情 demo only. 加V {contact or 'none'}", "price": "¥88",
        "url": f"https://marketplace.invalid/{prefix}{key}"}) for key, title, seller, _, _, contact in LISTINGS]
    store.upsert_listings(records)
    refs = {key: db.execute("SELECT id FROM listings WHERE platform = ? AND listing_id = ?",
                            (platform, prefix + key)).fetchone()[0] for key, *_ in LISTINGS}
    results = []
    for (key, title, _, score, category, contact), rec in zip(LISTINGS, records):
        results.append((refs[key], {"score": score, "label": int(score >= 0.5), "category": category,
                                    "reasons": _reasons(rec.title, rec.description or "")}))
        if contact:
            store.link_contacts(refs[key], [{"kind": "wechat", "value": contact, "raw": f"加V {contact}"}])
    store.save_classifications(results, model_version="demo-1")
    store.add_evidence(url="https://marketplace.invalid/xss-1", listing_ref=refs["xss-1"], http_status=200,
                       content_type="text/html; charset=utf-8",
                       body=f"<html><body><script>window.__pwned=3</script><p>{XSS_TITLE}</p></body></html>".encode())
    store.add_evidence(url="https://marketplace.invalid/kit-1.png", listing_ref=refs["kit-1"], kind="image",
                       http_status=200, content_type="image/png", body=tiny_png())
    return refs


def add_users(db: sqlite_utils.Database, password: str = PASSWORD) -> None:
    """Create demo_analyst, demo_analyst2, demo_lead and demo_admin (all with ``password``)."""
    for name, role in (("demo_analyst", "analyst"), ("demo_analyst2", "analyst"), ("demo_lead", "lead"),
                       ("demo_admin", "admin")):
        if users_lib.get_user(db, name=name) is None:
            users_lib.add_user(db, name, password, role)


def csrf_from(html: str) -> str:
    """The CSRF token a rendered page carries (for scripted clients and tests)."""
    import re

    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    if not match:
        raise ValueError("page has no CSRF token")
    return match.group(1)


def login(client, name: str, password: str = PASSWORD) -> str:
    """Log a Starlette TestClient (or httpx client) in; return the session's CSRF token."""
    token = csrf_from(client.get("/login").text)
    response = client.post("/login", data={"username": name, "password": password, "csrf_token": token,
                                           "next": "/queue"}, follow_redirects=True)
    if response.status_code != 200 or "/login" in str(response.url):
        raise ValueError(f"login as {name} failed: {response.status_code}")
    return csrf_from(response.text)


def demo_login(db: sqlite_utils.Database, name: str = "demo_analyst", role: str = "analyst") -> tuple[str, str]:
    """Create (or reset) a demo account with a fresh random password; return (name, password).

    For ``facetrade demo``: it prints these so whoever ran the demo can log in.
    """
    import secrets

    password = secrets.token_urlsafe(9)
    if users_lib.get_user(db, name=name) is None:
        users_lib.add_user(db, name, password, role)
    else:
        users_lib.set_password(db, name, password)
        users_lib.set_disabled(db, name, False)
    return name, password
