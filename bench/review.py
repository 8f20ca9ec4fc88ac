"""Benchmark the review app on a big database: p95 of the queue page and the item page.

Run: ``.venv/bin/python bench/review.py [--listings 1000000] [--findings 100000]``.
Builds the database with fast bulk inserts straight into SQLite (not the Store: this
measures the app, not ingest), syncs the queue, serves the app with uvicorn on a free
127.0.0.1 port and times real HTTP requests. Target: p95 < 100 ms for both pages.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PLATFORMS = ("xianyu", "taobao", "telegram")
CATEGORIES = ("id_kit", "face_data", "photo_activation", "verification_bypass", "realname_account")
GOODS = ["床上四件套", "肌肤活化精华", "iPhone 13", "考研资料", "相机", "自行车"]
BAD = ["四件套 懂的来 加V", "照片活化 眨眼 摇头", "人脸验证 解封 代过", "实名号 出售", "手持身份证 全套"]


def build(path: Path, listings: int, findings: int, seed: int = 7) -> None:
    """Fill ``path`` with invented listings, sellers, contacts, classifications and evidence."""
    from findings.db import open_db
    from findings.records import utcnow

    rng = random.Random(seed)
    db = open_db(path)
    conn = db.conn
    now = utcnow()
    sellers = max(1, listings // 20)
    flagged = set(rng.sample(range(1, listings + 1), findings))
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO sellers (id, platform, seller_id, name, first_seen_at, last_seen_at)"
                     " VALUES (?, ?, ?, ?, ?, ?)",
                     ((i, PLATFORMS[i % 3], f"bench_seller_{i}", f"卖家{i}", now, now) for i in range(1, sellers + 1)))

    def listing_rows():
        for i in range(1, listings + 1):
            bad = i in flagged
            title = f"{BAD[i % 5] if bad else GOODS[i % 6]} 编号{i}"
            seen = f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T00:00:00.000000Z"
            yield (i, PLATFORMS[i % 3], f"L{i}", title, f"{title}，详情 demo", f"¥{i % 900}",
                   1 + i % sellers, f"卖家{1 + i % sellers}", seen, seen, f"h{i}")

    conn.executemany("INSERT INTO listings (id, platform, listing_id, title, description, price_text, seller_ref,"
                     " seller_name, first_seen_at, last_seen_at, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     listing_rows())
    contacts = max(1, findings // 10)
    conn.executemany("INSERT INTO contacts (id, kind, value, first_seen_at) VALUES (?, 'wechat', ?, ?)",
                     ((i, f"bench_wx_{i:06d}", now) for i in range(1, contacts + 1)))
    conn.executemany("INSERT OR IGNORE INTO listing_contacts (listing_ref, contact_ref) VALUES (?, ?)",
                     ((ref, 1 + rng.randrange(contacts)) for ref in flagged))

    def classification_rows():
        for ref in sorted(flagged):
            term = BAD[ref % 5].split()[0]
            reasons = [{"rule_id": f"bench.rule_{ref % 5}", "description": "bench rule",
                        "spans": [{"field": "title", "start": 0, "end": len(term), "text": term}]}]
            yield (ref, "bench-1", f"h{ref}", 0.5 + rng.random() / 2, 1, CATEGORIES[ref % 5],
                   json.dumps(reasons, ensure_ascii=False), now)

    conn.executemany("INSERT INTO classifications (listing_ref, model_version, content_hash, score, label, category,"
                     " reasons, classified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", classification_rows())
    conn.execute("INSERT INTO listings_fts (rowid, title, description) SELECT id, title, description FROM listings"
                 " WHERE id IN (SELECT listing_ref FROM classifications)")
    conn.commit()


def _serve(path: Path):
    import uvicorn

    from findings.web.app import create_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(str(path), secret="bench-" + "x" * 40)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


def _time(client, urls: list[str]) -> list[float]:
    times = []
    for url in urls:
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    return times


def _report(name: str, times: list[float], target: float | None = 100.0) -> None:
    times = sorted(times)
    p95 = times[int(0.95 * (len(times) - 1))]
    verdict = "" if target is None else ("  OK" if p95 < target else f"  OVER the {target:.0f} ms target")
    print(f"{name:<28} n={len(times):<4} p50={statistics.median(times):6.1f} ms  p95={p95:6.1f} ms"
          f"  max={times[-1]:6.1f} ms{verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=1_000_000)
    parser.add_argument("--findings", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="requests per measured page")
    parser.add_argument("--db", type=Path, help="reuse (or keep) this database instead of a temporary one")
    args = parser.parse_args()
    import httpx

    from findings.db import open_db
    from findings.web import demo, users
    from findings.web.sync import sync_queue

    workdir = tempfile.TemporaryDirectory(prefix="facetrade-bench-")
    path = args.db or Path(workdir.name) / "review.db"
    if not path.exists():
        start = time.perf_counter()
        build(path, args.listings, args.findings)
        print(f"built {args.listings:,} listings and {args.findings:,} findings in {time.perf_counter() - start:.1f} s")
    db = open_db(path)
    start = time.perf_counter()
    added = sync_queue(db, 0.5)
    print(f"queue sync: {added:,} items in {time.perf_counter() - start:.1f} s")
    if users.get_user(db, name="bench_analyst") is None:
        users.add_user(db, "bench_analyst", demo.PASSWORD, "analyst")
    items = [r for (r,) in db.execute("SELECT listing_ref FROM review_items ORDER BY random() LIMIT ?",
                                      (args.requests,))]
    server, base = _serve(path)
    with httpx.Client(base_url=base) as client:
        demo.login(client, "bench_analyst")
        _time(client, ["/queue", f"/items/{items[0]}"] * 5)  # warm caches and connections
        rng = random.Random(1)
        _report("queue page (default)", _time(client, ["/queue"] * args.requests))
        _report("queue page (filters, pages)", _time(client, [
            f"/queue?platform={rng.choice(PLATFORMS)}&category={rng.choice(CATEGORIES)}&page={rng.randint(1, 20)}"
            for _ in range(args.requests)]))
        _report("item page", _time(client, [f"/items/{ref}" for ref in items]))
        _report("queue page (uncertain first)", _time(client, [
            f"/queue?mode=uncertain&page={rng.randint(1, 5)}" for _ in range(max(10, args.requests // 10))]))
        _report("queue text search (info)", _time(client, [
            f"/queue?q={rng.choice(BAD).split()[0]}" for _ in range(max(10, args.requests // 10))]), None)
    server.should_exit = True


if __name__ == "__main__":
    main()
