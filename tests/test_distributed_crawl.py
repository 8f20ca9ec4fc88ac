"""Distributed crawls: real redis-server, two `facetrade crawl --redis` workers, one ingest worker."""

from __future__ import annotations

import json
import math
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest
import redis

from crawler.redislocal import redis_server_path, running_redis
from sandbox.testing import running_sandbox

pytestmark = pytest.mark.skipif(redis_server_path() is None, reason="redis-server is not installed")
QUERIES = ["人脸", "四件套", "认证"]
PAGE_SIZE = 20  # the sandbox classifieds sites' result page size


@pytest.fixture(scope="module")
def sandbox():
    with running_sandbox(listings=400, seed=11, rate=0, fail_rate=0, slow_rate=0) as base:
        yield base


@pytest.fixture
def redis_url():
    with running_redis() as url:
        yield url


_STARTED: list[subprocess.Popen] = []


def started(proc: subprocess.Popen) -> subprocess.Popen:
    """Remember a worker process, so a failing test does not leave it waiting for work."""
    _STARTED.append(proc)
    return proc


@pytest.fixture(autouse=True)
def _stop_leftover_processes():
    yield
    while _STARTED:
        proc = _STARTED.pop()
        if proc.poll() is None:  # only after a failure: a passing test has waited for each one
            proc.kill()
            proc.communicate()


def get_json(url, data=None):
    with urllib.request.urlopen(urllib.request.Request(url, data=data, method="GET" if data is None else "POST")) as r:
        return json.load(r)


def start_worker(site, redis_url, delay="0.01", lease="15"):
    # Pages only: the request counts below are of pages (pictures: tests/test_crawler_images.py).
    args = [sys.executable, "-m", "facetrade", "crawl", "classifieds_zh", "--base-url", site["base_url"],
            "--delay", delay, "--redis", redis_url, "--no-images"]
    for query in QUERIES:
        args += ["--query", query]
    env = {**os.environ, "FACETRADE_REDIS_LEASE_SECONDS": lease, "PYTHONUNBUFFERED": "1"}
    return started(subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env))


def ingest(redis_url, db_path, *extra):
    return [sys.executable, "-m", "facetrade", "ingest-worker", "--redis", redis_url, "--db", str(db_path), *extra]


