"""Evidence bundles from a real crawl: manifest hashes, WARC records, and `facetrade verify` catching tampering."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile

import pytest
from warcio.archiveiterator import ArchiveIterator

from sandbox.testing import running_sandbox
from test_export_world import PLATFORM, build_world, facetrade


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bundle")
    with running_sandbox(listings=150, seed=3, fail_rate=0, slow_rate=0) as base:
        world = build_world(base, tmp)
    db = str(world["db_path"])
    assert facetrade("export", "report", "--platform", PLATFORM, "--db", db, "--out", str(tmp)).returncode == 0
    path = tmp / "report-1.zip"
    refused = facetrade("export", "evidence", "report:1", "--out", str(path), "--db", db)
    assert refused.returncode == 1 and "needs the lead role" in refused.stderr
    done = facetrade("export", "evidence", "report:1", "--out", str(path), "--db", db, "--as", "lead_demo")
    assert done.returncode == 0, done.stderr
    world["zip"] = path
    return world


def _rewrite(src, dst, *, change=None, drop=None, add=None):
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(dst, "w") as new:
        for info in old.infolist():
            if info.filename == drop:
                continue
            data = old.read(info.filename)
            if info.filename == change:
                data = bytes([data[0] ^ 0x01]) + data[1:]  # one byte altered
            new.writestr(info, data)
        if add:
            new.writestr(add, b"planted")


def _manifest(path):
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("manifest.json")), archive.read("manifest.sha256").decode()


def test_bundle_holds_every_capture_with_hashes_times_and_warc_records(bundle):
    manifest, line = _manifest(bundle["zip"])
    with zipfile.ZipFile(bundle["zip"]) as archive:
        assert line.split()[0] == hashlib.sha256(archive.read("manifest.json")).hexdigest()
        for entry in manifest["files"]:
            assert hashlib.sha256(archive.read(entry["path"])).hexdigest() == entry["sha256"]
            assert entry["captured_at"]
        warcs = [e for e in manifest["files"] if e["kind"] == "warc_record"]
        assert len(warcs) >= len(bundle["confirmed"]) - 1  # every crawled listing's page as its WARC record
        record = next(iter(ArchiveIterator(archive.open(warcs[0]["path"]))))
        assert record.rec_headers.get_header("WARC-Record-ID") == warcs[0]["warc_record_id"]
        assert record.rec_type == "response"
        raw = [e for e in manifest["files"] if e["kind"] == "detail_page"]
        assert all(e["sha256"] == e["recorded_sha256"] for e in raw)  # the bytes hashed at capture time
        assert any(e["kind"] == "screenshot" for e in manifest["files"])
    assert manifest["tool"] == "facetrade" and manifest["tool_version"]
    assert len(manifest["listings"]) == len(bundle["confirmed"])
    assert facetrade("verify", str(bundle["zip"])).returncode == 0


def test_one_altered_byte_fails_naming_the_file(bundle, tmp_path):
    manifest, _ = _manifest(bundle["zip"])
    victim = next(e["path"] for e in manifest["files"] if e["kind"] == "detail_page")
    bad = tmp_path / "altered.zip"
    _rewrite(bundle["zip"], bad, change=victim)
    result = facetrade("verify", str(bad))
    assert result.returncode == 1
    assert f"altered: {victim}" in result.stderr
    assert result.stderr.count("altered:") == 1


def test_added_and_removed_files_are_named(bundle, tmp_path):
    manifest, _ = _manifest(bundle["zip"])
    victim = manifest["files"][-1]["path"]
    removed, added = tmp_path / "removed.zip", tmp_path / "added.zip"
    _rewrite(bundle["zip"], removed, drop=victim)
    _rewrite(bundle["zip"], added, add="listings/extra/evidence-999-detail_page.html")
    gone = facetrade("verify", str(removed))
    assert gone.returncode == 1 and f"removed: {victim}" in gone.stderr
    extra = facetrade("verify", str(added))
    assert extra.returncode == 1 and "added: listings/extra/evidence-999-detail_page.html" in extra.stderr


def test_an_edited_manifest_is_caught_by_its_hash(bundle, tmp_path):
    bad = tmp_path / "manifest.zip"
    _rewrite(bundle["zip"], bad, change="manifest.json")
    result = facetrade("verify", str(bad))
    assert result.returncode == 1 and "altered: manifest.json" in result.stderr


def test_a_flipped_byte_in_the_zip_itself_is_named(bundle, tmp_path):
    bad = tmp_path / "flipped.zip"
    shutil.copy(bundle["zip"], bad)
    manifest, _ = _manifest(bundle["zip"])
    victim = next(e["path"] for e in manifest["files"] if e["kind"] == "detail_page")
    with zipfile.ZipFile(bad) as archive:
        info = archive.getinfo(victim)
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data = bytearray(bad.read_bytes())
    data[start + info.compress_size // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    result = facetrade("verify", str(bad))
    assert result.returncode == 1 and victim in result.stderr


def test_not_a_zip_is_a_clear_error(tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    result = facetrade("verify", str(junk))
    assert result.returncode == 1 and "not a readable zip" in result.stderr and "Traceback" not in result.stderr
