"""The shared frontier of distributed crawls on a real redis-server: duplicate check, push, leases."""

from __future__ import annotations

import pytest
import redis
import scrapy
from scrapy.utils.test import get_crawler

from crawler.redislocal import redis_server_path, running_redis
from crawler.redisqueue import LEASE_META, CrawlKeys, LeasedScheduler

pytestmark = pytest.mark.skipif(redis_server_path() is None, reason="redis-server is not installed")


class _Spider(scrapy.Spider):
    name = "frontier_test"


@pytest.fixture
def frontier():
    with running_redis() as url:
        keys = CrawlKeys("t1")
        crawler = get_crawler(_Spider, {
            "REDIS_URL": url, "SCHEDULER_PERSIST": True, "REMOTE_CONTROL_ENABLED": False,
            "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
            "SCHEDULER_QUEUE_CLASS": "crawler.redisqueue.LeasedPriorityQueue",
            "SCHEDULER_QUEUE_KEY": keys.requests, "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter,
            "FACETRADE_REDIS_CRAWL": "t1", "FACETRADE_WORKER_ID": "w1"})
        spider = _Spider.from_crawler(crawler)
        crawler.spider = spider
        scheduler = LeasedScheduler.from_crawler(crawler)
        scheduler.open(spider)
        yield scheduler, redis.Redis.from_url(url), keys


def test_a_new_request_is_recorded_and_queued_and_a_repeat_is_refused(frontier):
    scheduler, server, keys = frontier
    assert scheduler.enqueue_request(scrapy.Request("http://shop.example/item/1"))
    assert server.zcard(keys.requests) == 1 and server.scard(keys.dupefilter) == 1
    assert not scheduler.enqueue_request(scrapy.Request("http://shop.example/item/1"))
    assert server.zcard(keys.requests) == 1
    assert scheduler.enqueue_request(scrapy.Request("http://shop.example/item/1", dont_filter=True))
    assert server.zcard(keys.requests) == 2, "dont_filter requests skip the duplicate check"


def test_a_popped_request_is_leased_until_its_retry_takes_the_lease_over(frontier):
    scheduler, server, keys = frontier
    scheduler.enqueue_request(scrapy.Request("http://shop.example/item/2"))
    leased = scheduler.next_request()
    assert leased.meta[LEASE_META] and server.hlen(keys.inflight("w1")) == 1
    assert server.zcard(keys.requests) == 0
    # a retry is the same request again with dont_filter: queued, and the lease goes with it
    assert scheduler.enqueue_request(leased.replace(dont_filter=True))
    assert server.hlen(keys.inflight("w1")) == 0 and server.zcard(keys.requests) == 1


def test_a_refused_redirect_keeps_its_lease_for_the_owner_to_acknowledge(frontier):
    scheduler, server, keys = frontier
    scheduler.enqueue_request(scrapy.Request("http://shop.example/item/3"))
    scheduler.enqueue_request(scrapy.Request("http://shop.example/item/4"))
    leased = scheduler.next_request()
    other = "http://shop.example/item/4" if leased.url.endswith("/3") else "http://shop.example/item/3"
    redirect = leased.replace(url=other)  # already seen: refused
    assert not scheduler.enqueue_request(redirect)
    assert redirect.meta.get(LEASE_META) == leased.meta[LEASE_META]
    assert server.hlen(keys.inflight("w1")) == 1, "still in flight until the worker acknowledges it"
    scheduler.queue.ack(redirect)
    assert server.hlen(keys.inflight("w1")) == 0
