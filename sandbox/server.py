"""Run the sandbox on a real socket with uvicorn (httptools when installed, for speed)."""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import socket

import uvicorn

from sandbox.app import create_app
from sandbox.options import SandboxOptions

logger = logging.getLogger(__name__)


def bind(host: str, port: int) -> socket.socket:
    """Bind a listening socket; port 0 picks a free one."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def make_server(options: SandboxOptions, quiet: bool = True) -> uvicorn.Server:
    """Return a uvicorn server for the sandbox app (not started)."""
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    config = uvicorn.Config(create_app(options), http=http, lifespan="off",
                            access_log=not quiet, log_level="warning" if quiet else "info",
                            timeout_keep_alive=30, backlog=2048)
    return uvicorn.Server(config)


def serve(options: SandboxOptions, host: str = "127.0.0.1", port: int = 8800,
          quiet: bool = True, announce=print) -> None:
    """Serve until interrupted; ``announce`` gets the base URL once the socket is bound."""
    sock = bind(host, port)
    real_port = sock.getsockname()[1]
    server = make_server(options, quiet)
    shown_host = f"[{host}]" if ":" in host else host
    announce(f"Sandbox marketplace at http://{shown_host}:{real_port}/ "
             f"(manifest: http://{shown_host}:{real_port}/_sandbox/manifest.json)")
    try:
        asyncio.run(server.serve(sockets=[sock]))
    finally:
        sock.close()
