"""Reports in every format from a real sandbox crawl plus decisions: columns, STIX, PDF, masking, roles."""

from __future__ import annotations

import json
import sqlite3
import subprocess

import pandas as pd
import pytest
import stix2
from stix2validator import ValidationOptions, validate_string

from findings.export.rows import COLUMNS
from sandbox.testing import running_sandbox
from test_export_world import (FAKE_EMAIL, FAKE_ID, FAKE_PHONE, FAKE_QQ, PLATFORM, build_world, facetrade,
                               listing_ids)

FORMATS = ("csv", "jsonl", "html", "pdf", "stix")
SUFFIX = {"csv": ".csv", "jsonl": ".jsonl", "html": ".html", "pdf": ".pdf", "stix": ".stix.json"}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reports")
    with running_sandbox(listings=150, seed=3, fail_rate=0, slow_rate=0) as base:
        world = build_world(base, tmp)
    out = tmp / "out"
    done = facetrade("export", "report", "--platform", PLATFORM, "--db", str(world["db_path"]), "--out", str(out),
                     *[arg for fmt in FORMATS for arg in ("--format", fmt)])
    assert done.returncode == 0, done.stderr
    world["out"], world["stdout"] = out, done.stdout
    world["files"] = {fmt: out / f"report-1-{PLATFORM}{SUFFIX[fmt]}" for fmt in FORMATS}
    return world


def _text(world, fmt) -> str:
    path = world["files"][fmt]
    if fmt == "pdf":
        return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout
    return path.read_text(encoding="utf-8-sig")


def test_the_report_names_exactly_the_confirmed_violations(world):
    assert f"report 1: {len(world['confirmed'])} listings" in world["stdout"]
    frame = pd.read_csv(world["files"]["csv"], dtype=str, encoding="utf-8-sig")
    assert tuple(frame.columns) == COLUMNS
    assert set(frame["listing_id"]) == listing_ids(world["db_path"], world["confirmed"])
    assert listing_ids(world["db_path"], [world["rejected"]]).isdisjoint(frame["listing_id"])
    assert (frame["platform"] == PLATFORM).all()
    assert frame["evidence_sha256"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert frame["listing_url"].str.startswith(world["site"]["base_url"]).all()
    assert frame["confirmed_by"].str.fullmatch(r"reviewer-[0-9a-f]{8}").all()  # pseudonymous by default
    assert "ana_demo" not in world["files"]["csv"].read_text(encoding="utf-8-sig")
    assert frame["reason_code"].notna().all() and frame["category"].notna().all()


def test_evidence_hashes_in_the_report_are_the_stored_captures(world):
    frame = pd.read_csv(world["files"]["csv"], dtype=str, encoding="utf-8-sig")
    conn = sqlite3.connect(world["db_path"])
    stored = {row[0] for row in conn.execute("SELECT sha256 FROM evidence WHERE kind = 'detail_page'")}
    assert set(frame["evidence_sha256"]) <= stored


def test_a_second_export_finds_nothing_new_to_report(world):
    again = facetrade("export", "report", "--platform", PLATFORM, "--db", str(world["db_path"]),
                      "--out", str(world["out"]))
    assert again.returncode == 1
    assert "nothing to report" in again.stderr and "Traceback" not in again.stderr


@pytest.mark.parametrize("fmt", FORMATS)
def test_personal_numbers_are_masked_in_every_format(world, fmt):
    text = _text(world, fmt)
    assert "出售四件套" in text  # the listing with the numbers is in it ...
    for secret in (FAKE_ID, FAKE_PHONE, FAKE_QQ, FAKE_EMAIL):
        assert secret not in text, f"{secret} unmasked in {fmt}"  # ... without them
    assert "000***********0000" in text and "138****1234" in text


def test_stix_bundle_parses_strictly_and_validates(world):
    raw = world["files"]["stix"].read_text(encoding="utf-8")
    bundle = stix2.parse(raw, allow_custom=False)
    kinds = [o.type for o in bundle.objects]
    for kind in ("identity", "marking-definition", "indicator", "observed-data", "note", "report", "url", "file"):
        assert kind in kinds, kind
    assert kinds.count("indicator") == len(world["confirmed"])
    result = validate_string(raw, ValidationOptions(version="2.1"))
    assert result.is_valid, [str(e) for r in result.object_results for e in r.errors]
    amber = stix2.TLP_AMBER.id
    assert all(amber in o.get("object_marking_refs", []) for o in bundle.objects if o.type != "marking-definition")
    notes = [o for o in bundle.objects if o.type == "note"]
    assert all("Confirmed violation by reviewer-" in n.content for n in notes)
    hashes = {o.hashes["SHA-256"] for o in bundle.objects if o.type == "file"}
    frame = pd.read_csv(world["files"]["csv"], dtype=str, encoding="utf-8-sig")
    assert set(frame["evidence_sha256"]) <= hashes


def test_pdf_first_page_renders_with_the_report_heading(world, tmp_path):
    png = tmp_path / "page"
    subprocess.run(["pdftoppm", "-r", "50", "-f", "1", "-l", "1", "-png", str(world["files"]["pdf"]), str(png)],
                   check=True)
    image = next(tmp_path.glob("page*.png"))
    assert image.stat().st_size > 5000  # a rendered page, not a blank one
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(world["files"]["pdf"]), "-"],
                           capture_output=True, text=True, check=True).stdout
    assert f"Takedown report #1 — {PLATFORM}" in first
    assert "TLP:AMBER" in first and "Summary" in first


