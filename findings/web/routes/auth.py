"""Log in and out; the only pages reachable without a session."""

from __future__ import annotations

import time

from starlette.responses import RedirectResponse
from starlette.routing import Route

from findings.web import auditlog
from findings.web import users as users_lib
from findings.web.deps import Ctx, endpoint
from findings.web.txn import immediate

_FAIL_DELAY = 0.5  # slows password guessing without locking anyone out


def _safe_next(target: str | None) -> str:
    # Only same-site paths: "//evil.example" or "https://..." would be an open redirect.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/queue"


@endpoint(role=None, csrf=False)
def login_page(ctx: Ctx):
    return ctx.render("pages/login.html", next=_safe_next(ctx.params.get("next")), error=None)


@endpoint(role=None)
def login(ctx: Ctx):
    name = (ctx.form.get("username") or "").strip()[:64]
    user = users_lib.authenticate(ctx.db, name, ctx.form.get("password") or "")
    target = _safe_next(ctx.form.get("next"))
    if user is None:
        time.sleep(_FAIL_DELAY)
        with immediate(ctx.db.conn):
            auditlog.record(ctx.db.conn, None, "login_failed", target_kind="user", target_id=name,
                            remote_addr=ctx.remote)
        return ctx.render("pages/login.html", status=401, next=target, error="Wrong name or password.")
    session = ctx.request.session
    session.clear()  # a fresh session (and CSRF token) at every login
    session["uid"] = user["id"]
    with immediate(ctx.db.conn):
        auditlog.record(ctx.db.conn, user, "login", target_kind="user", target_id=user["id"],
                        remote_addr=ctx.remote)
    return RedirectResponse(target, status_code=303)


@endpoint(role="analyst")
def logout(ctx: Ctx):
    with immediate(ctx.db.conn):
        auditlog.record(ctx.db.conn, ctx.user, "logout", target_kind="user", target_id=ctx.user["id"],
                        remote_addr=ctx.remote)
    ctx.request.session.clear()
    return RedirectResponse("/login", status_code=303)


routes = [
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
]
