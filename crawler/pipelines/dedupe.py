"""Drop listings already handled in this crawl (one listing shown by several queries/pages)."""

from __future__ import annotations

from scrapy.exceptions import DropItem

from crawler.items import ListingItem
from crawler.pipelines import run_of


class DedupePipeline:
    def __init__(self, run=None):
        self.run = run
        self.seen: set[tuple[str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(run_of(crawler))

    def process_item(self, item):
        if not isinstance(item, ListingItem):
            return item
        key = (item.record.platform, item.record.listing_id)
        if self.run:
            # Each query still "found" it: that is what removal detection compares against.
            self.run.batch.hits.append((item.query, item.record.listing_id))
        if item.hit_only:
            raise DropItem(f"{key[0]}:{key[1]} also found by {item.query!r}", log_level="DEBUG")
        if self.run:
            self.run.counters.listings_seen += key not in self.seen
        if key in self.seen:
            raise DropItem(f"duplicate {key[0]}:{key[1]} (already stored in this crawl)", log_level="DEBUG")
        self.seen.add(key)
        return item
