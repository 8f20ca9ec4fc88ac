"""Opening the findings database: many processes at once on a new file, and pragmas."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3

from findings.db import MIGRATION_SETS, open_db


def _open(path, barrier, errors):
    barrier.wait()
    try:
        open_db(path).conn.close()
    except Exception as exc:  # reported to the parent, which fails the test
        errors.put(repr(exc))


def test_many_processes_opening_a_new_database_at_once_all_succeed(tmp_path):
    path = str(tmp_path / "new.db")
    ctx = mp.get_context("fork")
    barrier, errors = ctx.Barrier(6), ctx.Queue()
    procs = [ctx.Process(target=_open, args=(path, barrier, errors)) for _ in range(6)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
    failures = []
    while not errors.empty():
        failures.append(errors.get())
    assert failures == []
    with sqlite3.connect(path) as conn:
        applied = conn.execute("SELECT migration_set, name, count(*) FROM _sqlite_migrations"
                               " GROUP BY 1, 2 HAVING count(*) > 1").fetchall()
        sets = {row[0] for row in conn.execute("SELECT DISTINCT migration_set FROM _sqlite_migrations")}
    assert applied == []  # every migration applied exactly once
    assert len(sets) == len(MIGRATION_SETS)
