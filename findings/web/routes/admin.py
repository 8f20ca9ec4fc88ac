"""User management for admins: add users, change roles, disable and re-enable."""

from __future__ import annotations

from starlette.responses import RedirectResponse
from starlette.routing import Route

from findings.web import users as users_lib
from findings.web.deps import Ctx, endpoint
from findings.web.users import ROLES, UserError


def _back(ctx: Ctx, message: str) -> RedirectResponse:
    ctx.flash(message)
    return RedirectResponse("/admin/users", status_code=303)


@endpoint(role="admin")
def users_page(ctx: Ctx):
    return ctx.render("pages/admin_users.html", users=users_lib.list_users(ctx.db), roles=ROLES)


@endpoint(role="admin")
def add(ctx: Ctx):
    try:
        user = users_lib.add_user(ctx.db, ctx.form.get("name", ""), ctx.form.get("password", ""),
                                  ctx.form.get("role", "analyst"), actor=ctx.user)
    except UserError as exc:
        return _back(ctx, str(exc))
    return _back(ctx, f"Added {user['name']} ({user['role']}).")


@endpoint(role="admin")
def set_role(ctx: Ctx):
    name = ctx.request.path_params["name"]
    if name == ctx.user["name"]:
        return _back(ctx, "You cannot change your own role.")
    try:
        user = users_lib.set_role(ctx.db, name, ctx.form.get("role", ""), actor=ctx.user)
    except UserError as exc:
        return _back(ctx, str(exc))
    return _back(ctx, f"{user['name']} is now {user['role']}.")


@endpoint(role="admin")
def disable(ctx: Ctx):
    name = ctx.request.path_params["name"]
    enable = ctx.form.get("enable") == "1"
    if name == ctx.user["name"]:
        return _back(ctx, "You cannot disable yourself.")
    try:
        users_lib.set_disabled(ctx.db, name, not enable, actor=ctx.user)
    except UserError as exc:
        return _back(ctx, str(exc))
    return _back(ctx, f"{name} {'enabled' if enable else 'disabled'}.")


routes = [
    Route("/admin/users", users_page, methods=["GET"]),
    Route("/admin/users", add, methods=["POST"]),
    Route("/admin/users/{name}/role", set_role, methods=["POST"]),
    Route("/admin/users/{name}/disable", disable, methods=["POST"]),
]
