"""A scrapy-redis request queue with leases: a popped request stays on record until acknowledged.

scrapy-redis pops a request for good; a worker killed while the request is in flight
loses it (and the dupefilter stops anyone from fetching it again). Here the pop moves
the request into the worker's in-flight hash in one Lua step; the worker acknowledges
it once its callback's requests and items are in Redis, and the requests of a worker
whose heartbeat stopped go back into the queue for the others.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

logger = logging.getLogger(__name__)
LEASE_META = "facetrade_lease"

# Pop the best request and file it, with its score, under the worker's in-flight hash.
_POP = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
redis.call('HSET', KEYS[2], ARGV[1], r[2] .. '|' .. r[1])
return r[1]
"""
# Put every request a (dead or leaving) worker had in flight back into the queue.
# Lua shared by reclaiming a dead worker's requests and a worker leaving: put every
# request it had in flight (KEYS[2], "score|request") back into the queue (KEYS[1]) and
# deregister it (ARGV[1]) from the workers set (KEYS[3]).
REQUEUE_LEASES_LUA = """
local all = redis.call('HVALS', KEYS[2])
for _, v in ipairs(all) do
  local i = string.find(v, '|', 1, true)
  redis.call('ZADD', KEYS[1], tonumber(string.sub(v, 1, i - 1)), string.sub(v, i + 1))
end
redis.call('DEL', KEYS[2])
redis.call('SREM', KEYS[3], ARGV[1])
"""
_RECLAIM = REQUEUE_LEASES_LUA + "return #all\n"
# Record a request's fingerprint and queue it in one step; a retry or redirect hands its
# lease (ARGV[4], may be empty) over to the queued copy. Returns 0 for a duplicate.
_PUSH_NEW = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], tonumber(ARGV[2]), ARGV[3])
if ARGV[4] ~= '' then redis.call('HDEL', KEYS[3], ARGV[4]) end
return 1
"""


@dataclass(frozen=True)
class CrawlKeys:
    """The Redis keys of one distributed crawl (all under ``facetrade:CRAWL:``)."""

    crawl: str

    def key(self, name: str) -> str:
        return f"facetrade:{self.crawl}:{name}"

    requests = property(lambda self: self.key("requests"))
    dupefilter = property(lambda self: self.key("dupefilter"))
    workers = property(lambda self: self.key("workers"))
    blocked = property(lambda self: self.key("blocked"))
    meta = property(lambda self: self.key("meta"))

    def inflight(self, worker: str) -> str:
        return self.key(f"inflight:{worker}")

    def heartbeat(self, worker: str) -> str:
        return self.key(f"heartbeat:{worker}")


ITEMS_KEY = "facetrade:items"  # one list for every crawl: the ingest worker is the single writer


def reclaim(server, keys: CrawlKeys, worker: str) -> int:
    """Requeue ``worker``'s in-flight requests and forget the worker; return how many."""
    return server.register_script(_RECLAIM)(
        keys=[keys.requests, keys.inflight(worker), keys.workers], args=[worker])


def reclaim_dead(server, keys: CrawlKeys) -> int:
    """Requeue the requests of every registered worker whose heartbeat has expired."""
    total = 0
    for raw in server.smembers(keys.workers):
        worker = raw.decode() if isinstance(raw, bytes) else raw
        if not server.exists(keys.heartbeat(worker)):
            count = reclaim(server, keys, worker)
            total += count
            logger.warning("worker %s stopped answering: %s of its requests back in the queue",
                           worker, count)
    return total


def inflight_total(server, keys: CrawlKeys) -> int:
    """Requests some registered worker is fetching or processing right now."""
    return sum(server.hlen(keys.inflight(w.decode() if isinstance(w, bytes) else w))
               for w in server.smembers(keys.workers))


class LeasedPriorityQueue(PriorityQueue):
    """scrapy-redis's priority queue whose pops are leases until ``ack``."""

    def __init__(self, server, spider, key, serializer=None):
        super().__init__(server, spider, key, serializer)
        settings = spider.crawler.settings
        self.keys = CrawlKeys(settings["FACETRADE_REDIS_CRAWL"])
        self.worker = settings["FACETRADE_WORKER_ID"]
        self._pop = server.register_script(_POP)
        self._push_new = server.register_script(_PUSH_NEW)

    def pop(self, timeout=0):
        token = uuid.uuid4().hex
        data = self._pop(keys=[self.key, self.keys.inflight(self.worker)], args=[token])
        if not data:
            return None
        request = self._decode_request(data)
        request.meta[LEASE_META] = token
        return request

    def push(self, request, fingerprint: str = "", seen_key: str = "") -> bool:
        """Queue a request unless ``fingerprint`` is already in ``seen_key``; say whether it was.

        The dupefilter's record and the queue entry are written by one Lua script: a worker
        killed between the two would otherwise leave a request marked seen but queued
        nowhere, and no worker would ever fetch it. A retry or redirect of a leased request
        takes over its lease in the same step.
        """
        token = request.meta.pop(LEASE_META, None)  # not stored: pop() gives a new one
        data = self._encode_request(request)
        queued = bool(self._push_new(keys=[seen_key or self.keys.dupefilter, self.key, self.keys.inflight(self.worker)],
                                     args=[fingerprint, -request.priority, data, token or ""]))
        if not queued and token:
            request.meta[LEASE_META] = token  # the dropped request's lease is acknowledged by its owner
        return queued

    def ack(self, request) -> None:
        """Forget a request whose outcome (requests, items) is safely in Redis."""
        token = request.meta.get(LEASE_META)
        if token:
            self.server.hdel(self.keys.inflight(self.worker), token)


class LeasedScheduler(Scheduler):
    """scrapy-redis's scheduler with the duplicate check and the push made one atomic step."""

    def enqueue_request(self, request):
        fingerprint = "" if request.dont_filter else self.df.request_fingerprint(request)
        if not self.queue.push(request, fingerprint, self.df.key):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True
