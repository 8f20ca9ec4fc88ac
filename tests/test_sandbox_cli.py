"""``facetrade sandbox``: serve on a real port, print the manifest, refuse bad options clearly."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx

from sandbox.testing import running_sandbox


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "facetrade", "sandbox", *args],
                          capture_output=True, text=True, timeout=120)


def test_serve_in_its_own_process_answers_and_stops():
    with running_sandbox(listings=200, seed=3, subprocess_mode=True, rate=0) as base:
        manifest = httpx.get(base + "/_sandbox/manifest.json", timeout=30).json()
        assert manifest["seed"] == 3 and manifest["listings_total"] == 200
        assert manifest["sites"]["classifieds_en"]["base_url"] == base + "/classifieds-en"
        assert manifest["options"]["rate"] == 0
        assert httpx.get(base + "/classifieds-zh/listings").status_code == 200


def test_manifest_command_matches_the_served_manifest():
    printed = run("manifest", "--listings", "150", "--seed", "4", "--base-url", "http://x.test")
    assert printed.returncode == 0, printed.stderr
    data = json.loads(printed.stdout)
    assert data["sites"]["taobao"]["urls"]["item_page"] == "http://x.test/taobao/item.htm?id={id}"
    with running_sandbox(listings=150, seed=4) as base:
        served = httpx.get(base + "/_sandbox/manifest.json").json()
    assert served["listings"] == data["listings"]
    assert {s: v["queries"] for s, v in served["sites"].items()} == \
           {s: v["queries"] for s, v in data["sites"].items()}


def test_bad_options_give_a_clear_message_not_a_traceback():
    result = run("serve", "--listings", "0", "--port", "0")
    assert result.returncode != 0 and "--listings" in result.stderr and "Traceback" not in result.stderr
    result = run("serve", "--fail-rate", "2")
    assert result.returncode != 0 and "--fail-rate" in result.stderr


def test_port_in_use_is_reported():
    with running_sandbox(listings=50) as base:
        port = base.rsplit(":", 1)[1]
        result = run("serve", "--port", port, "--listings", "50")
    assert result.returncode != 0 and "cannot listen" in result.stderr and "Traceback" not in result.stderr


def test_help_ends_with_an_example():
    for args in (["--help"], ["serve", "--help"], ["manifest", "--help"]):
        text = run(*args).stdout.rstrip()
        assert "Example:" in text.splitlines()[-2] or "Example:" in text.rsplit("\n\n", 1)[-1]
