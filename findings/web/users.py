"""Review app accounts: argon2 password hashes, roles (analyst < lead < admin), disabling."""

from __future__ import annotations

import re

import sqlite_utils
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from findings.records import utcnow
from findings.web import auditlog
from findings.web.txn import immediate

ROLES = ("analyst", "lead", "admin")
RANK = {role: rank for rank, role in enumerate(ROLES)}
MIN_PASSWORD = 8
_NAME = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps login timing uniform.
_DUMMY_HASH = _hasher.hash("not-a-real-password-0000")


class UserError(ValueError):
    """A user-management mistake; the message says what to fix."""


def has_role(user: dict | None, role: str) -> bool:
    """True when ``user`` is enabled and holds ``role`` or a higher one."""
    return bool(user) and not user.get("disabled") and RANK[user["role"]] >= RANK[role]


def _check(name: str, role: str | None = None, password: str | None = None) -> None:
    if not _NAME.match(name or ""):
        raise UserError(f"invalid user name {name!r}: use 2-64 letters, digits, _ . @ -")
    if role is not None and role not in ROLES:
        raise UserError(f"invalid role {role!r}: choose one of {', '.join(ROLES)}")
    if password is not None and len(password) < MIN_PASSWORD:
        raise UserError(f"password too short: at least {MIN_PASSWORD} characters")


def get_user(db: sqlite_utils.Database, *, name: str | None = None, user_id: int | None = None) -> dict | None:
    """Return a user row as a dict (without the hash), or None."""
    where, arg = ("name = ?", name) if name is not None else ("id = ?", user_id)
    cursor = db.conn.execute(
        f"SELECT id, name, role, disabled, created_at, last_login_at FROM review_users WHERE {where}", (arg,))
    row = cursor.fetchone()
    return dict(zip([c[0] for c in cursor.description], row)) if row else None


def list_users(db: sqlite_utils.Database) -> list[dict]:
    """Return every user, by name."""
    cursor = db.conn.execute(
        "SELECT id, name, role, disabled, created_at, last_login_at FROM review_users ORDER BY name")
    cols = [c[0] for c in cursor.description]
    return [dict(zip(cols, row)) for row in cursor]


def add_user(db: sqlite_utils.Database, name: str, password: str, role: str = "analyst", *,
             actor: dict | None = None) -> dict:
    """Create a user with an argon2id password hash; audited."""
    _check(name, role, password)
    with immediate(db.conn):
        if db.conn.execute("SELECT 1 FROM review_users WHERE name = ?", (name,)).fetchone():
            raise UserError(f"user {name!r} already exists")
        cursor = db.conn.execute(
            "INSERT INTO review_users (name, password_hash, role, created_at) VALUES (?, ?, ?, ?)",
            (name, _hasher.hash(password), role, utcnow()))
        auditlog.record(db.conn, actor, "user_add", target_kind="user", target_id=cursor.lastrowid,
                        after={"name": name, "role": role})
    return get_user(db, name=name)


def set_role(db: sqlite_utils.Database, name: str, role: str, *, actor: dict | None = None) -> dict:
    """Change a user's role; audited with before and after."""
    _check(name, role)
    return _change(db, name, "role", role, "role_change", actor)


def set_disabled(db: sqlite_utils.Database, name: str, disabled: bool = True, *,
                 actor: dict | None = None) -> dict:
    """Disable (or re-enable) a user; a disabled user's sessions stop working at once."""
    return _change(db, name, "disabled", int(disabled), "user_disable" if disabled else "user_enable", actor)


def set_password(db: sqlite_utils.Database, name: str, password: str, *, actor: dict | None = None) -> None:
    """Replace a user's password."""
    _check(name, password=password)
    with immediate(db.conn):
        user = get_user(db, name=name)
        if user is None:
            raise UserError(f"no user {name!r}")
        db.conn.execute("UPDATE review_users SET password_hash = ? WHERE id = ?",
                        (_hasher.hash(password), user["id"]))
        auditlog.record(db.conn, actor, "password_change", target_kind="user", target_id=user["id"])


def _change(db, name: str, column: str, value, action: str, actor: dict | None) -> dict:
    with immediate(db.conn):
        user = get_user(db, name=name)
        if user is None:
            raise UserError(f"no user {name!r}")
        db.conn.execute(f"UPDATE review_users SET {column} = ? WHERE id = ?", (value, user["id"]))
        auditlog.record(db.conn, actor, action, target_kind="user", target_id=user["id"],
                        before={column: user[column]}, after={column: value})
    return get_user(db, name=name)


def authenticate(db: sqlite_utils.Database, name: str, password: str) -> dict | None:
    """Return the enabled user whose password matches, else None (same cost either way)."""
    row = db.conn.execute("SELECT id, password_hash, disabled FROM review_users WHERE name = ?",
                          (name,)).fetchone()
    stored = row[1] if row else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if row is None or row[2]:
        return None
    with immediate(db.conn):
        if _hasher.check_needs_rehash(stored):
            db.conn.execute("UPDATE review_users SET password_hash = ? WHERE id = ?",
                            (_hasher.hash(password), row[0]))
        db.conn.execute("UPDATE review_users SET last_login_at = ? WHERE id = ?", (utcnow(), row[0]))
    return get_user(db, user_id=row[0])
