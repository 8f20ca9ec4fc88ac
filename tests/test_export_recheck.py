"""Takedown verification against the sandbox: rechecks after takedowns, time to takedown, relistings."""

from __future__ import annotations

import json
import sqlite3
import urllib.request

import pytest

from findings.db import open_db
from findings.records import record_from_dict
from findings.store import Store
from sandbox.testing import running_sandbox
from test_export_world import PLATFORM, build_world, facetrade, listing_ids


def _remove(base: str, ids: list[str]) -> None:
    request = urllib.request.Request(f"{base}/_sandbox/remove", data=json.dumps({"ids": ids}).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    urllib.request.urlopen(request).read()


@pytest.fixture(scope="module")
def rechecked(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("recheck")
    with running_sandbox(listings=150, seed=3, fail_rate=0, slow_rate=0) as base:
        world = build_world(base, tmp)
        db = str(world["db_path"])
        crawled = sorted(listing_ids(db, world["confirmed"]) - {"900001"})
        chosen = crawled[:6]
        args = [arg for i in chosen for arg in ("--listing", i)]
        made = facetrade("export", "report", "--platform", PLATFORM, *args, "--db", db, "--out", str(tmp))
        assert made.returncode == 0, made.stderr
        refused = facetrade("reports", "mark", "1", "sent", "--db", db, "--as", "ana_demo")
        assert refused.returncode == 1 and "needs the lead role" in refused.stderr
        assert facetrade("reports", "mark", "1", "sent", "--db", db, "--as", "lead_demo").returncode == 0
        gone = chosen[1:3]
        _remove(base, gone)
        result = facetrade("recheck", "--report", "1", "--delay", "0.01", "--days", "0", "--db", db)
        assert result.returncode == 0, result.stderr[-3000:]
        world.update(chosen=chosen, gone=gone, result=result)
        yield world  # the sandbox stays up for the second recheck


def _statuses(db_path) -> dict:
    conn = sqlite3.connect(db_path)
    rows = conn.execute("SELECT l.listing_id, rl.takedown_status, rl.removed_at, rl.last_checked_at, r.sent_at"
                        " FROM report_listings rl JOIN listings l ON l.id = rl.listing_ref"
                        " JOIN reports r ON r.id = rl.report_ref").fetchall()
    return {row[0]: row[1:] for row in rows}


def test_exactly_the_taken_down_listings_are_recorded_removed_with_times(rechecked):
    statuses = _statuses(rechecked["db_path"])
    assert set(statuses) == set(rechecked["chosen"])
    removed = {i for i, (status, *_rest) in statuses.items() if status == "removed"}
    assert removed == set(rechecked["gone"])
    for listing_id, (status, removed_at, checked_at, sent_at) in statuses.items():
        assert checked_at and checked_at >= sent_at
        assert (removed_at is not None) == (listing_id in rechecked["gone"])
        assert status in ("removed", "live")
    out = rechecked["result"].stdout
    assert "rechecked 6 listings: 2 removed, 4 still live, 0 unreachable" in out
    conn = sqlite3.connect(rechecked["db_path"])
    gone_in_db = {r[0] for r in conn.execute("SELECT listing_id FROM listings WHERE status = 'removed'")}
    assert gone_in_db == set(rechecked["gone"])
    # The platform's 404 answers are kept as evidence of the takedown.
    assert conn.execute("SELECT count(*) FROM evidence WHERE kind = 'recheck' AND http_status = 404").fetchone()[0] == 2


def test_time_to_takedown_follows_from_the_recheck(rechecked):
    out = rechecked["result"].stdout
    assert f"{PLATFORM}: 2/6 removed" in out and "4 still live after 0 days" in out
    stats = facetrade("reports", "stats", "--days", "30", "--db", str(rechecked["db_path"]))
    assert "2/6 removed" in stats.stdout and "0 still live after 30 days" in stats.stdout
    from findings.export.takedown_stats import takedown_stats

    (row,) = takedown_stats(open_db(rechecked["db_path"]).conn, days=0)
    statuses = _statuses(rechecked["db_path"])
    sent_at = next(iter(statuses.values()))[3]
    assert 0 < row["median_hours"] * 3600 < 600  # seconds between marking sent and the recheck
    latest = max(v[1] for v in statuses.values() if v[1])
    from findings.export.takedown_stats import _hours
    assert row["max_hours"] == pytest.approx(_hours(sent_at, latest), abs=1e-3)


def test_a_second_recheck_only_visits_what_is_not_yet_removed_and_links_relistings(rechecked):
    db = open_db(rechecked["db_path"])
    old = db.conn.execute("SELECT id, title, seller_name FROM listings WHERE listing_id = ?",
                          (rechecked["gone"][0],)).fetchone()
    # The seller puts the same offer back up under a new id (same title, different punctuation).
    record = record_from_dict({"platform": PLATFORM, "id": "800001", "title": old[1] + "！",
                               "url": "http://127.0.0.1:9/listing/800001", "seller_id": "demo_seller_98"})
    Store(db).upsert_listings([record], source="recrawl")
    db.conn.close()
    again = facetrade("recheck", "--report", "1", "--delay", "0.01", "--db", str(rechecked["db_path"]))
    assert again.returncode == 0, again.stderr[-2000:]
    assert "rechecked 4 listings: 0 removed, 4 still live, 0 unreachable" in again.stdout and "relistings linked: 1" in again.stdout
    conn = sqlite3.connect(rechecked["db_path"])
    link = conn.execute("SELECT o.listing_id, n.listing_id, r.match FROM relistings r JOIN listings o ON o.id = r.old_ref"
                        " JOIN listings n ON n.id = r.new_ref").fetchall()
    assert link == [(rechecked["gone"][0], "800001", "text")]


_PROBE = """
import json, sys
from findings.export.recheck import fetch_outcomes
found = fetch_outcomes([{"listing_ref": 1, "platform": "classifieds_zh", "listing_id": "1", "url": sys.argv[1]}], delay=0)
print(json.dumps([{k: r[k] for k in ("outcome", "detail")} for r in found]))
"""


def test_a_page_robots_txt_forbids_is_unreachable_never_removed():
    import subprocess
    import sys

    with running_sandbox(listings=60, seed=4, fail_rate=0, slow_rate=0) as base:
        # Scrapy's reactor starts once per process, so the recheck runs in its own.
        done = subprocess.run([sys.executable, "-c", _PROBE, f"{base}/classifieds-zh/internal/report?id=1"],
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    (outcome,) = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["outcome"] == "unreachable" and "robots.txt" in outcome["detail"]
