"""Rechecking reported Goofish listings in real Chromium with a real login state, against the sandbox."""

from __future__ import annotations

import sqlite3
import urllib.request

import pytest

from findings.db import open_db
from findings.records import record_from_dict
from findings.store import Store
from findings.web import review, users
from findings.web.sync import sync_queue
from sandbox.testing import running_sandbox
from test_export_recheck import _remove, _statuses
from test_export_world import PASSWORD, facetrade, sandbox_manifest

PLATFORM = "goofish"


def _store_reported_world(site: dict, hostile: set, db_path) -> list[str]:
    """Store five of the sandbox's real Goofish items as confirmed violations (titles are ours)."""
    chosen = [i for i in site["listing_ids"] if i not in hostile][:5]
    db = open_db(db_path)
    store = Store(db)
    records = [record_from_dict({"platform": PLATFORM, "id": i, "url": f"{site['base_url']}/item?id={i}",
                                 "title": f"出售四件套 秒发 {n}", "seller_id": f"demo_seller_{n:02d}"})
               for n, i in enumerate(chosen)]
    refs = store.upsert_listings(records, source="recheck-test").refs
    store.save_classifications([(refs[(PLATFORM, i)], {"score": 0.97, "label": 1, "category": "id_kit", "reasons": []})
                                for i in chosen], model_version="recheck-test")
    sync_queue(db, 0.5)
    analyst = users.add_user(db, "ana_demo", PASSWORD, "analyst")
    users.add_user(db, "lead_demo", PASSWORD, "lead")
    for i in chosen:
        review.decide(db, analyst, refs[(PLATFORM, i)], "violation", "sells_id_documents", category="id_kit")
    db.conn.close()
    return chosen


def _recheck(db: str, *extra):
    done = facetrade("recheck", "--report", "1", "--delay", "0.01", "--days", "0", "--db", db, *extra, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    return done


def _details(db: str) -> dict:
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT l.listing_id, rl.check_detail FROM report_listings rl"
                        " JOIN listings l ON l.id = rl.listing_ref").fetchall()
    return dict(rows)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("recheck-goofish")
    with running_sandbox(listings=150, seed=3, fail_rate=0, slow_rate=0, rate=0) as base:
        manifest = sandbox_manifest(base)
        site = manifest["sites"][PLATFORM]
        state = tmp / "goofish-state.json"
        login = facetrade("crawl-login", PLATFORM, "--base-url", site["base_url"], "--login-state", str(state),
                          "--user", "demo", "--password", "x", "--headless", timeout=120)
        assert login.returncode == 0, login.stderr[-2000:]
        db = str(tmp / "facetrade.db")
        chosen = _store_reported_world(site, set(manifest["hostile"]["listings"]), db)
        args = [arg for i in chosen for arg in ("--listing", i)]
        made = facetrade("export", "report", "--platform", PLATFORM, *args, "--db", db, "--out", str(tmp))
        assert made.returncode == 0, made.stderr
        assert facetrade("reports", "mark", "1", "sent", "--db", db, "--as", "lead_demo").returncode == 0
        yield {"base": base, "db": db, "state": str(state), "chosen": chosen}


def test_without_a_login_state_goofish_listings_are_unreachable_saying_why(world):
    done = _recheck(world["db"])
    assert "rechecked 5 listings: 0 removed, 0 still live, 5 unreachable" in done.stdout
    assert "--login-state" in done.stderr and "crawl-login goofish" in done.stderr
    statuses = _statuses(world["db"])
    assert {s[0] for s in statuses.values()} == {"unreachable"}
    assert all("needs --login-state" in d for d in _details(world["db"]).values())


def test_with_the_login_state_exactly_the_removed_items_are_recorded_removed(world):
    gone = world["chosen"][1:3]
    _remove(world["base"], gone)
    done = _recheck(world["db"], "--login-state", world["state"])
    assert "rechecked 5 listings: 2 removed, 3 still live, 0 unreachable" in done.stdout, done.stderr[-2000:]
    assert f"{PLATFORM}: 2/5 removed" in done.stdout
    statuses = _statuses(world["db"])
    for listing_id, (status, removed_at, checked_at, sent_at) in statuses.items():
        assert status == ("removed" if listing_id in gone else "live")
        assert checked_at >= sent_at and (removed_at is not None) == (listing_id in gone)
    details = _details(world["db"])
    assert all("FAIL_BIZ_ITEM_DEL_NOT_FOUND" in details[i] for i in gone)
    conn = sqlite3.connect(world["db"])
    # The platform's detail API answers are the evidence: one per listing checked in the browser.
    urls = [u for (u,) in conn.execute("SELECT url FROM evidence WHERE kind = 'recheck'")]
    assert len(urls) == 5 and all("mtop.taobao.idle.pc.detail" in u for u in urls)

def test_an_expired_login_stops_the_recheck_and_removes_nothing(world):
    request = urllib.request.Request(f"{world['base']}/_sandbox/expire-sessions", data=b"", method="POST")
    urllib.request.urlopen(request).read()
    done = _recheck(world["db"], "--login-state", world["state"])
    assert "rechecked 3 listings: 0 removed, 0 still live, 3 unreachable" in done.stdout, done.stderr[-2000:]
    still = [i for i in world["chosen"] if _statuses(world["db"])[i][0] != "removed"]
    assert len(still) == 3 and all(_statuses(world["db"])[i][0] == "unreachable" for i in still)
    details = [_details(world["db"])[i] for i in still]
    assert any("FAIL_SYS_SESSION_EXPIRED" in d for d in details)
    assert all("blocked" in d for d in details)