def test_html_report_shows_blurred_thumbnails_and_no_live_markup(world):
    html = world["files"]["html"].read_text(encoding="utf-8")
    assert "data:image/png;base64," in html  # the screenshot, blurred
    assert "<script" not in html.lower()
    jsonl = [json.loads(line) for line in world["files"]["jsonl"].read_text(encoding="utf-8").splitlines()]
    assert {row["listing_id"] for row in jsonl} == listing_ids(world["db_path"], world["confirmed"])
    assert all(row["evidence"] for row in jsonl)


def _edge_energy(image) -> float:
    from PIL import ImageChops, ImageStat
    shifted = ImageChops.offset(image, 1, 1)
    return ImageStat.Stat(ImageChops.difference(image, shifted)).mean[0]


def test_thumbnails_are_blurred_so_fine_detail_is_gone(world):
    import base64
    import io
    import re

    from PIL import Image, ImageDraw

    from findings.export.thumbs import blurred_png

    # A sharp picture: a fine checkerboard with a fake ID number written on it.
    sharp = Image.new("L", (480, 360), 255)
    draw = ImageDraw.Draw(sharp)
    for x in range(0, 480, 8):
        for y in range(0, 360, 8):
            if (x + y) // 8 % 2:
                draw.rectangle([x, y, x + 3, y + 3], fill=0)
    draw.text((20, 20), FAKE_ID, fill=0)
    raw = io.BytesIO()
    sharp.save(raw, format="PNG")
    blurred = Image.open(io.BytesIO(blurred_png(raw.getvalue()))).convert("L")
    assert _edge_energy(blurred) < _edge_energy(sharp.resize(blurred.size)) / 10
    html = world["files"]["html"].read_text(encoding="utf-8")
    embedded = re.search(r"data:image/png;base64,([A-Za-z0-9+/=]+)", html).group(1)
    assert max(Image.open(io.BytesIO(base64.b64decode(embedded))).size) <= 240


def test_unmasked_export_is_refused_to_an_analyst_and_audited_for_a_lead(world, tmp_path):
    db = str(world["db_path"])
    for who in ([], ["--as", "ana_demo"]):
        refused = facetrade("export", "report", "--report", "1", "--format", "csv", "--unmasked", "--db", db,
                            "--out", str(tmp_path), *who)
        assert refused.returncode == 1
        assert "needs the lead role" in refused.stderr and "Traceback" not in refused.stderr
    assert not list(tmp_path.glob("*.csv"))
    done = facetrade("export", "report", "--report", "1", "--format", "csv", "--unmasked", "--db", db,
                     "--out", str(tmp_path), "--as", "lead_demo")
    assert done.returncode == 0, done.stderr
    text = next(tmp_path.glob("*UNMASKED.csv")).read_text(encoding="utf-8-sig")
    assert FAKE_ID in text and FAKE_PHONE in text and "ana_demo" in text
    conn = sqlite3.connect(db)
    audited = conn.execute("SELECT user_name, detail FROM review_audit WHERE action = 'report_export_unmasked'").fetchall()
    assert [name for name, _ in audited] == ["lead_demo"]


def test_review_app_lists_reports_downloads_and_lets_only_a_lead_mark_sent(world):
    from starlette.testclient import TestClient

    from findings.web import demo
    from findings.web.app import create_app
    from test_export_world import PASSWORD

    app = create_app(str(world["db_path"]), secret="test-secret-" + "x" * 32)
    analyst = TestClient(app, follow_redirects=False)
    token = demo.login(analyst, "ana_demo", PASSWORD)
    page = analyst.get("/reports")
    assert page.status_code == 200 and '<a href="/reports/1">1</a>' in page.text and PLATFORM in page.text
    download = analyst.get("/reports/1/download?format=csv")
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    assert FAKE_ID not in download.text and "000***********0000" in download.text
    assert analyst.get("/reports/1/download?format=csv&unmasked=1").status_code == 403
    assert analyst.post("/reports/1/status", data={"status": "sent", "csrf_token": token}).status_code == 403
    lead = TestClient(app, follow_redirects=False)
    lead_token = demo.login(lead, "lead_demo", PASSWORD)
    assert lead.post("/reports/1/status", data={"status": "sent"}).status_code == 403  # no CSRF token
    assert lead.post("/reports/1/status", data={"status": "sent", "csrf_token": lead_token}).status_code == 303
    detail = lead.get("/reports/1")
    assert '<strong id="report-status">sent</strong>' in detail.text and "Mark acknowledged" in detail.text
    conn = sqlite3.connect(world["db_path"])
    assert conn.execute("SELECT user_name FROM review_audit WHERE action = 'report_sent'").fetchall() == [("lead_demo",)]
    assert conn.execute("SELECT sent_at IS NOT NULL FROM reports WHERE id = 1").fetchone() == (1,)
