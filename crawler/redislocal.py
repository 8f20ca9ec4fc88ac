"""Start a private, throw-away redis-server on a free 127.0.0.1 port (tests and benchmarks)."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time

import redis

REDIS_SERVER = "/usr/bin/redis-server"


def redis_server_path() -> str | None:
    return REDIS_SERVER if shutil.which(REDIS_SERVER) else shutil.which("redis-server")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_redis(timeout: float = 15):
    """Yield ``redis://127.0.0.1:PORT/0`` of a redis-server that keeps nothing on disk."""
    binary = redis_server_path()
    if binary is None:
        raise FileNotFoundError("redis-server not found (Debian: apt-get install redis-server)")
    port = _free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--daemonize", "no", "--dir", "/tmp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on port {port}") from None
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
