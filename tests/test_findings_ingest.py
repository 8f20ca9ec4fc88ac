"""`facetrade ingest` as a user runs it: real files, a real process, a real SQLite file."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time

from conftest import facetrade_cmd
from findings.ingest import BATCH_SIZE


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def listing(i, **overrides):
    row = {"platform": "xianyu", "id": f"L{i:07d}", "url": f"https://example.com/item/{i}",
           "title": f"闲置 物品 {i} 九成新", "description": f"自用 第{i}件 包邮", "price": f"{i % 500}.00",
           "seller_id": f"demo_seller_{i % 97}", "seller_name": f"卖家{i % 97}", "location": "上海",
           "posted_at": "2026-11-01", "image_urls": [f"https://img.example.com/{i}.jpg"]}
    row.update(overrides)
    return row


def run(args, env, **kwargs):
    return subprocess.run(facetrade_cmd(*args), env=env, capture_output=True, text=True, timeout=300, **kwargs)


def counts(db_path):
    with sqlite3.connect(db_path) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("listings", "listing_versions", "sellers")}


def test_ingesting_the_same_file_twice_changes_no_counts(tmp_path, cli_env, db_path):
    path = write_jsonl(tmp_path / "export.jsonl", [listing(i) for i in range(300)])
    first = run(["ingest", "--no-classify", str(path)], cli_env)
    assert first.returncode == 0, first.stderr
    assert "300 new" in first.stdout
    before = counts(db_path)
    second = run(["ingest", "--no-classify", str(path)], cli_env)
    assert second.returncode == 0 and "300 unchanged" in second.stdout
    assert counts(db_path) == before == {"listings": 300, "listing_versions": 0, "sellers": 97}


def test_one_price_change_adds_exactly_one_version(tmp_path, cli_env, db_path):
    rows = [listing(i) for i in range(50)]
    run(["ingest", "--no-classify", str(write_jsonl(tmp_path / "a.jsonl", rows))], cli_env)
    rows[7]["price"] = "999.00"
    result = run(["ingest", "--no-classify", str(write_jsonl(tmp_path / "b.jsonl", rows))], cli_env)
    assert "1 changed" in result.stdout
    assert counts(db_path)["listing_versions"] == 1
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT price_cents FROM listings WHERE listing_id = 'L0000007'").fetchone() == (99900,)
        assert conn.execute("SELECT price_cents FROM listing_versions").fetchone() == (700,)


def test_csv_export_is_ingested(tmp_path, cli_env, db_path):
    path = tmp_path / "shop.csv"
    path.write_text("platform,id,title,description,price,seller_id,image_urls\n"
                    'taobao,T1,"人脸识别门锁, 家用",刷脸开门,1299,demo_shop_01,"https://img.example.com/1.jpg,https://img.example.com/2.jpg"\n'
                    "taobao,T2,全棉四件套,床品,129,demo_shop_02,\n", encoding="utf-8")
    result = run(["ingest", "--no-classify", str(path)], cli_env)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT listing_id, title, image_urls FROM listings ORDER BY listing_id").fetchall()
    assert rows[0] == ("T1", "人脸识别门锁, 家用", '["https://img.example.com/1.jpg", "https://img.example.com/2.jpg"]')
    assert rows[1][0] == "T2"


def test_malformed_file_keeps_good_rows_and_names_each_bad_line(tmp_path, cli_env, db_path):
    path = tmp_path / "dirty.jsonl"
    good = [listing(i) for i in range(4)]
    with open(path, "wb") as handle:
        handle.write(json.dumps(good[0], ensure_ascii=False).encode() + b"\n")           # line 1 ok
        handle.write(b'{"platform": "xianyu", "id": "broken", "title": \n')                 # line 2 broken JSON
        handle.write(json.dumps(good[1], ensure_ascii=False).encode("gbk") + b"\n")        # line 3 GBK bytes
        handle.write(json.dumps(good[2], ensure_ascii=False).encode() + b"\n")           # line 4 ok
        handle.write(json.dumps(listing(9, title="长" * 10_000_000)).encode() + b"\n")      # line 5 10 MB title
        handle.write(json.dumps({"platform": "xianyu", "title": "no id"}).encode() + b"\n")  # line 6 no id
        handle.write(json.dumps(good[3], ensure_ascii=False).encode() + b"\n")           # line 7 ok
    result = run(["ingest", "--no-classify", str(path)], cli_env)
    assert result.returncode == 1
    for line, reason in [(2, "broken JSON"), (3, "not UTF-8"), (5, "line longer than"), (6, "missing 'id'")]:
        assert f"dirty.jsonl:{line}: {reason}" in result.stderr, result.stderr
    assert "4 rows rejected" in result.stderr
    assert counts(db_path)["listings"] == 3 + 0  # lines 1, 4, 7
    with sqlite3.connect(db_path) as conn:
        ids = {r[0] for r in conn.execute("SELECT listing_id FROM listings")}
    assert ids == {"L0000000", "L0000002", "L0000003"}


def test_oversized_field_under_the_line_limit_is_named(tmp_path, cli_env):
    path = write_jsonl(tmp_path / "big.jsonl", [listing(1, description="描" * 1_200_000), listing(2)])
    result = run(["ingest", "--no-classify", str(path)], cli_env)
    assert result.returncode == 1
    assert "big.jsonl:1: 'description' is 1,200,000 characters" in result.stderr


def test_sigkill_mid_ingest_then_rerun_leaves_a_consistent_database(tmp_path, cli_env, db_path):
    rows = 120_000
    path = write_jsonl(tmp_path / "large.jsonl", (listing(i) for i in range(rows)))
    proc = subprocess.Popen(facetrade_cmd("ingest", "--no-classify", str(path)), env=cli_env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    stored = 0
    while time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
        try:
            with sqlite3.connect(db_path, timeout=1) as conn:
                stored = conn.execute("SELECT count(*) FROM listings").fetchone()[0]
        except sqlite3.OperationalError:
            continue
        if stored >= 10_000:
            break
    assert proc.poll() is None, "ingest finished before it could be killed; make the file larger"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = counts(db_path)["listings"]
    assert 0 < partial < rows and partial % BATCH_SIZE == 0  # whole batches only, never a partial one
    result = run(["ingest", "--no-classify", str(path)], cli_env)
    assert result.returncode == 0, result.stderr
    assert counts(db_path) == {"listings": rows, "listing_versions": 0, "sellers": 97}
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(DISTINCT platform || listing_id) FROM listings").fetchone() == (rows,)
        fts = conn.execute("SELECT count(*) FROM listings_fts WHERE listings_fts MATCH '\"件 包邮\"'").fetchone()[0]
    assert fts == rows  # the full-text index stayed in step with the rows
