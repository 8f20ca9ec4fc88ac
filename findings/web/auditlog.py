"""Append rows to the review audit trail (who, when, what, before and after)."""

from __future__ import annotations

import json
import sqlite3

from findings.records import utcnow


def _dump(value) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def record(conn: sqlite3.Connection, user: dict | None, action: str, *, target_kind: str | None = None,
           target_id=None, before=None, after=None, detail=None, remote_addr: str | None = None,
           at: str | None = None) -> int:
    """Write one audit row inside the caller's transaction and return its id.

    ``user`` is a dict with ``id`` and ``name`` (or None for the system). Other areas
    (exports, the CLI) call this too, so every sensitive act lands in one trail.
    """
    cursor = conn.execute(
        "INSERT INTO review_audit (at, user_ref, user_name, action, target_kind, target_id, before,"
        " after, detail, remote_addr) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (at or utcnow(), user["id"] if user else None, user["name"] if user else None, action,
         target_kind, None if target_id is None else str(target_id), _dump(before), _dump(after),
         _dump(detail), remote_addr))
    return cursor.lastrowid
