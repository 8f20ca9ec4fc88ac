"""Crash-safe crawl progress kept in the findings database, so a killed crawl resumes.

Scrapy's own JOBDIR writes its queue state only on a clean shutdown; after SIGKILL it
can forget requests it had already marked as seen. Here every finished result page is
recorded in the same transaction as its listings, and a restarted job continues each
query from the page after the last one stored.
"""

from __future__ import annotations

import json
import logging

from findings.records import utcnow

logger = logging.getLogger(__name__)


class Journal:
    """Progress of one job (one pass over a site's queries)."""

    def __init__(self, conn, job: str):
        self.conn = conn
        self.job = job
        self.started_at: str | None = None
        self.resumed = False

    def open(self, *, site: str, platform: str, base_url: str, queries: list[str]) -> None:
        """Resume the unfinished job with this key, or start a fresh one."""
        row = self.conn.execute(
            "SELECT started_at, status, run_ref FROM crawl_jobs WHERE job = ?", (self.job,)).fetchone()
        with self.conn:
            if row and row[1] != "ok":
                self.started_at, self.resumed = row[0], True
                if row[1] == "running" and row[2]:
                    # The process that ran it died without closing its run.
                    self.conn.execute("UPDATE crawl_runs SET status = 'interrupted', finished_at = ?"
                                      " WHERE id = ? AND status = 'running'", (utcnow(), row[2]))
                self.conn.execute("UPDATE crawl_jobs SET status = 'running', queries = ? WHERE job = ?",
                                  (json.dumps(queries, ensure_ascii=False), self.job))
                return
            self.started_at = utcnow()
            self.conn.execute("DELETE FROM crawl_pages WHERE job = ?", (self.job,))
            self.conn.execute(
                "INSERT OR REPLACE INTO crawl_jobs (job, site, platform, base_url, queries, started_at,"
                " status) VALUES (?, ?, ?, ?, ?, ?, 'running')",
                (self.job, site, platform, base_url, json.dumps(queries, ensure_ascii=False), self.started_at))

    def attach_run(self, run_id: int) -> None:
        with self.conn:
            self.conn.execute("UPDATE crawl_jobs SET run_ref = ? WHERE job = ?", (run_id, self.job))

    def record_pages(self, pages) -> None:
        """Record finished pages (call inside the batch's transaction)."""
        self.conn.executemany(
            "INSERT OR REPLACE INTO crawl_pages (job, query, page, next_url, last, listings, done_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(self.job, p.query, p.page, p.next_url, int(p.last), p.listings, utcnow()) for p in pages])

    def resume_point(self, query: str) -> tuple[int, str | None] | None:
        """Return (page, url) to continue ``query`` from; (0, None) = from the start; None = done."""
        rows = self.conn.execute("SELECT page, next_url, last FROM crawl_pages WHERE job = ? AND query = ?"
                                 " ORDER BY page", (self.job, query)).fetchall()
        page, url = 0, None
        for number, next_url, last in rows:
            if number != page + 1:
                break  # a gap: pages after it were done out of order; redo from the gap
            if last:
                return None
            page, url = number, next_url
        return page, url

    def completed_queries(self) -> list[str]:
        return [q for (q,) in self.conn.execute(
            "SELECT DISTINCT query FROM crawl_pages WHERE job = ? AND last = 1", (self.job,))]

    def finish(self, status: str) -> None:
        with self.conn:
            self.conn.execute("UPDATE crawl_jobs SET status = ?, finished_at = ? WHERE job = ?",
                              (status, utcnow(), self.job))


def record_hits(conn, platform: str, pairs, seen_at: str) -> None:
    """Remember which query found which listing (inside the batch's transaction)."""
    conn.executemany(
        "INSERT INTO crawl_hits (platform, query, listing_id, last_seen_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (platform, query, listing_id) DO UPDATE SET last_seen_at = excluded.last_seen_at",
        [(platform, q, lid, seen_at) for q, lid in pairs])


def vanished(conn, platform: str, queries: list[str], since: str) -> list[str]:
    """Listings earlier found by these queries that nothing has seen since ``since``."""
    ids: set[str] = set()
    for query in queries:
        ids.update(lid for (lid,) in conn.execute(
            "SELECT h.listing_id FROM crawl_hits h JOIN listings l ON l.platform = h.platform"
            " AND l.listing_id = h.listing_id WHERE h.platform = ? AND h.query = ?"
            " AND h.last_seen_at < ? AND l.last_seen_at < ? AND l.status != 'removed'",
            (platform, query, since, since)))
    return sorted(ids)
