"""Who is exporting: a review user (``--as NAME``) or the pseudonymous analyst-level ``cli``."""

from __future__ import annotations

import hashlib
import hmac

from findings.web import users as users_lib

CLI_USER = {"id": None, "name": "cli", "role": "analyst", "disabled": 0}


class ExportError(ValueError):
    """An export that cannot happen; the message says why and what to do."""


class PermissionDenied(ExportError):
    """The acting user lacks the role an action needs."""


def acting_user(db, name: str | None) -> dict:
    """The review user called ``name`` (enabled), or the analyst-level ``cli`` identity."""
    if not name or name == CLI_USER["name"]:
        return dict(CLI_USER)
    user = users_lib.get_user(db, name=name)
    if user is None:
        raise ExportError(f"no review user {name!r}; see `facetrade users list`")
    if user["disabled"]:
        raise ExportError(f"review user {name!r} is disabled")
    return user


def require(user: dict, role: str, what: str) -> None:
    """Raise PermissionDenied unless ``user`` holds ``role`` (or higher)."""
    if not users_lib.has_role(user, role):
        raise PermissionDenied(f"{what} needs the {role} role; {user['name']} is {user['role']}")


def pseudonym(conn, user_ref: int | None) -> str:
    """A stable, non-reversible reviewer id for exports (``reviewer-1a2b3c4d``)."""
    if user_ref is None:
        return "reviewer-cli"
    (key,) = conn.execute("SELECT value FROM export_state WHERE key = 'pseudonym_key'").fetchone()
    digest = hmac.new(bytes.fromhex(key), str(user_ref).encode(), hashlib.sha256).hexdigest()
    return f"reviewer-{digest[:8]}"
