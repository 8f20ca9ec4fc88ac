"""Tables the crawler owns: job progress (for resuming after a kill) and query hits (for removals)."""

from __future__ import annotations

from sqlite_utils import Migrations

migrations = Migrations("facetrade-crawler")


@migrations()
def m001_crawl_progress(db):
    """Jobs, their finished result pages, and which query found which listing."""
    db.executescript(
        """
        -- A job is one complete pass over a site's queries; it may take several runs
        -- (processes) when a crawl is killed and restarted.
        CREATE TABLE crawl_jobs (
            job TEXT PRIMARY KEY,
            site TEXT NOT NULL,
            platform TEXT NOT NULL,
            base_url TEXT,
            queries TEXT,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL DEFAULT 'running',
            run_ref INTEGER REFERENCES crawl_runs(id)
        );
        -- Written in the same transaction as the page's listings: a page is either
        -- stored and recorded here, or neither.
        CREATE TABLE crawl_pages (
            job TEXT NOT NULL REFERENCES crawl_jobs(job) ON DELETE CASCADE,
            query TEXT NOT NULL,
            page INTEGER NOT NULL,
            next_url TEXT,
            last INTEGER NOT NULL DEFAULT 0,
            listings INTEGER NOT NULL DEFAULT 0,
            done_at TEXT NOT NULL,
            PRIMARY KEY (job, query, page)
        );
        CREATE TABLE crawl_hits (
            platform TEXT NOT NULL,
            query TEXT NOT NULL,
            listing_id TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            PRIMARY KEY (platform, query, listing_id)
        ) WITHOUT ROWID;
        """
    )
