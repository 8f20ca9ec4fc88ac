"""With fetch_sellers on, seller pages are opened once per seller and kept as evidence."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from sandbox.testing import running_sandbox

SITES = Path(__file__).resolve().parents[1] / "crawler" / "sites"


@pytest.fixture(scope="module")
def sandbox():
    with running_sandbox(listings=300, seed=9, rate=0, fail_rate=0, slow_rate=0) as base:
        yield base


def crawl(base, site, query, tmp_path, *extra):
    profile = tmp_path / f"{site}.yml"
    profile.write_text((SITES / f"{site}.yml").read_text(encoding="utf-8")
                       .replace("fetch_sellers: false", "fetch_sellers: true"), encoding="utf-8")
    manifest = json.load(urllib.request.urlopen(f"{base}/_sandbox/manifest.json"))
    db_path = tmp_path / "f.db"
    done = subprocess.run([sys.executable, "-m", "facetrade", "crawl", str(profile), "--base-url",
                           manifest["sites"][site]["base_url"], "--db", str(db_path), "--delay", "0.01",
                           "--query", query, *extra], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return sqlite3.connect(db_path), manifest


@pytest.mark.parametrize("site, query", [("classifieds_zh", "解封"), ("goofish", "解封")])
def test_seller_pages_are_fetched_once_and_named(sandbox, tmp_path, site, query, request):
    extra = []
    if site == "goofish":
        state = tmp_path / "state.json"
        subprocess.run([sys.executable, "-m", "facetrade", "crawl-login", "goofish", "--base-url",
                        f"{sandbox}/goofish", "--login-state", str(state), "--user", "demo_analyst_02",
                        "--password", "x", "--headless"], check=True, capture_output=True)
        extra = ["--login-state", str(state)]
    conn, manifest = crawl(sandbox, site, query, tmp_path, *extra)
    sellers = {sid for (sid,) in conn.execute("SELECT seller_ref FROM listings")}
    assert sellers and None not in sellers
    pages = conn.execute("SELECT count(*) FROM evidence WHERE kind = 'seller_page'").fetchone()[0]
    assert pages == len(sellers)  # each seller page once, even when a seller has several listings
    names = dict(conn.execute("SELECT seller_id, name FROM sellers"))
    for seller_id, name in names.items():
        assert name == manifest["sellers"][seller_id]["nick"]
