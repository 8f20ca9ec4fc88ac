"""Distributed workers: request flagged listings' pictures here, since the single writer runs no Scrapy."""

from __future__ import annotations

import logging

from scrapy.exceptions import NotConfigured
from scrapy_redis import connection

from findings.classify import record_input
from findings.records import RecordError, record_from_dict

from crawler import images
from crawler.items import ImageItem, ListingItem
from crawler.pipelines.classify import load_classifier
from crawler.pipelines.images import engine_open
from crawler.pipelines.normalise import tidy

logger = logging.getLogger(__name__)
# Pictures the writer was sent (kept, or refused for good), across crawls: "platform:id url".
DONE_KEY = "facetrade:images:done"


def done_member(platform: str, listing_id: str, url: str) -> str:
    return f"{platform}:{listing_id} {url}"


class WorkerImagesPipeline:
    """After the Redis export: classify each exported listing and queue its pictures if flagged.

    The ingest worker classifies again for the record; a worker only needs the verdict
    to decide which pictures to fetch. Picture requests go into the shared frontier, so
    any worker may fetch them, politely and once per crawl (the shared dupefilter). A
    picture whose ImageItem has been exported is remembered in Redis, and a later crawl
    does not request it again.
    """

    def __init__(self, crawler, server, classifier, *, per_listing: int, maxsize: int):
        self.crawler, self.server, self.classifier = crawler, server, classifier
        self.per_listing, self.maxsize = per_listing, maxsize

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.get("FACETRADE_REDIS_CRAWL"):
            raise NotConfigured("not a distributed crawl")
        per_listing = settings.getint("FACETRADE_IMAGES_PER_LISTING", 4)
        if per_listing <= 0:
            raise NotConfigured("listing images switched off")
        classifier, why = load_classifier()
        if classifier is None:
            logger.warning("%s; this worker requests no listing pictures", why)
            raise NotConfigured(why)
        return cls(crawler, connection.from_settings(settings), classifier, per_listing=per_listing,
                   maxsize=settings.getint("FACETRADE_IMAGE_MAXSIZE", 8 * 1024 * 1024))

    def process_item(self, item):
        if isinstance(item, ImageItem):  # already pushed to Redis (this runs after the export)
            self.server.sadd(DONE_KEY, done_member(item.platform, item.listing_id, item.url))
        elif isinstance(item, ListingItem) and not item.hit_only:
            self._request_pictures(item)
        return item

    def _request_pictures(self, item) -> None:
        try:
            record = record_from_dict({k: tidy(v) for k, v in item.listing.items()})
        except RecordError:
            return  # the writer names the unusable listing
        urls = images.wanted_urls(record.image_urls, self.per_listing)
        if not urls or not engine_open(self.crawler.engine):
            return
        result = self.classifier.classify([record_input(record)])[0]
        if int(result.get("label", 0)) != 1:
            return
        for url in urls:
            if self.server.sismember(DONE_KEY, done_member(record.platform, record.listing_id, url)):
                continue
            self.crawler.engine.crawl(images.image_request(
                self.crawler.spider, url, platform=record.platform, listing_id=record.listing_id,
                listing_ref=None, maxsize=self.maxsize))
            self.crawler.stats.inc_value("images/requested")
