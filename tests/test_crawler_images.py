"""Flagged listings' pictures kept as evidence by real crawls of the sandbox (local and distributed)."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import urllib.request

import pytest

from crawler.redislocal import redis_server_path, running_redis
from sandbox.testing import running_sandbox

# A catalogue whose two hostile pictures (a ~6 MB PNG, a decompression bomb) belong to
# listings the model flags, next to ordinary listings found by the same queries.
LISTINGS, SEED = 200, 7
QUERIES = ["人脸", "手机"]
MAX_MB = "4"  # below the sandbox's ~6 MB picture, so that one is oversize
PER_LISTING = 4


def get_json(url):
    with urllib.request.urlopen(url) as answer:
        return json.load(answer)


@pytest.fixture(scope="module")
def sandbox():
    with running_sandbox(listings=LISTINGS, seed=SEED, rate=0, fail_rate=0, slow_rate=0) as base:
        yield base, get_json(f"{base}/_sandbox/manifest.json")


def hostile_pictures(manifest) -> dict[str, str]:
    """{kind: listing id} of the Chinese listings whose first picture is hostile."""
    return {kind: i for i, kind in manifest["hostile"]["listings"].items()
            if kind in ("huge_image", "bomb_image") and manifest["listings"][i]["lang"] == "zh"}


def crawl(sandbox, db_path, env, *extra, redis_url=None):
    base, manifest = sandbox
    queries = QUERIES + [manifest["listings"][i]["title"] for i in hostile_pictures(manifest).values()]
    args = [sys.executable, "-m", "facetrade", "crawl", "classifieds_zh", "--delay", "0.01",
            "--base-url", manifest["sites"]["classifieds_zh"]["base_url"], "--max-image-mb", MAX_MB, *extra]
    args += ["--redis", redis_url] if redis_url else ["--db", str(db_path)]
    for query in queries:
        args += ["--query", query]
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def served(sandbox) -> int:
    return get_json(f"{sandbox[0]}/_sandbox/stats.json").get("images/served", 0)


def listings(db_path) -> dict[str, dict]:
    """{listing id: {ref, flagged, urls}} with each listing's latest verdict."""
    conn = sqlite3.connect(db_path)
    rows = conn.execute(
        "SELECT l.id, l.listing_id, l.image_urls, (SELECT label FROM classifications c"
        " WHERE c.listing_ref = l.id ORDER BY c.id DESC LIMIT 1) FROM listings l").fetchall()
    return {lid: {"ref": ref, "urls": json.loads(urls or "[]"), "flagged": label == 1}
            for ref, lid, urls, label in rows}


def image_evidence(db_path) -> dict[int, dict[str, tuple]]:
    """{listing ref: {url: (sha256, content type, WARC record id)}} of kept pictures."""
    found: dict[int, dict[str, tuple]] = {}
    rows = sqlite3.connect(db_path).execute(
        "SELECT listing_ref, url, sha256, content_type, warc_record_id FROM evidence WHERE kind = 'image'")
    for ref, url, digest, content_type, record_id in rows:
        assert url not in found.setdefault(ref, {}), f"{url} kept twice"
        found[ref][url] = (digest, content_type, record_id)
    return found


@pytest.fixture(scope="module")
def first_crawl(sandbox, trained_model, tmp_path_factory):
    db_path = tmp_path_factory.mktemp("images") / "f.db"
    env = {**os.environ, "FACETRADE_MODEL": str(trained_model)}
    return crawl(sandbox, db_path, env), db_path, env


