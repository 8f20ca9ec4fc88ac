"""Build the sandbox's ASGI application: every marketplace style on one server."""

from __future__ import annotations

from starlette.applications import Starlette

from sandbox import classifieds, control, goofish, taobao
from sandbox.options import SandboxOptions
from sandbox.state import SandboxState


def create_app(options: SandboxOptions | None = None) -> Starlette:
    """Return the sandbox app; its state (catalogue, takedowns) is ``app.state.sandbox``."""
    state = SandboxState(options or SandboxOptions())
    route_list = (control.routes(state) + classifieds.routes(state) + taobao.routes(state)
                  + goofish.routes(state))
    app = Starlette(routes=route_list)
    app.state.sandbox = state
    return app

