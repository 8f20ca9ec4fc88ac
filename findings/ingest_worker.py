"""The single writer of a distributed crawl: Redis item list → the crawler's store path → SQLite."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass

import redis
from scrapy.exceptions import DropItem

from crawler import itemwire
from crawler.pipelines.classify import ClassifyPipeline
from crawler.pipelines.dedupe import DedupePipeline
from crawler.pipelines.evidence import EvidencePipeline
from crawler.pipelines.normalise import NormalisePipeline
from crawler.pipelines.store import StorePipeline
from crawler.redisqueue import ITEMS_KEY, CrawlKeys
from crawler.run import CrawlRun

logger = logging.getLogger(__name__)
# How an end message's status maps onto CrawlRun.close's Scrapy-style close reason.
_CLOSE_REASON = {"ok": "finished", "blocked": "blocked", "interrupted": "shutdown"}


class IngestError(RuntimeError):
    """The ingest worker cannot start (Redis unreachable, bad URL)."""


@dataclass
class OpenRun:
    """One distributed crawl being written: its CrawlRun and the crawler's pipeline steps."""

    run: CrawlRun
    steps: list

    def take(self, item) -> None:
        for step in self.steps:
            try:
                item = step.process_item(item)
            except DropItem:
                return

    def close(self, status: str, reason: str | None) -> dict:
        if status == "blocked":
            self.run.block(reason or "blocked (reason not reported)")
        self.run.close(_CLOSE_REASON.get(status, "shutdown"))  # also closes the run's WARC file
        return self.run.summary()


class IngestWorker:
    def __init__(self, db_path, redis_url: str, *, batch: int = 500, warc_dir=None):
        try:
            self.server = redis.Redis.from_url(redis_url, socket_connect_timeout=5)
            self.server.ping()
        except ValueError as exc:
            raise IngestError(f"bad --redis URL {redis_url!r}: {exc}") from None
        except redis.RedisError as exc:
            raise IngestError(f"cannot reach Redis at {redis_url}: {exc}") from None
        self.db_path, self.batch, self.warc_dir = db_path, batch, warc_dir
        self.runs: dict[str, OpenRun] = {}
        self.closed: list[dict] = []
        self.bad_messages = 0
        self.stopping = False

    def _open(self, crawl: str) -> OpenRun:
        meta = {k.decode(): v.decode() for k, v in self.server.hgetall(CrawlKeys(crawl).meta).items()}
        if not meta.get("site"):
            raise itemwire.WireError(f"crawl {crawl!r} has no metadata in Redis (key {CrawlKeys(crawl).meta})")
        run = CrawlRun(db_path=self.db_path, site=meta["site"], platform=meta["platform"],
                       base_url=meta.get("base_url") or "", queries=json.loads(meta.get("queries") or "[]"),
                       job=f"redis:{crawl}", warc_dir=self.warc_dir)
        steps = [NormalisePipeline(run), DedupePipeline(run), StorePipeline(run), ClassifyPipeline(run),
                 EvidencePipeline(run)]  # the crawler's own order; flush steps register as built
        logger.info("crawl %s: recording as run %s", crawl, run.run_id)
        return OpenRun(run, steps)

    def handle(self, message) -> None:
        kind, crawl, item = itemwire.decode(message)
        current = self.runs.get(crawl)
        if current is None:
            current = self.runs[crawl] = self._open(crawl)
        if kind == "end":
            summary = self.runs.pop(crawl).close(item["status"], item.get("reason"))
            self.closed.append(summary)
            logger.warning("crawl %s ended: %s — run %s: %s pages, %s listings (%s new, %s flagged)",
                           crawl, summary["status"], summary["run"], summary["pages"],
                           summary["listings_seen"], summary["listings_new"], summary["listings_flagged"])
            return
        current.take(item)

    def drain_once(self) -> int:
        """Write up to ``batch`` queued messages; remove them from Redis only once committed."""
        messages = self.server.lrange(ITEMS_KEY, 0, self.batch - 1)
        for message in messages:
            try:
                self.handle(message)
            except itemwire.WireError as exc:
                self.bad_messages += 1
                logger.warning("skipped an item message: %s", exc)
        for current in self.runs.values():
            current.run.flush()
        if messages:
            self.server.ltrim(ITEMS_KEY, len(messages), -1)
        return len(messages)

    def run_forever(self, *, until_idle: bool = False, poll: float = 0.2) -> None:
        """Write items until stopped (or, with ``until_idle``, until nothing is queued or open)."""
        try:
            while not self.stopping:
                if self.drain_once():
                    continue
                if until_idle and not self.runs:
                    return
                time.sleep(poll)
        finally:
            self.close_open_runs()

    def close_open_runs(self) -> None:
        """Stopping mid-crawl: close open runs as interrupted; a restart opens new runs."""
        for crawl, current in list(self.runs.items()):
            self.closed.append(current.close("interrupted", None))
            del self.runs[crawl]
