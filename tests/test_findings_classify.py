"""Ingest classifies what it stores; stats count the verdicts."""

from __future__ import annotations

import json
import sqlite3
import subprocess

from conftest import ROOT, facetrade_cmd

SAMPLE = ROOT / "data" / "sample" / "listings.jsonl"


def test_ingest_classifies_links_contacts_and_stats_count_it(cli_env, db_path, trained_model):
    env = {**cli_env, "FACETRADE_MODEL": str(trained_model)}
    done = subprocess.run(facetrade_cmd("ingest", str(SAMPLE)), env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = sum(1 for _ in SAMPLE.open(encoding="utf-8"))
    assert f"{rows} classified" in done.stdout
    with sqlite3.connect(db_path) as conn:
        verdict = dict(conn.execute(
            "SELECT l.listing_id, c.label FROM listings l JOIN classifications c ON c.listing_ref = l.id"))
        contacts = {v for (v,) in conn.execute(
            "SELECT c.value FROM contacts c JOIN listing_contacts lc ON lc.contact_ref = c.id"
            " JOIN listings l ON l.id = lc.listing_ref WHERE l.listing_id = 'demo-1001'")}
    assert len(verdict) == rows
    # Offers (plain, homophone contacts, cover title) flagged; bedding, skincare, door lock, studio not.
    assert {verdict[i] for i in ("demo-1001", "demo-1003", "demo-1005", "demo-3001")} == {1}
    assert {verdict[i] for i in ("demo-1002", "demo-1004", "demo-2001", "demo-1006", "demo-3004")} == {0}
    assert "demo_wx_001" in contacts

    stats = subprocess.run(facetrade_cmd("stats", "--json"), env=env, capture_output=True, text=True, timeout=60)
    totals = json.loads(stats.stdout)["totals"]
    assert totals["listings"] == rows and totals["unclassified"] == 0
    assert totals["flagged"] == sum(verdict.values())

    # Ingesting the same file again classifies nothing new.
    again = subprocess.run(facetrade_cmd("ingest", str(SAMPLE)), env=env, capture_output=True, text=True, timeout=300)
    assert "0 classified" in again.stdout and f"{rows} unchanged" in again.stdout


def test_stats_lists_recent_crawl_runs_with_block_reasons(cli_env, db_path):
    from findings.db import open_db
    from findings.store import Store

    store = Store(open_db(db_path))
    run = store.start_run(site="goofish", query="四件套")
    store.finish_run(run, status="blocked", blocked_reason="RGV587_ERROR (slider captcha)", pages=2)
    store.db.conn.close()
    done = subprocess.run(facetrade_cmd("stats"), env=cli_env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "goofish" in done.stdout and "blocked: RGV587_ERROR (slider captcha)" in done.stdout
