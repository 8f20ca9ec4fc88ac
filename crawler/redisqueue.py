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

    def pop(self, timeout=0):
        token = uuid.uuid4().hex
        data = self._pop(keys=[self.key, self.keys.inflight(self.worker)], args=[token])
        if not data:
            return None
        request = self._decode_request(data)
        request.meta[LEASE_META] = token
        return request

    def push(self, request):
        """Queue a request; a retry or redirect of a leased request takes over its lease."""
        token = request.meta.pop(LEASE_META, None)
        data = self._encode_request(request)
        pipe = self.server.pipeline(transaction=True)
        pipe.execute_command("ZADD", self.key, -request.priority, data)
        if token:
            pipe.hdel(self.keys.inflight(self.worker), token)
        pipe.execute()

    def ack(self, request) -> None:
        """Forget a request whose outcome (requests, items) is safely in Redis."""
        token = request.meta.get(LEASE_META)
        if token:
            self.server.hdel(self.keys.inflight(self.worker), token)
