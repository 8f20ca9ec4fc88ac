"""Real Chromium crawls of the sandbox's Goofish and Taobao-legacy sites, and their defences."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import urllib.request

import pytest

from sandbox.testing import running_sandbox


def facetrade(*args, timeout=400):
    return subprocess.run([sys.executable, "-m", "facetrade", *args], capture_output=True, text=True,
                          timeout=timeout)


def manifest(base):
    with urllib.request.urlopen(f"{base}/_sandbox/manifest.json") as answer:
        return json.load(answer)


def stats(base):
    with urllib.request.urlopen(f"{base}/_sandbox/stats.json") as answer:
        return json.load(answer)


def rows(db_path, sql, *params):
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def sandbox():
    with running_sandbox(listings=400, seed=7, rate=0) as base:
        yield base


@pytest.fixture(scope="module")
def login_state(sandbox, tmp_path_factory):
    path = tmp_path_factory.mktemp("login") / "goofish-state.json"
    site = manifest(sandbox)["sites"]["goofish"]
    done = facetrade("crawl-login", "goofish", "--base-url", site["base_url"], "--login-state", str(path),
                     "--user", "demo_analyst_01", "--password", "not-a-real-password", "--headless")
    assert done.returncode == 0, done.stderr[-2000:]
    return path


def goofish_crawl(site, db_path, *extra):
    return facetrade("crawl", "goofish", "--base-url", site["base_url"], "--db", str(db_path),
                     "--delay", "0.01", *extra)


def test_goofish_crawl_reads_every_result_page_and_detail(sandbox, login_state, tmp_path):
    site = manifest(sandbox)["sites"]["goofish"]
    want = set(site["queries"]["人脸"])
    assert len(want) > site["page_size"]  # more than one result page
    db_path = tmp_path / "f.db"
    done = goofish_crawl(site, db_path, "--query", "人脸", "--login-state", str(login_state))
    assert done.returncode == 0, done.stderr[-3000:]
    ids = [i for (i,) in rows(db_path, "SELECT listing_id FROM listings WHERE platform = 'goofish'")]
    assert set(ids) == want and len(ids) == len(want)
    assert "2 pages" in done.stdout
    # Details came from the detail API: descriptions, every photo and the numeric seller id.
    missing = rows(db_path, "SELECT listing_id FROM listings WHERE description IS NULL")
    hostile = {i for i, kind in manifest(sandbox)["hostile"]["listings"].items() if kind == "truncated_json"}
    assert {i for (i,) in missing} <= hostile  # only a truncated detail answer falls back
    assert rows(db_path, "SELECT count(*) FROM evidence WHERE kind = 'api_response'")[0][0] >= len(want) - len(missing)


def test_goofish_without_login_is_a_login_wall_not_zero_results(sandbox, tmp_path):
    site = manifest(sandbox)["sites"]["goofish"]
    db_path = tmp_path / "f.db"
    done = goofish_crawl(site, db_path, "--query", "人脸")
    assert done.returncode == 2
    assert "BLOCKED" in done.stderr and "FAIL_SYS_SESSION_EXPIRED" in done.stderr
    assert "--login-state" in done.stderr  # tells the operator what to do
    assert rows(db_path, "SELECT status, blocked_reason IS NOT NULL FROM crawl_runs") == [("blocked", 1)]


def test_goofish_rate_limit_stops_the_crawl_at_once(login_state, tmp_path):
    with running_sandbox(listings=400, seed=7, rate=0, block_after=4) as base:
        site = manifest(base)["sites"]["goofish"]
        db_path = tmp_path / "f.db"
        done = goofish_crawl(site, db_path, "--query", "人脸", "--login-state", str(login_state))
        calls = stats(base)["goofish/api_calls"]
    assert done.returncode == 2, done.stdout + done.stderr[-2000:]
    # Either the API's RGV587 envelope or the slider page it leads to is named, with its URL.
    assert ("RGV587_ERROR" in done.stderr or "slider captcha" in done.stderr) and "_____tmd_____/punish" in done.stderr
    assert calls <= 4 + 1  # stopped at the first blocked answer: no hammering
    assert rows(db_path, "SELECT status FROM crawl_runs") == [("blocked",)]
    # What was stored before the block stays stored.
    assert rows(db_path, "SELECT count(*) FROM listings")[0][0] >= 1


def test_taobao_crawl_follows_s_offsets_through_gbk_pages(sandbox, tmp_path):
    site = manifest(sandbox)["sites"]["taobao"]
    want = set(site["listing_ids"]) | set(site["queries"]["人脸"])
    db_path = tmp_path / "f.db"
    done = facetrade("crawl", "taobao", "--base-url", site["base_url"], "--db", str(db_path), "--delay", "0.01",
                     "--query", "", "--query", "人脸")
    assert done.returncode == 0, done.stderr[-3000:]
    ids = [i for (i,) in rows(db_path, "SELECT listing_id FROM listings WHERE platform = 'taobao'")]
    assert len(want) > 2 * 44 and set(ids) == want and len(ids) == len(want)
    titles = [t for (t,) in rows(db_path, "SELECT title FROM listings")]
    assert not any("\ufffd" in t or "<span" in t for t in titles)  # decoded GBK, highlight tags gone
    # Item pages are read too: cover titles ("学习资料") say what they sell only there.
    described = rows(db_path, "SELECT count(*) FROM listings WHERE coalesce(description, '') != ''")[0][0]
    assert described >= 0.95 * len(ids)
    cover = rows(db_path, "SELECT description FROM listings WHERE title LIKE '学习资料%' AND description != ''")
    assert cover, "no cover-title listing came with its description"
