"""The scheduler and alerts end to end: real crawls of the sandbox, real HTTP and SMTP receivers."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from sandbox.testing import running_sandbox

aiosmtpd = pytest.importorskip("aiosmtpd.controller")
HOOK_KINDS = ("slack", "wecom", "dingtalk")


class Receiver(BaseHTTPRequestHandler):
    """A webhook endpoint that keeps every JSON body it is sent, by path."""

    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.received.append((self.path.strip("/"), json.loads(body)))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"errcode": 0, "ok": true}')

    def log_message(self, *args):
        pass


@pytest.fixture
def webhooks():
    handler = type("Hooks", (Receiver,), {"received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler.received
    server.shutdown()
    server.server_close()


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp():
    box = Mailbox()
    with socket.socket() as sock:  # the controller checks its port by connecting: it needs a real one
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = aiosmtpd.Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, box.messages
    controller.stop()


@pytest.fixture(scope="module")
def sandbox():
    with running_sandbox(listings=400, seed=11, rate=0, fail_rate=0, slow_rate=0) as base:
        yield base


def manifest(base):
    with urllib.request.urlopen(f"{base}/_sandbox/manifest.json") as answer:
        return json.load(answer)


def write_jobs(path, hooks_url, smtp_port, jobs):
    path.write_text(yaml.safe_dump({"notify": {
        "webhooks": [{"name": kind, "kind": kind, "url": f"{hooks_url}/{kind}"} for kind in HOOK_KINDS],
        "email": {"host": "127.0.0.1", "port": smtp_port, "from": "facetrade@example.org",
                  "to": ["analysts@example.org"]}}, "jobs": jobs}, allow_unicode=True))
    return path


def texts(received, mails):
    """Every alert's text, per channel."""
    out = {kind: [] for kind in (*HOOK_KINDS, "email")}
    for kind, body in received:
        out[kind].append({"slack": lambda b: b["text"], "wecom": lambda b: b["markdown"]["content"],
                          "dingtalk": lambda b: b["text"]["content"]}[kind](body))
    out["email"] = [m.get_payload(decode=True).decode("utf-8") for m in mails]  # the body repeats the subject
    return out


def rows(db_path, sql, *params):
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def flagged_ids(db_path, platform, min_score):
    return {r[0] for r in rows(db_path, "SELECT l.listing_id FROM listings l JOIN classifications c ON c.id ="
                               " (SELECT max(id) FROM classifications WHERE listing_ref = l.id)"
                               " WHERE l.platform = ? AND c.label = 1 AND c.score >= ?", platform, min_score)}


