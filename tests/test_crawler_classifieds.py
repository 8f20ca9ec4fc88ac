"""Real crawls of the sandbox classifieds sites through `facetrade crawl`, in subprocesses."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest

from sandbox.testing import running_sandbox

LISTINGS = 400


def facetrade(*args, env=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "facetrade", *args], capture_output=True, text=True,
                          env=env, timeout=timeout)


@pytest.fixture(scope="module")
def sandbox():
    with running_sandbox(listings=LISTINGS, seed=11) as base:
        yield base


def manifest(base):
    with urllib.request.urlopen(f"{base}/_sandbox/manifest.json") as answer:
        return json.load(answer)


def site_ids(db_path, platform):
    conn = sqlite3.connect(db_path)
    try:
        return [r[0] for r in conn.execute("SELECT listing_id FROM listings WHERE platform = ?", (platform,))]
    finally:
        conn.close()


def expected(site, queries):
    return {i for q in queries for i in site["queries"][q]}


def crawl_args(site, queries, db_path, *extra):
    args = ["crawl", site["crawl_site"], "--base-url", site["base_url"], "--db", str(db_path), "--delay", "0.01"]
    for q in queries:
        args += ["--query", q]
    return [*args, *extra]


@pytest.mark.parametrize("name, queries", [
    ("classifieds_zh", ["人脸", "四件套", "认证", "这个词不会有结果"]),
    ("classifieds_en", ["face", "verification", "account"]),
])
def test_crawl_finds_every_listing_the_manifest_expects(sandbox, tmp_path, name, queries):
    site = manifest(sandbox)["sites"][name]
    db_path = tmp_path / "f.db"
    done = facetrade(*crawl_args(site, queries, db_path))
    assert done.returncode == 0, done.stderr[-3000:]
    ids = site_ids(db_path, name)
    want = expected(site, queries)
    assert len(want) > 20  # several result pages per query, so pagination is exercised
    assert set(ids) == want
    assert len(ids) == len(set(ids))
    assert f"{len(want)} new" in done.stdout
    conn = sqlite3.connect(db_path)
    # Every listing has its detail page kept as evidence, and the run is recorded as ok.
    no_evidence = conn.execute("SELECT count(*) FROM listings l WHERE NOT EXISTS (SELECT 1 FROM evidence e"
                               " WHERE e.listing_ref = l.id)").fetchone()[0]
    assert no_evidence == 0
    assert conn.execute("SELECT status FROM crawl_runs").fetchall() == [("ok",)]
    described = conn.execute("SELECT count(*) FROM listings WHERE description IS NOT NULL").fetchone()[0]
    assert described == len(want)
    assert_evidence_matches_warc(db_path)


def assert_evidence_matches_warc(db_path):
    """Evidence rows hold the exact bytes (SHA-256) and point at a readable WARC record."""
    from warcio.archiveiterator import ArchiveIterator

    from findings.db import open_db
    from findings.store import Store

    store = Store(open_db(db_path))
    rows = store.conn.execute("SELECT id, sha256, warc_path, warc_record_id, url FROM evidence").fetchall()
    assert rows
    warc_bodies = {}
    for path in {r[2] for r in rows}:
        with open(path, "rb") as handle:
            for record in ArchiveIterator(handle):
                warc_bodies[record.rec_headers.get_header("WARC-Record-ID")] = record.content_stream().read()
    for evidence_id, digest, _, record_id, url in rows:
        body = store.evidence_bytes(evidence_id)  # raises if the bytes do not match the SHA-256
        assert hashlib.sha256(body).hexdigest() == digest
        assert warc_bodies[record_id] == body, url


def test_recrawl_after_takedown_marks_removed_and_keeps_the_rest(tmp_path):
    with running_sandbox(listings=200, seed=5, fail_rate=0, slow_rate=0) as base:
        site = manifest(base)["sites"]["classifieds_en"]
        queries = ["face", "account"]
        db_path = tmp_path / "f.db"
        assert facetrade(*crawl_args(site, queries, db_path)).returncode == 0
        gone = sorted(expected(site, queries))[:3]
        request = urllib.request.Request(f"{base}/_sandbox/remove", data=json.dumps({"ids": gone}).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        urllib.request.urlopen(request).read()
        again = facetrade(*crawl_args(site, queries, db_path))
        assert again.returncode == 0, again.stderr[-3000:]
        assert "3 removed" in again.stdout
    conn = sqlite3.connect(db_path)
    rows = dict(conn.execute("SELECT listing_id, status FROM listings"))
    assert {i for i, s in rows.items() if s == "removed"} == set(gone)
    assert conn.execute("SELECT count(*) FROM listings WHERE status = 'removed' AND removed_at IS NULL"
                        ).fetchone()[0] == 0


def test_max_pages_leaves_queries_incomplete_and_marks_nothing_removed(sandbox, tmp_path):
    site = manifest(sandbox)["sites"]["classifieds_zh"]
    db_path = tmp_path / "f.db"
    done = facetrade(*crawl_args(site, ["人脸"], db_path, "--max-pages", "1"))
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(site_ids(db_path, "classifieds_zh")) == 20  # exactly one page
    assert "not marking removals" in done.stdout


def test_hostile_pages_are_logged_with_url_and_reason_and_the_crawl_goes_on(sandbox, tmp_path):
    site = manifest(sandbox)["sites"]["classifieds_zh"]
    profile = tmp_path / "hostile.yml"
    text = (open(os.path.join(os.path.dirname(__file__), "..", "crawler", "sites", "classifieds_zh.yml"),
                 encoding="utf-8").read()
            .replace('search_url: "{base_url}/search?q={query}&page={page}"',
                     'search_url: "{base_url}/search?q={query}&page={page}&hostile=script_title"'))
    profile.write_text(text.replace("platform: classifieds_zh", "platform: classifieds_zh"), encoding="utf-8")
    db_path = tmp_path / "f.db"
    done = facetrade("crawl", str(profile), "--base-url", site["base_url"], "--db", str(db_path),
                     "--delay", "0.01", "--query", "人脸")
    assert done.returncode == 0, done.stderr[-3000:]
    # The injected row has a script in it and no listing link: it is named, not stored.
    assert "unusable" in done.stderr and "hostile=script_title" in done.stderr
    titles = [t for (t,) in sqlite3.connect(db_path).execute("SELECT title FROM listings")]
    assert set(site_ids(db_path, "classifieds_zh")) == set(site["queries"]["人脸"])
    assert not any("<script" in t for t in titles)


def test_killed_crawl_resumes_without_duplicates_or_losses(sandbox, tmp_path):
    site = manifest(sandbox)["sites"]["classifieds_en"]
    queries = ["face", "verification", "account", "photo", "selfie"]
    db_path = tmp_path / "f.db"
    args = [sys.executable, "-m", "facetrade", *crawl_args(site, queries, db_path)]
    args[args.index("0.01")] = "0.05"  # slow enough that the kill lands mid-crawl
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    pages = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.3)
        try:
            pages = sqlite3.connect(db_path).execute("SELECT count(*) FROM crawl_pages").fetchone()[0]
        except sqlite3.Error:
            continue
        if pages >= 3:
            break
    assert proc.poll() is None, "the crawl finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stored_before = set(site_ids(db_path, "classifieds_en"))
    assert stored_before  # something was committed before the kill
    again = facetrade(*crawl_args(site, queries, db_path))
    assert again.returncode == 0, again.stderr[-3000:]
    assert "(resumed)" in again.stdout
    ids = site_ids(db_path, "classifieds_en")
    assert set(ids) == expected(site, queries) and len(ids) == len(set(ids))
    statuses = [s for (s,) in sqlite3.connect(db_path).execute("SELECT status FROM crawl_runs ORDER BY id")]
    assert statuses == ["interrupted", "ok"]
