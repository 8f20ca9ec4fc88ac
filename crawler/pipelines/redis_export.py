"""Distributed crawls: hand every item to the Redis item list instead of writing SQLite here."""

from __future__ import annotations

import logging

from scrapy.exceptions import NotConfigured
from scrapy_redis import connection

from crawler import itemwire
from crawler.redisqueue import ITEMS_KEY

logger = logging.getLogger(__name__)


class RedisExportPipeline:
    """Push items to ``facetrade:items``; ``facetrade ingest-worker`` is the single writer."""

    def __init__(self, server, crawl: str, stats=None):
        self.server, self.crawl, self.stats = server, crawl, stats

    @classmethod
    def from_crawler(cls, crawler):
        crawl = crawler.settings.get("FACETRADE_REDIS_CRAWL")
        if not crawl:
            raise NotConfigured("not a distributed crawl")
        return cls(connection.from_settings(crawler.settings), crawl, crawler.stats)

    def process_item(self, item, spider=None):
        try:
            message = itemwire.encode(item, self.crawl)
        except itemwire.WireError as exc:
            logger.warning("not exported: %s", exc)
            return item
        # Synchronous on purpose: the request that produced the item is acknowledged
        # only after this returns, so a killed worker cannot lose a pushed item's source.
        self.server.rpush(ITEMS_KEY, message)
        if self.stats is not None:
            self.stats.inc_value(f"redis_export/{type(item).__name__}")
        return item