def scheduler(jobs_file, db_path):
    """A scheduler process in its own process group, so a failing test can stop it and its crawls."""
    return subprocess.Popen([sys.executable, "-m", "facetrade", "scheduler", "--jobs-file", str(jobs_file),
                             "--db", str(db_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"}, start_new_session=True)


def stop_groups(procs):
    """Kill what is left of each process's group (a scheduler and the crawls it started)."""
    for proc in procs:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def test_scheduler_runs_jobs_repeatedly_without_overlap_and_alerts_once_per_finding(
        sandbox, webhooks, smtp, tmp_path):
    site = manifest(sandbox)["sites"]["classifieds_zh"]
    jobs_file = write_jobs(tmp_path / "jobs.yml", webhooks[0], smtp[0], {
        "zh-watch": {"site": "classifieds_zh", "base_url": site["base_url"], "queries": ["人脸", "四件套"],
                     "cron": "*/2 * * * * *", "delay": 0.01, "alerts": {"min_score": 0.5}},
        "broken": {"site": "no_such_site", "cron": "*/2 * * * * *"}})
    db_path = tmp_path / "f.db"
    # Two schedulers on one database: the per-job lock must keep their runs apart too.
    procs = [scheduler(jobs_file, db_path) for _ in range(2)]
    try:  # a failure here must not leave two schedulers crawling for the rest of the session
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            time.sleep(1)
            if db_path.exists() and len(rows(db_path, "SELECT id FROM crawl_runs WHERE job = 'zh-watch'"
                                                   " AND status = 'ok'")) >= 3:
                break
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        logs = [proc.communicate(timeout=60) for proc in procs]
    finally:
        stop_groups(procs)
    for proc, (_, err) in zip(procs, logs):
        assert proc.returncode == 0, err[-3000:]
        assert "Traceback" not in err, err[-5000:]
    runs = rows(db_path, "SELECT id, status, started_at, finished_at FROM crawl_runs WHERE job = 'zh-watch'"
                         " ORDER BY started_at")
    assert len([r for r in runs if r[1] == "ok"]) >= 3, logs[0][1][-3000:]
    assert {r[1] for r in runs} <= {"ok", "interrupted"}  # SIGTERM may catch the last one mid-crawl
    for before, after in zip(runs, runs[1:]):
        assert before[3] is not None and after[2] >= before[3]  # never two runs of the job at once
    # The failing job is recorded every time and does not stop the other job.
    broken = rows(db_path, "SELECT id, status FROM crawl_runs WHERE job = 'broken'")
    assert {s for _, s in broken} <= {"failed", "interrupted"}  # interrupted: stopped by the SIGTERM
    failed = [r for r in broken if r[1] == "failed"]
    assert len(failed) >= 2
    # Alerts: every finding exactly once on every channel, every failed run once.
    findings = flagged_ids(db_path, "classifieds_zh", 0.5)
    if not findings:
        pytest.skip("no trained classifier: the crawl stored listings unclassified")
    for channel, messages in texts(*[webhooks[1], smtp[1]]).items():
        body = "\n".join(messages)
        mentioned = re.findall(r"classifieds_zh:(\d+)", body)
        assert sorted(mentioned) == sorted(findings), channel
        failed_alerts = re.findall(r"job broken FAILED \(run (\d+)\)", body)
        assert sorted(map(int, failed_alerts)) == sorted(r[0] for r in failed), channel
        assert "exit code 1" in body and "no_such_site" in body  # says why the run failed


def test_a_blocked_run_is_recorded_and_alerted(webhooks, smtp, tmp_path):
    with running_sandbox(listings=100, seed=7, rate=0, fail_rate=0, slow_rate=0, block_after=3) as base:
        site = manifest(base)["sites"]["goofish"]
        state = tmp_path / "goofish-state.json"
        login = subprocess.run([sys.executable, "-m", "facetrade", "crawl-login", "goofish", "--base-url",
                                site["base_url"], "--login-state", str(state), "--user", "demo_analyst",
                                "--password", "demo", "--headless"], capture_output=True, text=True, timeout=120)
        assert login.returncode == 0, login.stderr[-2000:]
        jobs_file = write_jobs(tmp_path / "jobs.yml", webhooks[0], smtp[0], {
            "goofish-watch": {"site": "goofish", "base_url": site["base_url"], "queries": ["人脸"],
                              "cron": "0 3 * * *", "delay": 0.01, "login_state": str(state)}})
        db_path = tmp_path / "f.db"
        done = subprocess.run([sys.executable, "-m", "facetrade", "jobs", "run", "goofish-watch", "--jobs-file",
                               str(jobs_file), "--db", str(db_path)], capture_output=True, text=True, timeout=180)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "job goofish-watch: blocked" in done.stdout
    runs = rows(db_path, "SELECT id, status, blocked_reason FROM crawl_runs WHERE job = 'goofish-watch'")
    assert len(runs) == 1 and runs[0][1] == "blocked" and runs[0][2]
    for channel, messages in texts(webhooks[1], smtp[1]).items():
        blocked = [m for m in messages if f"was BLOCKED by goofish (run {runs[0][0]})" in m]
        assert len(blocked) == 1, (channel, messages)
        assert "reason:" in blocked[0]
    history = subprocess.run([sys.executable, "-m", "facetrade", "jobs", "history", "--jobs-file", str(jobs_file),
                              "--db", str(db_path)], capture_output=True, text=True, timeout=60)
    assert f"run {runs[0][0]}\tgoofish-watch" in history.stdout and "blocked" in history.stdout
