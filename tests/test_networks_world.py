"""Seller networks on a real sandbox crawl: the planted ring is one network, bulk-decided through the app."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import urllib.request

import pytest
from starlette.testclient import TestClient

from conftest import ROOT
from findings.db import open_db
from findings.web import demo, users
from findings.web.app import create_app
from findings.web.sync import sync_queue
from sandbox.testing import running_sandbox

PLATFORM = "classifieds_zh"


def facetrade(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "facetrade", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout)


def crawl_all(base: str, db_path) -> dict:
    """Crawl every classifieds_zh listing (the empty query matches all); return the manifest."""
    with urllib.request.urlopen(f"{base}/_sandbox/manifest.json") as answer:
        manifest = json.load(answer)
    site = manifest["sites"][PLATFORM]
    done = facetrade("crawl", PLATFORM, "--base-url", site["base_url"], "--db", str(db_path),
                     "--delay", "0", "--query", "")
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    return manifest


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    db_path = tmp_path_factory.mktemp("networks") / "facetrade.db"
    with running_sandbox(listings=150, seed=3, rate=0, fail_rate=0, slow_rate=0) as base:
        manifest = crawl_all(base, db_path)
    built = facetrade("networks", "build", "--db", str(db_path))
    assert built.returncode == 0, built.stderr
    return {"db_path": db_path, "manifest": manifest}


def _networks(db_path) -> dict[int, set[str]]:
    conn = sqlite3.connect(db_path)
    rows = conn.execute("SELECT m.network_ref, s.seller_id FROM network_members m"
                        " JOIN sellers s ON s.id = m.seller_ref").fetchall()
    conn.close()
    out: dict[int, set[str]] = {}
    for network, seller in rows:
        out.setdefault(network, set()).add(seller)
    return out


def _ring(world) -> tuple[str, dict]:
    rings = world["manifest"]["rings"]
    assert rings, "the sandbox catalogue should plant a ring"
    return next(iter(rings.items()))


def test_the_planted_ring_is_found_as_one_network_and_nothing_more(world):
    name, ring = _ring(world)
    nets = _networks(world["db_path"])
    holding = [n for n, sellers in nets.items() if sellers & set(ring["sellers"])]
    assert len(holding) == 1, f"{name} split over networks {holding}"
    assert nets[holding[0]] == set(ring["sellers"])
    shown = facetrade("networks", "show", str(holding[0]), "--db", str(world["db_path"]))
    assert shown.returncode == 0 and f"{len(ring['sellers'])} sellers" in shown.stdout
    contact = ring["shared_contact"]
    assert f"shared {contact['kind']}:" in shown.stdout
    assert contact["value"] not in shown.stdout  # masked


def test_graphml_export_parses_with_the_ring_sellers(world, tmp_path):
    import networkx

    network = next(iter(_networks(world["db_path"])))
    out = tmp_path / "net.graphml"
    done = facetrade("networks", "export", str(network), "--format", "graphml", "--out", str(out),
                     "--db", str(world["db_path"]))
    assert done.returncode == 0, done.stderr
    graph = networkx.read_graphml(out)
    sellers = [n for n, data in graph.nodes(data=True) if data["type"] == "seller"]
    assert len(sellers) == len(_ring(world)[1]["sellers"])
    kinds = {data["kind"] for _, _, data in graph.edges(data=True)}
    assert {"listed_by", "contact"} <= kinds
    assert _ring(world)[1]["shared_contact"]["value"] not in out.read_text(encoding="utf-8")
    csv_out = facetrade("networks", "export", str(network), "--format", "csv", "--db", str(world["db_path"]))
    assert csv_out.returncode == 0 and csv_out.stdout.startswith("network,kind,evidence")
    missing = facetrade("networks", "export", "999", "--db", str(world["db_path"]))
    assert missing.returncode == 1 and "no network 999" in missing.stderr and "Traceback" not in missing.stderr


def test_bulk_deciding_the_network_in_the_app_writes_one_audit_row_per_listing(world):
    db = open_db(world["db_path"])
    sync_queue(db, 0.0)  # queue every listing, so the whole ring is open for review
    users.add_user(db, "net_analyst", demo.PASSWORD, "analyst")
    network = next(iter(_networks(world["db_path"])))
    members = [r[0] for r in db.conn.execute("SELECT listing_ref FROM network_members WHERE network_ref = ?",
                                             (network,))]
    sizes = {r[0] for r in db.conn.execute(
        "SELECT network_size FROM review_items WHERE listing_ref IN (SELECT listing_ref FROM network_members"
        " WHERE network_ref = ?)", (network,))}
    assert sizes == {len(_ring(world)[1]["sellers"]) - 1}  # the queue's priority knows the ring
    db.conn.close()

    app = create_app(str(world["db_path"]), threshold=0.0, secret="test-secret")
    client = TestClient(app)
    token = demo.login(client, "net_analyst")
    page = client.get(f"/networks/{network}")
    assert page.status_code == 200 and "<svg" in page.text and page.text.count('class="listing') == len(members)
    assert f'id="open-count">{len(members)}<' in page.text
    answer = client.post(f"/networks/{network}/decide", data={
        "csrf_token": token, "action": "violation", "category": "id_kit", "reason_code": "sells_id_documents",
        "expected": str(len(members))})
    assert answer.status_code == 200
    conn = sqlite3.connect(world["db_path"])
    audited = conn.execute("SELECT target_id FROM review_audit WHERE action = 'decide'"
                           " AND user_name = 'net_analyst'").fetchall()
    batches = conn.execute("SELECT count(DISTINCT batch_id), count(*) FROM review_decisions").fetchone()
    conn.close()
    assert sorted(int(t) for (t,) in audited) == sorted(members)
    assert batches == (1, len(members))
    forged = client.post(f"/networks/{network}/decide", data={"csrf_token": "forged", "action": "violation"})
    assert forged.status_code == 403