def assert_every_listing_stored_once(redis_url, db_path, want):
    """Drain the shared item queue into a new database: every wanted listing once, one ok run."""
    done = subprocess.run(ingest(redis_url, db_path, "--until-idle"), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    ids, runs = stored(db_path)
    assert set(ids) == want and len(ids) == len(want)
    assert [s for s, _ in runs] == ["ok"]


def stored(db_path):
    conn = sqlite3.connect(db_path)
    try:
        ids = [r[0] for r in conn.execute("SELECT listing_id FROM listings WHERE platform = 'classifieds_zh'")]
        runs = conn.execute("SELECT status, job FROM crawl_runs").fetchall()
        return ids, runs
    finally:
        conn.close()


def expected(site):
    want = {i for q in QUERIES for i in site["queries"][q]}
    result_pages = sum(max(1, math.ceil(len(site["queries"][q]) / PAGE_SIZE)) for q in QUERIES)
    return want, result_pages + len(want)  # every result page and every listing's detail page once


def test_two_workers_share_one_frontier_and_fetch_every_page_once(sandbox, redis_url, tmp_path):
    get_json(f"{sandbox}/_sandbox/reset", data=b"")
    site = get_json(f"{sandbox}/_sandbox/manifest.json")["sites"]["classifieds_zh"]
    want, pages = expected(site)
    assert len(want) > 30 and pages > len(want) + 3  # several result pages per query
    db_path = tmp_path / "f.db"
    writer = started(subprocess.Popen(ingest(redis_url, db_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True))
    workers = [start_worker(site, redis_url) for _ in range(2)]
    outs = [w.communicate(timeout=180) for w in workers]
    for worker, (out, err) in zip(workers, outs):
        assert worker.returncode == 0, err[-3000:]
    fetched = [int(re.search(r"(\d+) requests", out).group(1)) for out, _ in outs]
    assert all(n > 0 for n in fetched), outs  # both workers took part
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and ("ok", "redis:") not in [(s, j[:6]) for s, j in stored(db_path)[1]]:
        time.sleep(0.3)
    writer.send_signal(signal.SIGTERM)
    out, err = writer.communicate(timeout=30)
    assert writer.returncode == 0, err[-3000:]
    ids, runs = stored(db_path)
    assert set(ids) == want and len(ids) == len(want)  # every listing, exactly once
    assert [s for s, _ in runs] == ["ok"]  # one distributed crawl = one recorded run
    # The sandbox saw every result page and detail page exactly once across both workers
    # (each worker also reads robots.txt itself, which is not a classifieds page).
    assert get_json(f"{sandbox}/_sandbox/stats.json")["classifieds_zh/requests"] == pages
    assert sum(fetched) == pages + len(workers)
    assert f"{len(want)} new" in out
    # A finished crawl clears its frontier, so the next crawl of the same queries starts afresh.
    assert not [k for k in redis.Redis.from_url(redis_url).keys("facetrade:classifieds_zh*")
                if not k.endswith(b":meta")]


def _inflight_of(server, pid):
    keys = [k for k in server.keys("facetrade:*:inflight:*") if f"-{pid}-".encode() in k]
    return sum(server.hlen(k) for k in keys)


def test_a_killed_worker_loses_no_request(sandbox, redis_url, tmp_path):
    get_json(f"{sandbox}/_sandbox/reset", data=b"")
    site = get_json(f"{sandbox}/_sandbox/manifest.json")["sites"]["classifieds_zh"]
    want, pages = expected(site)
    server = redis.Redis.from_url(redis_url)
    victim = start_worker(site, redis_url, delay="0.1", lease="2")
    survivor = start_worker(site, redis_url, delay="0.1", lease="2")
    deadline = time.monotonic() + 120
    # Kill the victim while it holds requests in flight, after it has pushed some items.
    while not (_inflight_of(server, victim.pid) and server.llen("facetrade:items") >= 10):
        assert time.monotonic() < deadline and victim.poll() is None, "the victim finished before the kill"
        time.sleep(0.01)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    out, err = survivor.communicate(timeout=180)
    assert survivor.returncode == 0, err[-3000:]
    assert re.search(r"stopped answering: [1-9]\d* of its requests back in the queue", err), err[-3000:]
    assert_every_listing_stored_once(redis_url, tmp_path / "f.db", want)
    served = get_json(f"{sandbox}/_sandbox/stats.json")["classifieds_zh/requests"]
    assert pages <= served <= pages + 2 * 4  # at most the victim's in-flight requests came twice


def test_worker_without_redis_says_so(sandbox, tmp_path):
    done = subprocess.run([sys.executable, "-m", "facetrade", "crawl", "classifieds_zh", "--query", "人脸",
                           "--redis", "redis://127.0.0.1:1/0"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "cannot reach Redis at redis://127.0.0.1:1/0" in done.stderr
    assert "Traceback" not in done.stderr


def test_workers_join_and_leave_mid_crawl(sandbox, redis_url, tmp_path):
    get_json(f"{sandbox}/_sandbox/reset", data=b"")
    site = get_json(f"{sandbox}/_sandbox/manifest.json")["sites"]["classifieds_zh"]
    want, pages = expected(site)
    server = redis.Redis.from_url(redis_url)
    first = start_worker(site, redis_url, delay="0.1")
    deadline = time.monotonic() + 120
    while server.llen("facetrade:items") < 5:
        assert time.monotonic() < deadline and first.poll() is None
        time.sleep(0.02)
    late = start_worker(site, redis_url, delay="0.1")  # joins a crawl already under way
    while not any(server.scard(k) == 2 for k in server.keys("facetrade:*:workers")):
        assert time.monotonic() < deadline and first.poll() is None, "the late worker never joined"
        time.sleep(0.02)
    first.send_signal(signal.SIGTERM)  # leaves cleanly: finishes in-flight pages, returns the rest
    out_first, err_first = first.communicate(timeout=60)
    assert first.returncode == 3, err_first[-3000:]
    assert "left before the crawl ended" in out_first
    out_late, err_late = late.communicate(timeout=180)
    assert late.returncode == 0, err_late[-3000:]
    assert int(re.search(r"(\d+) requests", out_late).group(1)) > 1
    assert_every_listing_stored_once(redis_url, tmp_path / "f.db", want)
    assert get_json(f"{sandbox}/_sandbox/stats.json")["classifieds_zh/requests"] == pages  # nothing twice
