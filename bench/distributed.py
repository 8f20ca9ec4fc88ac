"""Benchmark distributed crawling: pages/s with 1 and with 2 scrapy-redis workers on the sandbox.

Run: ``.venv/bin/python bench/distributed.py [--listings 3000]``. A private redis-server and
the sandbox (own process, no rate limit or faults) are started; for each worker count the
same crawl (classifieds_zh, every manifest query, every detail page) runs with a fresh
frontier, politeness off as in bench/crawl.py. Pages/s counts the pages the sandbox served
over the wall time from starting the workers until the last one exits (start-up included),
then the single ingest worker's listings/s writing what they pushed into SQLite.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from crawler.redislocal import running_redis  # noqa: E402
from sandbox.testing import running_sandbox  # noqa: E402

_WORKER = """
import json, sys
from crawler.runner import run_crawl
args = json.loads(sys.argv[1])
print(json.dumps(run_crawl(polite=False, **args), default=str))
"""


def get(url: str) -> dict:
    with urllib.request.urlopen(url) as answer:
        return json.load(answer)


def crawl(workers: int, site: dict, url: str, base: str) -> tuple[float, int]:
    """Return (seconds, pages served) for one complete crawl with ``workers`` workers."""
    args = json.dumps({"site": "classifieds_zh", "db_path": "", "queries": list(site["queries"]),
                       "base_url": site["base_url"], "redis_url": url}, ensure_ascii=False)
    before = get(f"{base}/_sandbox/stats.json").get("classifieds_zh/requests", 0)
    start = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", _WORKER, args], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True, cwd=ROOT) for _ in range(workers)]
    for proc in procs:
        out, _ = proc.communicate(timeout=1800)
        if proc.returncode:
            raise SystemExit(f"a worker failed (exit {proc.returncode})")
        summary = json.loads(out.strip().splitlines()[-1])
        if summary["status"] != "ok":
            raise SystemExit(f"a worker ended {summary['status']}")
    seconds = time.perf_counter() - start
    return seconds, get(f"{base}/_sandbox/stats.json")["classifieds_zh/requests"] - before


def ingest(url: str) -> tuple[float, int]:
    """Return (seconds, listings) for `facetrade ingest-worker --until-idle` into a new database."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "facetrade", "ingest-worker", "--redis", url, "--until-idle",
                        "--db", str(db)], check=True, capture_output=True, cwd=ROOT)
        seconds = time.perf_counter() - start
        import sqlite3
        count = sqlite3.connect(db).execute("SELECT count(*) FROM listings").fetchone()[0]
    return seconds, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=3000)
    opts = parser.parse_args()
    os.environ.setdefault("FACETRADE_REDIS_LEASE_SECONDS", "15")
    with running_sandbox(listings=opts.listings, seed=7, subprocess_mode=True, rate=0, fail_rate=0,
                         slow_rate=0) as base, running_redis() as url:
        site = get(f"{base}/_sandbox/manifest.json")["sites"]["classifieds_zh"]
        rates = {}
        for workers in (1, 2):
            redis.Redis.from_url(url).flushdb()
            seconds, pages = crawl(workers, site, url, base)
            rates[workers] = pages / seconds
            print(f"{workers} worker(s): {pages} pages in {seconds:.1f} s = {rates[workers]:.1f} pages/s")
            if workers == 2:
                took, listings = ingest(url)
                print(f"ingest worker: {listings} listings in {took:.1f} s = {listings / took:.1f} listings/s")
        print(f"2 workers / 1 worker = {rates[2] / rates[1]:.2f}x ({os.cpu_count()} cores, shared with the sandbox)")


if __name__ == "__main__":
    main()
