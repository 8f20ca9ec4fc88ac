"""Build the sandbox's ASGI application: every marketplace style on one server."""

from __future__ import annotations

from starlette.applications import Starlette

from sandbox import classifieds, control
from sandbox.options import SandboxOptions
from sandbox.state import SandboxState


def create_app(options: SandboxOptions | None = None) -> Starlette:
    """Return the sandbox app; its state (catalogue, takedowns) is ``app.state.sandbox``."""
    state = SandboxState(options or SandboxOptions())
    route_list = control.routes(state) + classifieds.routes(state)
    for module_name in ("goofish", "taobao"):
        module = _optional(module_name)
        if module is not None:
            route_list += module.routes(state)
    app = Starlette(routes=route_list)
    app.state.sandbox = state
    return app


def _optional(name: str):
    import importlib
    try:
        return importlib.import_module(f"sandbox.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"sandbox.{name}":
            raise
        return None
