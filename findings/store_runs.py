"""Record crawl (and ingest) runs: when, what, how many, and how they ended."""

from __future__ import annotations

import json

from findings.records import utcnow


class RunsMixin:
    """Crawl-run records for :class:`findings.store.Store`."""

    def start_run(self, *, site: str, job: str | None = None, query: str | None = None,
                  started_at: str | None = None) -> int:
        """Record the start of a crawl (or ingest) run and return its id."""
        with self.db.atomic():
            cursor = self.conn.execute(
                "INSERT INTO crawl_runs (job, site, query, started_at, status) VALUES (?, ?, ?, ?, 'running')",
                (job, site, query, started_at or utcnow()))
        return cursor.lastrowid

    def update_run(self, run_id: int, **fields) -> None:
        """Set columns of a crawl run (counters, status, blocked_reason, stats)."""
        if not fields:
            return
        if "stats" in fields and not isinstance(fields["stats"], (str, type(None))):
            fields["stats"] = json.dumps(fields["stats"], ensure_ascii=False, default=str)
        allowed = {"job", "query", "finished_at", "pages", "listings_seen", "listings_new",
                   "listings_changed", "listings_flagged", "listings_removed", "errors",
                   "blocked_reason", "status", "stats"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown crawl run fields: {sorted(unknown)}")
        assignments = ", ".join(f"{name} = ?" for name in fields)
        with self.db.atomic():
            self.conn.execute(f"UPDATE crawl_runs SET {assignments} WHERE id = ?", [*fields.values(), run_id])

    def finish_run(self, run_id: int, *, status: str = "ok", **fields) -> None:
        """Close a crawl run with its final status and counters."""
        self.update_run(run_id, status=status, finished_at=utcnow(), **fields)
