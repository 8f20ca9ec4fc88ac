"""Start a real sandbox server for tests and benchmarks and stop it cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
import sys
import threading
import time

from sandbox.options import SandboxOptions
from sandbox.server import bind, make_server

_STARTUP_SECONDS = 60


@contextlib.contextmanager
def running_sandbox(listings: int = 600, seed: int = 7, subprocess_mode: bool = False, **options):
    """Yield the base URL (``http://127.0.0.1:PORT``) of a sandbox serving on a free port.

    Options are :class:`sandbox.options.SandboxOptions` fields (``rate``, ``burst``,
    ``block_after``, ``require_login``, ``fail_rate``, ``slow_rate`` ...). With
    ``subprocess_mode=True`` the server runs in its own process (``facetrade sandbox
    serve``), so it does not share the GIL with the client, as a benchmark needs.
    """
    opts = SandboxOptions().with_changes(listings=listings, seed=seed, **options)
    runner = _in_subprocess if subprocess_mode else _in_thread
    with runner(opts) as base:
        yield base


@contextlib.contextmanager
def _in_thread(opts: SandboxOptions):
    sock = bind("127.0.0.1", 0)
    server = make_server(opts)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])),
                              name="sandbox-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + _STARTUP_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the sandbox server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextlib.contextmanager
def _in_subprocess(opts: SandboxOptions):
    args = [sys.executable, "-m", "facetrade", "sandbox", "serve", "--port", "0",
            "--listings", str(opts.listings), "--seed", str(opts.seed),
            "--rate", str(opts.rate), "--burst", str(opts.burst),
            "--block-after", str(opts.block_after), "--block-seconds", str(opts.block_seconds),
            "--fail-rate", str(opts.fail_rate), "--slow-rate", str(opts.slow_rate),
            "--slow-seconds", str(opts.slow_seconds)]
    if not opts.require_login:
        args.append("--no-login")
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not match:
            raise RuntimeError(f"the sandbox server did not start: {line!r}")
        yield f"http://127.0.0.1:{match.group(1)}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
