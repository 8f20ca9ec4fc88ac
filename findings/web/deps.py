"""What every endpoint needs: settings, a per-thread connection, the user, roles, CSRF, templates.

Endpoints are plain functions ``handler(ctx) -> Response`` wrapped by :func:`endpoint`,
which checks the session, the role and (for POST) the CSRF token before the handler
runs in a worker thread, so SQLite waits never block the event loop.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import sqlite_utils
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from classifier import DEFAULT_THRESHOLD
from findings.db import open_db
from findings.web import users as users_lib
from findings.web.review import ReviewError
from findings.web.sync import sync_queue
from findings.web.security import CSRF_FIELD, CSRF_HEADER, csrf_ok, csrf_token

logger = logging.getLogger(__name__)
TEMPLATES = Path(__file__).parent / "templates"
_sync_lock = threading.Lock()


@dataclass
class Settings:
    """Settings of one running app."""

    db_path: str
    threshold: float = DEFAULT_THRESHOLD
    secret: str = ""
    sync_interval: float = 20.0  # seconds between incremental queue syncs
    _synced: float = 0.0
    _local: threading.local = field(default_factory=threading.local, repr=False)

    def db(self) -> sqlite_utils.Database:
        """This thread's connection (one per worker thread, created on first use)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = open_db(self.db_path, migrate=False)
        return db

    def cached(self, key: str, ttl: float, compute):
        """``compute()`` at most every ``ttl`` seconds (counts that need not be exact to the second)."""
        cache = self.__dict__.setdefault("_cache", {})
        hit = cache.get(key)
        if hit is None or time.monotonic() - hit[0] > ttl:
            hit = cache[key] = (time.monotonic(), compute())
        return hit[1]

    def maybe_sync(self, *, force: bool = False) -> None:
        """Pull new classifications into the queue at most every ``sync_interval`` seconds."""
        if not force and time.monotonic() - self._synced < self.sync_interval:
            return
        if not _sync_lock.acquire(blocking=force):
            return  # another request is syncing; serve what is there
        try:
            sync_queue(self.db(), self.threshold)
            self._synced = time.monotonic()
        finally:
            _sync_lock.release()


@dataclass
class Ctx:
    """One request as a handler sees it."""

    request: Request
    settings: Settings
    db: sqlite_utils.Database
    user: dict
    form: dict = field(default_factory=dict)

    @property
    def params(self):
        return self.request.query_params

    @property
    def remote(self) -> str | None:
        return self.request.client.host if self.request.client else None

    def path_int(self, name: str) -> int:
        return int(self.request.path_params[name])

    def flash(self, message: str, undo: dict | None = None) -> None:
        """Show ``message`` on the next page (with an undo button when ``undo`` is given)."""
        self.request.session.setdefault("flash", []).append({"text": message, "undo": undo})

    def render(self, template: str, status: int = 200, **values) -> HTMLResponse:
        return render(self.request, template, status=status, user=self.user, **values)


env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                  trim_blocks=True, lstrip_blocks=True)
env.filters["urlencode_page"] = lambda query, page: urlencode({**query, "page": page})


def render(request: Request, template: str, *, status: int = 200, **values) -> HTMLResponse:
    """Render a page with the CSRF token, flashes and user available to every template."""
    session = request.session
    flashes = session.pop("flash", []) if template.startswith("pages/") else []
    html = env.get_template(template).render(
        csrf=csrf_token(session), flashes=flashes, request=request, has_role=users_lib.has_role,
        **values)
    return HTMLResponse(html, status_code=status)


def _load_user(settings: Settings, session: dict) -> dict | None:
    user_id = session.get("uid")
    if not user_id:
        return None
    user = users_lib.get_user(settings.db(), user_id=user_id)
    if user is None or user["disabled"]:
        return None
    return user


def endpoint(role: str | None = "analyst", *, csrf: bool = True):
    """Wrap ``handler(ctx)`` with session, role and CSRF checks and a worker thread.

    ``role=None`` means no login needed (the login page only).
    """
    def wrap(handler):
        @functools.wraps(handler)
        async def route(request: Request) -> Response:
            settings: Settings = request.app.state.settings
            session = request.session
            user = await run_in_threadpool(_load_user, settings, session) if role else None
            if role and user is None:
                session.pop("uid", None)
                if request.method == "GET":
                    return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
                return _error(request, 401, "Your session has ended. Log in again.")
            form = {}
            if request.method == "POST":
                form = dict(await request.form())
                if csrf and not csrf_ok(session, form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)):
                    return _error(request, 403, "The form's security token is missing or stale. "
                                  "Reload the page and try again.", user)
            if role and not users_lib.has_role(user, role):
                return _error(request, 403, f"This needs the {role} role.", user)
            ctx = Ctx(request=request, settings=settings, db=None, user=user, form=form)
            return await run_in_threadpool(_run, handler, ctx)

        route.required_role = role
        return route
    return wrap


def _run(handler, ctx: Ctx) -> Response:
    ctx.db = ctx.settings.db()
    try:
        return handler(ctx)
    except ReviewError as exc:
        return _error(ctx.request, exc.status, str(exc), ctx.user)
    except (KeyError, ValueError) as exc:
        logger.info("bad request %s: %s", ctx.request.url.path, exc)
        return _error(ctx.request, 400, "That request was not understood.", ctx.user)
    finally:
        if ctx.db.conn.in_transaction:  # never leave a lock behind
            ctx.db.conn.rollback()


def _error(request: Request, status: int, message: str, user: dict | None = None) -> HTMLResponse:
    return render(request, "pages/error.html", status=status, message=message, user=user, code=status)
