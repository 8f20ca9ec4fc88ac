"""`facetrade demo` (what `make demo` runs) crawls the sandbox, flags, and serves the queue."""

from __future__ import annotations

import re
import socket
import subprocess
import time
import urllib.request

from conftest import facetrade_cmd


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_demo_crawls_flags_and_serves_the_queue_with_a_login(tmp_path, cli_env, trained_model):
    port = free_port()
    env = {**cli_env, "FACETRADE_MODEL": str(trained_model)}
    proc = subprocess.Popen(facetrade_cmd("demo", "--listings", "300", "--site", "classifieds_en", "--site", "taobao",
                                          "--port", str(port), "--db", str(tmp_path / "demo.db")),
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    try:
        deadline = time.monotonic() + 400
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "analyst login:" in line:
                break
        output = "".join(lines)
        login = re.search(r"review queue: (http://127\.0\.0\.1:\d+/)\s+analyst login: (\S+) / (\S+)", output)
        assert login, output[-3000:]
        assert "classifieds_en: ok" in output and "taobao: ok" in output
        flagged = int(re.search(r"flagged listings: (\d+)", output).group(1))
        assert flagged > 0
        for _ in range(100):  # uvicorn starts right after printing the login
            try:
                page = urllib.request.urlopen(f"{login.group(1)}login", timeout=5)
                break
            except OSError:
                time.sleep(0.1)
        assert page.status == 200 and "password" in page.read().decode().lower()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
