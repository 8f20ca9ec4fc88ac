"""Every hostile listing of the sandbox is crawled, stored as text and its bad pages named."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import urllib.request

import pytest

from sandbox.testing import running_sandbox


@pytest.fixture(scope="module")
def sandbox():
    with running_sandbox(listings=300, seed=13, rate=0, fail_rate=0, slow_rate=0) as base:
        yield base, json.load(urllib.request.urlopen(f"{base}/_sandbox/manifest.json"))


def hostile_zh(manifest):
    return {i: manifest["listings"][i] for i in manifest["hostile"]["listings"]
            if manifest["listings"][i]["lang"] == "zh"}


@pytest.mark.parametrize("site", ["classifieds_zh", "goofish"])
def test_hostile_listings_are_stored_and_their_pages_logged(sandbox, tmp_path, site):
    base, manifest = sandbox
    hostile = hostile_zh(manifest)
    args = ["crawl", site, "--base-url", manifest["sites"][site]["base_url"], "--db", str(tmp_path / "f.db"),
            "--delay", "0.01"]
    for listing in hostile.values():
        args += ["--query", listing["title"]]  # a listing's own title always finds it
    if site == "goofish":
        state = tmp_path / "state.json"
        subprocess.run([sys.executable, "-m", "facetrade", "crawl-login", "goofish", "--base-url",
                        f"{base}/goofish", "--login-state", str(state), "--user", "demo_analyst_03",
                        "--password", "x", "--headless"], check=True, capture_output=True)
        args += ["--login-state", str(state)]
    done = subprocess.run([sys.executable, "-m", "facetrade", *args], capture_output=True, text=True, timeout=400)
    assert done.returncode == 0, done.stderr[-3000:]
    conn = sqlite3.connect(tmp_path / "f.db")
    stored = dict(conn.execute("SELECT listing_id, title FROM listings"))
    for listing_id, listing in hostile.items():
        assert stored.get(listing_id) == listing["title"]  # the script is kept as text, never run
    unusable = [line for line in done.stderr.splitlines() if "unusable page http" in line]
    assert unusable, done.stderr[-2000:]
    kinds = {manifest["hostile"]["listings"][i] for i in hostile}
    if site == "goofish":
        assert "truncated_json" in kinds and any("API answer" in line for line in unusable)
        # A multi-MB description either stalls the page past its timeout (the listing is kept
        # from the search answer) or loads and is cut; either way a warning names the page.
        # Which one happens depends on how busy the machine is, so both are accepted.
        huge = next(i for i, k in manifest["hostile"]["listings"].items() if k == "huge_page" and i in hostile)
        named = [line for line in done.stderr.splitlines() if f"item?id={huge}" in line]
        assert any("unusable page" in line or "oversized description" in line for line in named), named
    else:
        assert any("not the UTF-8" in line for line in unusable)
