"""Open the findings database: one SQLite file, migrated, in WAL mode with foreign keys on."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import fcntl
import importlib

import sqlite_utils

# Migration sets, applied in this order. Each area of the product owns one set (a module
# with a module-level ``migrations = sqlite_utils.Migrations("facetrade-<area>")``).
MIGRATION_SETS = (
    "findings.migrations",
    "crawler.migrations",
    "findings.web.migrations",
    "findings.export.migrations",
    "jobs.migrations",
    "findings.networks_migrations",
    "findings.registry_migrations",
    "crawler.images_migrations",
)

DEFAULT_DB = Path("var") / "facetrade.db"
ENV_DB = "FACETRADE_DB"


def default_db_path() -> Path:
    """Return the database path from ``FACETRADE_DB`` or the default ``var/facetrade.db``."""
    return Path(os.environ.get(ENV_DB) or DEFAULT_DB)


def open_db(path: str | os.PathLike | None = None, *, migrate: bool = True) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate the findings database.

    Parameters
    ----------
    path : path-like, optional
        The SQLite file. Defaults to :func:`default_db_path`.
    migrate : bool
        Apply pending migrations. Read-only tools may pass ``False``.

    Returns
    -------
    sqlite_utils.Database
    """
    path = Path(path) if path is not None else default_db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # check_same_thread=False: the review app hands one connection per request
    # thread; each connection is still only used by one thread at a time.
    conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
    db = sqlite_utils.Database(conn)
    # One process at a time sets a file up. Two processes opening a brand-new file at once
    # (a scheduler starting several crawls) would both switch it to WAL, which SQLite refuses
    # at once with "database is locked" (no busy wait for a journal-mode change), and would
    # both apply the first migration ("table already exists"). An exclusive lock on a sidecar
    # file serialises them; the later ones find WAL on and nothing pending.
    with open(f"{path}.migrate-lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        configure(db)
        if migrate:
            migrate_db(db)
    return db


def migrate_db(db: sqlite_utils.Database) -> None:
    """Apply every pending migration (the caller holds the set-up lock, see :func:`open_db`)."""
    for name in MIGRATION_SETS:
        migration_set = importlib.import_module(name).migrations
        if migration_set.pending(db):
            migration_set.apply(db)


def configure(db: sqlite_utils.Database) -> None:
    """Set the pragmas every connection needs."""
    # Writers from several processes (crawl + review app) wait instead of failing.
    db.execute("PRAGMA busy_timeout=30000")
    # WAL lets the review app read while a crawl writes; NORMAL sync is durable
    # across process crashes (only an OS crash can lose the last transaction).
    if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":  # WAL stays on in the file
        db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
