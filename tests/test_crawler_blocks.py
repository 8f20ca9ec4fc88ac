"""Rate-limit, refusal and captcha answers stop a crawl with `blocked`, a clear message and exit 2."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from sandbox.testing import running_sandbox

PROFILE = Path(__file__).resolve().parents[1] / "crawler" / "sites" / "classifieds_en.yml"


def facetrade(*args):
    return subprocess.run([sys.executable, "-m", "facetrade", *args], capture_output=True, text=True, timeout=300)


class _Refusing(BaseHTTPRequestHandler):
    """A marketplace stand-in that answers every page with one status (robots.txt allows all)."""

    status = 429
    hits = 0

    def do_GET(self):  # noqa: N802 (http.server API)
        if self.path == "/robots.txt":
            body, status = b"User-agent: *\nDisallow:\n", 200
        else:
            type(self).hits += 1
            body, status = b"<html><body>slow down</body></html>", self.status
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Retry-After", "120")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("status, words", [(429, "Too Many Requests"), (403, "Forbidden")])
def test_refusing_site_is_blocked_after_one_answer(tmp_path, status, words):
    handler = type("Handler", (_Refusing,), {"status": status, "hits": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/classifieds-en"
        db_path = tmp_path / "f.db"
        done = facetrade("crawl", str(PROFILE), "--base-url", base, "--db", str(db_path), "--delay", "0.01",
                         "--query", "face", "--query", "selfie", "--query", "kyc")
    finally:
        server.shutdown()
    assert done.returncode == 2
    assert f"HTTP {status} {words}" in done.stderr and "BLOCKED" in done.stderr
    assert handler.hits <= 2  # only what was in flight (profile concurrency 2): no retries, no hammering
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT status, blocked_reason LIKE ? FROM crawl_runs", (f"%{status}%",)).fetchall() == \
        [("blocked", 1)]


def test_slider_captcha_page_is_recognised(tmp_path):
    with running_sandbox(listings=100, seed=3) as base:
        profile = tmp_path / "captcha.yml"
        profile.write_text(PROFILE.read_text(encoding="utf-8").replace(
            'search_url: "{base_url}/search?q={query}&page={page}"',
            'search_url: "{base_url}/../goofish//h5/x/1.0/_____tmd_____/punish?x5secdata={query}&x5step={page}"'),
            encoding="utf-8")
        db_path = tmp_path / "f.db"
        done = facetrade("crawl", str(profile), "--base-url", f"{base}/classifieds-en", "--db", str(db_path),
                         "--delay", "0.01", "--query", "face")
    assert done.returncode == 2, done.stderr[-2000:]
    assert "BLOCKED" in done.stderr and "punish" in done.stderr
    assert "this is not '0 results'" in done.stderr


def test_a_site_that_cannot_be_reached_fails_the_run_saying_why(tmp_path):
    # Every request refused (the host is down, or the base URL is wrong): a scheduled job must see a
    # failed run and alert, not an "ok" run that found nothing.
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}/classifieds-en"
    db_path = tmp_path / "f.db"
    done = facetrade("crawl", str(PROFILE), "--base-url", base, "--db", str(db_path), "--delay", "0.01",
                     "--query", "face")
    assert done.returncode == 3, done.stdout + done.stderr[-2000:]
    assert "failed" in done.stdout and "no page could be fetched" in done.stdout and base in done.stdout
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT status, pages FROM crawl_runs").fetchall() == [("failed", 0)]
