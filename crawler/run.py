"""One crawl run: the database, the job journal, the current batch and the run's counters."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from findings.db import open_db
from findings.records import utcnow
from findings.store import Store
from findings.web.txn import immediate

from crawler import journal as journal_mod
from crawler.items import ImageItem, PageDone

logger = logging.getLogger(__name__)

BATCH_SIZE = 500  # listings per transaction when pages are long


@dataclass
class Batch:
    listings: list = field(default_factory=list)  # ListingItem
    pages: list = field(default_factory=list)     # PageDone
    sellers: list = field(default_factory=list)   # SellerItem
    hits: list = field(default_factory=list)      # (query, listing_id)
    images: list = field(default_factory=list)    # ImageItem
    seen_at: str = field(default_factory=utcnow)

    def __len__(self) -> int:
        return len(self.listings) + len(self.pages) + len(self.sellers) + len(self.hits) + len(self.images)


@dataclass
class Counters:
    pages: int = 0
    listings_seen: int = 0
    listings_new: int = 0
    listings_changed: int = 0
    listings_flagged: int = 0
    listings_removed: int = 0
    errors: int = 0


class CrawlRun:
    """Shared by the spider, the pipelines and the extension of one crawl process."""

    def __init__(self, *, db_path, site: str, platform: str, base_url: str, queries: list[str],
                 job: str, warc_dir=None):
        self.db = open_db(db_path)
        self.store = Store(self.db)
        self.site, self.platform, self.base_url = site, platform, base_url
        self.queries = queries
        self.journal = journal_mod.Journal(self.db.conn, job)
        self.journal.open(site=site, platform=platform, base_url=base_url, queries=queries)
        self.run_id = self.store.start_run(site=site, job=job, query=" | ".join(queries)[:2000])
        self.journal.attach_run(self.run_id)
        self.warc_dir = warc_dir
        self.counters = Counters()
        self.images = {"stored": 0, "refused": 0}  # flagged listings' pictures (not crawl_runs columns)
        self.batch = Batch()
        self.steps: list = []  # pipelines' flush(batch) methods, in pipeline order
        self.closers: list = []  # called once the last batch is written
        self.blocked_reason: str | None = None
        self.notes: list[str] = []
        self.closed = False
        self.page_times: tuple = (None, None)  # monotonic time of the first and last finished page

    def add_step(self, step) -> None:
        self.steps.append(step)

    def error(self, message: str, *args) -> None:
        """Count and log a per-page problem (hostile or broken content) and go on."""
        self.counters.errors += 1
        logger.warning(message, *args)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)
            logger.info("%s", text)

    def maybe_flush(self, item) -> None:
        """Commit after every finished page or picture (megabytes each), or when the batch is large."""
        if isinstance(item, (PageDone, ImageItem)) or len(self.batch) >= BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        """Write the batch in one transaction: listings, classifications, evidence, progress."""
        batch, self.batch = self.batch, Batch()
        if not len(batch):
            return
        # The write lock up front: a batch that starts by reading (a picture: is it known?) and
        # then writes would otherwise fail at once when another process wrote in between.
        with immediate(self.db.conn):
            for step in self.steps:
                step(batch)
            journal_mod.record_hits(self.db.conn, self.platform, batch.hits, batch.seen_at)
            self.journal.record_pages(batch.pages)
        self.counters.pages += len(batch.pages)
        if batch.pages:
            now = time.monotonic()
            self.page_times = (self.page_times[0] or now, now)
        self.store.update_run(self.run_id, **vars(self.counters))

    def block(self, reason: str) -> bool:
        """Remember the first block reason; return True if it is new."""
        if self.blocked_reason:
            return False
        self.blocked_reason = reason
        logger.error("BLOCKED on %s: %s — stopping this site", self.site, reason)
        return True

    def close(self, reason: str) -> None:
        """Flush, mark vanished listings (complete jobs only) and close the run record."""
        if self.closed:
            return
        self.closed = True
        failed = False
        try:
            self.flush()
        except Exception:  # keep what earlier batches stored; say the run failed
            logger.exception("could not write the last batch of %s", self.site)
            failed = True
        for closer in self.closers:
            closer()
        if failed:
            status = "failed"
        elif self.blocked_reason:
            status = "blocked"
        elif reason == "finished" and self.counters.errors and not self.counters.pages:
            # every request failed (host down, wrong base URL): not a quiet "ok" with nothing found
            status = "failed"
            self.note(f"no page could be fetched ({self.counters.errors} unusable): is the site up and "
                      f"the base URL {self.base_url} right?")
        elif reason in ("finished",):
            status = "ok"
            self._mark_removed()
        else:
            status = "interrupted"
        self.journal.finish(status)
        self.store.finish_run(self.run_id, status=status, blocked_reason=self.blocked_reason,
                              stats={"close_reason": reason, "notes": self.notes, "images": self.images},
                              **vars(self.counters))
        self.status = status
        self.db.conn.close()

    def _mark_removed(self) -> None:
        done = self.journal.completed_queries()
        skipped = sorted(set(self.queries) - set(done))
        if skipped:
            self.note(f"not marking removals: queries without a completed last page: {skipped[:5]}")
            return
        gone = journal_mod.vanished(self.db.conn, self.platform, done, self.journal.started_at)
        if gone:
            self.counters.listings_removed = self.store.mark_removed(self.platform, gone)
            logger.info("%s listings vanished since the last crawl: marked removed", len(gone))

    def summary(self) -> dict:
        return {"site": self.site, "run": self.run_id, "job": self.journal.job,
                "status": getattr(self, "status", "running"), "blocked_reason": self.blocked_reason,
                "resumed": self.journal.resumed, "notes": self.notes, **vars(self.counters),
                "images_stored": self.images["stored"], "images_refused": self.images["refused"],
                "pages_span_seconds": (self.page_times[1] - self.page_times[0]) if self.page_times[0] else None}
