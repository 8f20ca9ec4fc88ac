"""Queue the pictures of newly stored flagged listings through Scrapy, so they outlive takedowns."""

from __future__ import annotations

import logging

from scrapy.exceptions import NotConfigured

from crawler import images
from crawler.items import ListingItem
from crawler.pipelines import run_of

logger = logging.getLogger(__name__)


def engine_open(engine) -> bool:
    """True while the engine still takes new requests (not stopping for a block or the end)."""
    slot = getattr(engine, "_slot", None)
    return bool(getattr(engine, "running", False)) and slot is not None and slot.closing is None


class ImagesPipeline:
    """Flush step after classification: request the first N pictures of each flagged listing.

    Only flagged listings (label 1): ordinary sellers' photos are not hoarded. Requests go
    through the scheduler and downloader like any page, so robots.txt, the site's delay,
    AutoThrottle and block detection apply to them too. A picture already kept (or
    refused for good) for that listing is never requested again, in this crawl or later.
    """

    def __init__(self, run=None, crawler=None, *, per_listing: int = 4, maxsize: int = 8 * 1024 * 1024):
        if per_listing <= 0:
            raise NotConfigured("listing images switched off")
        self.run, self.crawler = run, crawler
        self.per_listing, self.maxsize = per_listing, maxsize
        self.requested: set[tuple[int, str]] = set()
        if run is not None:
            run.add_step(self.flush)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(run_of(crawler), crawler, per_listing=settings.getint("FACETRADE_IMAGES_PER_LISTING", 4),
                   maxsize=settings.getint("FACETRADE_IMAGE_MAXSIZE", 8 * 1024 * 1024))

    def process_item(self, item):
        return item

    def flush(self, batch) -> None:
        """Request the missing pictures of the batch's flagged listings (after classify)."""
        flagged = [i for i in batch.listings if isinstance(i, ListingItem) and i.listing_ref
                   and i.result and int(i.result.get("label", 0)) == 1]
        if not flagged or self.crawler is None:
            return
        engine, spider = self.crawler.engine, self.crawler.spider
        if not engine_open(engine):
            logger.info("crawl closing: pictures of %s flagged listings left for the next crawl", len(flagged))
            return
        for item in flagged:
            for url in self._missing(item):
                self.requested.add((item.listing_ref, url))
                engine.crawl(images.image_request(
                    spider, url, platform=item.record.platform, listing_id=item.record.listing_id,
                    listing_ref=item.listing_ref, maxsize=self.maxsize))
                self.crawler.stats.inc_value("images/requested")

    def _missing(self, item) -> list[str]:
        wanted = images.wanted_urls(item.record.image_urls, self.per_listing)
        if not wanted:
            return []
        known = images.known_urls(self.run.db.conn, item.listing_ref)
        return [u for u in wanted if u not in known and (item.listing_ref, u) not in self.requested]
