"""Benchmark `facetrade ingest` against a raw sqlite-utils insert_all of the same rows.

Run: ``.venv/bin/python bench/ingest.py [--rows 200000]``. Prints listings/s for both,
their ratio (target ≥ 0.5×) and the peak memory of each, each measured in its own process.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = ["九成新", "自用", "包邮", "闲置", "正品", "转让", "急出", "可小刀", "同城自提", "全新未拆"]
GOODS = ["iPhone 13", "床上四件套", "婴儿车", "考研资料", "人脸识别门锁", "肌肤活化精华", "相机", "自行车"]


def make_rows(count: int):
    for i in range(count):
        yield {"platform": "bench", "id": f"B{i:08d}", "url": f"https://example.com/item/{i}",
               "title": f"{GOODS[i % len(GOODS)]} {WORDS[i % 10]} {WORDS[(i * 7) % 10]} 编号{i}",
               "description": f"{WORDS[(i * 3) % 10]}，{GOODS[(i * 5) % len(GOODS)]}，第{i}件，有意私聊" * 2,
               "price": f"¥{(i % 900) + 10}.00", "seller_id": f"seller_{i % 5000}",
               "seller_name": f"卖家{i % 5000}", "location": "浙江 杭州", "posted_at": "2026-11-01",
               "image_urls": [f"https://img.example.com/{i}.jpg"]}


def run_ingest(path: str, db_path: str, out) -> None:
    from findings.db import open_db
    from findings.ingest import ingest_files
    from findings.store import Store

    store = Store(open_db(db_path))
    start = time.perf_counter()
    report = ingest_files(store, [path])
    elapsed = time.perf_counter() - start
    out.put({"rows": report.rows, "seconds": elapsed, "rss_mb": _peak_mb()})


def run_raw(path: str, db_path: str, out) -> None:
    import sqlite_utils

    db = sqlite_utils.Database(db_path)
    db.execute("PRAGMA journal_mode=WAL")
    start = time.perf_counter()
    with open(path, encoding="utf-8") as handle:
        rows = (json.loads(line) for line in handle)
        db["raw"].insert_all(({**r, "image_urls": json.dumps(r["image_urls"])} for r in rows), batch_size=2000)
    elapsed = time.perf_counter() - start
    out.put({"rows": db["raw"].count, "seconds": elapsed, "rss_mb": _peak_mb()})


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(target, path: str, db_path: str) -> dict:
    out = mp.Queue()
    proc = mp.Process(target=target, args=(path, db_path, out))
    proc.start()
    result = out.get()
    proc.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, best kept")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "listings.jsonl")
        with open(path, "w", encoding="utf-8") as handle:
            for row in make_rows(args.rows):
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        size_mb = Path(path).stat().st_size / 1e6
        # Alternate the two and keep each one's best run, so a noisy neighbour on the
        # machine slows one repeat, not the comparison.
        raws, ourss = [], []
        for attempt in range(args.repeat):
            raws.append(measure(run_raw, path, str(Path(tmp) / f"raw{attempt}.db")))
            ourss.append(measure(run_ingest, path, str(Path(tmp) / f"facetrade{attempt}.db")))
        raw = min(raws, key=lambda r: r["seconds"])
        ours = min(ourss, key=lambda r: r["seconds"])
    raw_rate, our_rate = raw["rows"] / raw["seconds"], ours["rows"] / ours["seconds"]
    print(f"bench/ingest: {args.rows:,} generated listings ({size_mb:.0f} MB JSONL), best of {args.repeat}")
    print(f"  raw sqlite-utils insert_all  {raw_rate:10,.0f} rows/s   peak {raw['rss_mb']:6.0f} MB")
    print(f"  facetrade ingest             {our_rate:10,.0f} rows/s   peak {ours['rss_mb']:6.0f} MB"
          "   (validation, sellers, dedupe, versions, FTS index)")
    ratio = our_rate / raw_rate
    print(f"  ratio {ratio:.2f}x (target >= 0.50x): {'PASS' if ratio >= 0.5 else 'FAIL'}")


if __name__ == "__main__":
    main()