def test_flagged_listings_keep_their_first_pictures_with_the_served_bytes(sandbox, first_crawl):
    done, db_path, _ = first_crawl
    found, kept = listings(db_path), image_evidence(db_path)
    hostile = set(hostile_pictures(sandbox[1]).values())
    flagged = {lid: v for lid, v in found.items() if v["flagged"]}
    assert len(flagged) >= 5 and len(found) - len(flagged) >= 3  # both kinds were crawled
    assert hostile <= set(flagged), "the model no longer flags the hostile-picture listings"
    for lid, listing in flagged.items():
        want = listing["urls"][:PER_LISTING]
        assert want, lid
        if lid in hostile:
            want = want[1:]  # picture 1 is the hostile one
        assert set(kept.get(listing["ref"], {})) == set(want), lid
        for url in want:
            body = urllib.request.urlopen(url).read()
            digest, content_type, record_id = kept[listing["ref"]][url]
            assert digest == hashlib.sha256(body).hexdigest(), url
            assert content_type == ("image/png" if url.endswith(".png") else "image/jpeg")
            assert record_id  # written to the crawl's WARC file as well
    for lid, listing in found.items():
        if not listing["flagged"]:
            assert listing["ref"] not in kept, f"unflagged listing {lid} had its pictures downloaded"
    stored = sum(len(v) for v in kept.values())
    assert f"images of flagged listings: {stored} stored as evidence, 2 refused" in done.stdout


def test_oversize_picture_and_decompression_bomb_are_refused_by_name(sandbox, first_crawl):
    done, db_path, _ = first_crawl
    found = listings(db_path)
    for kind, lid in hostile_pictures(sandbox[1]).items():
        url = found[lid]["urls"][0]
        warning = next((line for line in done.stderr.splitlines() if f"classifieds_zh:{lid}" in line
                        and url in line and "not kept" in line), None)
        assert warning, f"no warning names the {kind} listing and URL:\n{done.stderr[-2000:]}"
        assert ("decompression bomb" if kind == "bomb_image" else f"larger than the {MAX_MB} MB") in warning
    refused = sqlite3.connect(db_path).execute(
        "SELECT count(*) FROM listing_images WHERE status = 'refused'").fetchone()[0]
    assert refused == 2
    run = sqlite3.connect(db_path).execute("SELECT status FROM crawl_runs").fetchall()
    assert run == [("ok",)]


def test_a_second_crawl_downloads_no_picture_again(sandbox, first_crawl):
    _, db_path, env = first_crawl
    before, kept = served(sandbox), image_evidence(db_path)
    again = crawl(sandbox, db_path, env)
    assert served(sandbox) == before  # not even the refused ones
    assert image_evidence(db_path) == kept
    assert "images of flagged listings" not in again.stdout


def test_no_images_keeps_no_picture(sandbox, trained_model, tmp_path):
    env = {**os.environ, "FACETRADE_MODEL": str(trained_model)}
    before = served(sandbox)
    crawl(sandbox, tmp_path / "f.db", env, "--no-images")
    assert any(v["flagged"] for v in listings(tmp_path / "f.db").values())
    assert served(sandbox) == before
    assert image_evidence(tmp_path / "f.db") == {}


@pytest.mark.skipif(redis_server_path() is None, reason="redis-server is not installed")
def test_distributed_workers_keep_the_same_pictures(sandbox, first_crawl, tmp_path):
    _, local_db, env = first_crawl
    db_path = tmp_path / "f.db"
    with running_redis() as redis_url:
        crawl(sandbox, None, {**env, "FACETRADE_REDIS_LEASE_SECONDS": "5"}, redis_url=redis_url)
        subprocess.run([sys.executable, "-m", "facetrade", "ingest-worker", "--redis", redis_url,
                        "--db", str(db_path), "--until-idle"], check=True, capture_output=True, timeout=300)
    by_id = {lid: v["ref"] for lid, v in listings(db_path).items()}
    local = {lid: v["ref"] for lid, v in listings(local_db).items()}

    def digests(db, refs):
        kept = image_evidence(db)
        return {lid: {u: d for u, (d, _, _) in kept.get(ref, {}).items()} for lid, ref in refs.items()}
    assert digests(db_path, by_id) == digests(local_db, local)
