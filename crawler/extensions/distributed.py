"""A distributed-crawl worker's life: heartbeat, leases, waiting for peers, leaving cleanly.

Workers share one scrapy-redis frontier. Each one registers with a heartbeat key, holds
the requests it fetches as leases (crawler.redisqueue), acknowledges a request once the
callback's output is in Redis, requeues the leases of peers whose heartbeat stopped,
stays up while peers still have requests in flight (they may yield more), and when it
leaves last it posts the crawl's end (ok / blocked / interrupted) for the ingest worker.
"""

from __future__ import annotations

import json
import logging
import os

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.defer import deferred_from_coro
from scrapy_redis import connection
from twisted.internet import task

from crawler.redisqueue import (ITEMS_KEY, LEASE_META, REQUEUE_LEASES_LUA, CrawlKeys, inflight_total,
                                reclaim_dead)

logger = logging.getLogger(__name__)

# Leave: requeue my leases, deregister, and if the crawl is over (or I am the last
# worker of an unfinished one) post its end message. Atomic, so only one worker posts.
_LEAVE = REQUEUE_LEASES_LUA + """
if redis.call('EXISTS', KEYS[4]) == 0 then return 0 end
local reason = redis.call('GET', KEYS[5])
local status
if ARGV[2] == '1' and not reason and redis.call('ZCARD', KEYS[1]) == 0 then
  for _, w in ipairs(redis.call('SMEMBERS', KEYS[3])) do
    if redis.call('HLEN', ARGV[4] .. w) > 0 then return 0 end
  end
  status = 'ok'
  redis.call('DEL', KEYS[4], KEYS[1])
elseif redis.call('SCARD', KEYS[3]) == 0 then
  status = reason and 'blocked' or 'interrupted'
  redis.call('DEL', KEYS[5])
else
  return 0
end
local msg = {type = 'end', crawl = ARGV[3], status = status}
if reason then msg['reason'] = reason end
redis.call('RPUSH', KEYS[6], cjson.encode(msg))
return 1
"""


def lease_seconds() -> float:
    """How long a silent worker keeps its requests before peers take them over."""
    return float(os.environ.get("FACETRADE_REDIS_LEASE_SECONDS", "15"))


class DistributedWorker:
    def __init__(self, crawler, server, crawl: str, worker: str, meta: dict):
        self.crawler, self.server, self.worker, self.meta = crawler, server, worker, meta
        self.keys = CrawlKeys(crawl)
        self.ttl_ms = int(lease_seconds() * 1000)
        self.beat = task.LoopingCall(self.heartbeat)
        self.closing = False
        self.status: str | None = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.get("FACETRADE_REDIS_CRAWL"):
            raise NotConfigured("not a distributed crawl")
        meta = {k: settings.get(f"FACETRADE_{k.upper()}") for k in ("site", "platform", "base_url")}
        meta["queries"] = json.dumps(settings.getlist("FACETRADE_QUERIES"), ensure_ascii=False)
        ext = cls(crawler, connection.from_settings(settings), settings["FACETRADE_REDIS_CRAWL"],
                  settings["FACETRADE_WORKER_ID"], meta)
        for handler, signal in ((ext.engine_started, signals.engine_started),
                                (ext.spider_idle, signals.spider_idle),
                                (ext.request_dropped, signals.request_dropped),
                                (ext.spider_closed, signals.spider_closed)):
            crawler.signals.connect(handler, signal=signal)
        return ext

    def engine_started(self):
        self.server.hset(self.keys.meta, mapping=self.meta)
        self.server.set(self.keys.heartbeat(self.worker), "1", px=self.ttl_ms)
        self.server.sadd(self.keys.workers, self.worker)
        self._ack_after_scrape()
        self.beat.start(min(0.5, lease_seconds() / 3), now=False)
        logger.info("worker %s joined crawl %s", self.worker, self.keys.crawl)

    def _ack_after_scrape(self):
        """Acknowledge a request only after its callback's requests and items are stored.

        Scrapy has no signal for "this response's output is fully processed"; the
        scraper's per-response coroutine is the one place that ends exactly then.
        """
        scraper = self.crawler.engine.scraper
        original = scraper._scrape

        async def scrape_then_ack(result, request):
            try:
                await original(result, request)
            finally:
                self.ack(request)

        scraper._scrape = scrape_then_ack

    def ack(self, request):
        token = request.meta.get(LEASE_META)
        if token:
            self.server.hdel(self.keys.inflight(self.worker), token)

    def request_dropped(self, request, spider=None):
        self.ack(request)  # a retry/redirect the dupefilter refused: its lease is done

    def heartbeat(self):
        self.server.set(self.keys.heartbeat(self.worker), "1", px=self.ttl_ms)
        if self.server.exists(self.keys.blocked):
            self.close("blocked")
            return
        reclaim_dead(self.server, self.keys)
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None:
            # Wake the engine now rather than at its 5 s heartbeat: peers may have queued
            # requests, or finished the crawl this worker is idly waiting on.
            slot.nextcall.schedule()

    def spider_idle(self, spider=None):
        if self.server.exists(self.keys.blocked):
            self.close("blocked")
            raise DontCloseSpider
        reclaim_dead(self.server, self.keys)
        if self.server.zcard(self.keys.requests) or inflight_total(self.server, self.keys):
            raise DontCloseSpider  # peers are still fetching: their pages may yield more

    def close(self, reason: str):
        if not self.closing:
            self.closing = True
            logger.warning("crawl %s blocked by another worker: stopping", self.keys.crawl)
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=reason))

    def spider_closed(self, spider=None, reason="finished"):
        if self.beat.running:
            self.beat.stop()
        if reason == "blocked":
            why = self.crawler.stats.get_value("blocks/reason") or "blocked"
            self.server.set(self.keys.blocked, why, nx=True)
        self.server.delete(self.keys.heartbeat(self.worker))
        k = self.keys
        posted = self.server.register_script(_LEAVE)(
            keys=[k.requests, k.inflight(self.worker), k.workers, k.dupefilter, k.blocked, ITEMS_KEY],
            args=[self.worker, "1" if reason == "finished" else "0", k.crawl, k.key("inflight:")])
        self.status = "ok" if reason == "finished" else "blocked" if reason == "blocked" else "interrupted"
        logger.info("worker %s left crawl %s (%s)%s", self.worker, k.crawl, reason,
                    "; posted the crawl's end" if posted else "")


class PagesDoneMiddleware:
    """Spider middleware: a result page is done once its output is in the shared frontier.

    A spider holds a page's PageDone until its detail pages come back; in a distributed
    crawl those may be fetched by another worker, so the page is released right away.
    """

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.get("FACETRADE_REDIS_CRAWL"):
            raise NotConfigured
        obj = cls()
        obj.crawler = crawler
        return obj

    def _held(self):
        tracker = getattr(self.crawler.spider, "pages", None)
        held = getattr(tracker, "open", None) or {}
        while held:
            yield held.pop(next(iter(held)))[1]

    def process_spider_output(self, response, result, spider=None):
        yield from result
        yield from self._held()

    async def process_spider_output_async(self, response, result, spider=None):
        async for item in result:
            yield item
        for item in self._held():
            yield item
