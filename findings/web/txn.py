"""Short write transactions that take SQLite's write lock up front."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager


@contextmanager
def immediate(conn: sqlite3.Connection):
    """Run the block in ``BEGIN IMMEDIATE`` … ``COMMIT`` (rolled back on error).

    Taking the write lock at BEGIN (not at the first write) means a read-then-write,
    such as claiming the next queue item, can never be overtaken by another writer;
    busy_timeout makes concurrent writers wait instead of failing.
    """
    if conn.in_transaction:
        conn.commit()
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
