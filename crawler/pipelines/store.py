"""Store listings, sellers and versions in the findings database, one transaction per batch."""

from __future__ import annotations

import logging

from crawler.items import ImageItem, ListingItem, PageDone, SellerItem
from crawler.pipelines import run_of

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, run=None):
        self.run = run
        if run is not None:
            run.add_step(self.flush)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(run_of(crawler))

    def process_item(self, item):
        if self.run is None:
            return item
        if isinstance(item, ListingItem):
            self.run.batch.listings.append(item)
        elif isinstance(item, PageDone):
            self.run.batch.pages.append(item)
        elif isinstance(item, SellerItem):
            self.run.batch.sellers.append(item)
        elif isinstance(item, ImageItem):
            self.run.batch.images.append(item)  # written with the evidence
        return item

    def flush(self, batch) -> None:
        """Upsert the batch's listings and sellers (called inside the batch transaction)."""
        run = self.run
        if batch.listings:
            result = run.store.upsert_listings([i.record for i in batch.listings],
                                               source=f"crawl:{run.site}", seen_at=batch.seen_at)
            new, changed = set(result.new), set(result.changed)
            for item in batch.listings:
                ref = result.refs[(item.record.platform, item.record.listing_id)]
                item.listing_ref = ref
                item.status = "new" if ref in new else "changed" if ref in changed else "unchanged"
            run.counters.listings_new += len(new)
            run.counters.listings_changed += len(changed)
        for seller in batch.sellers:
            run.db.conn.execute(
                "INSERT INTO sellers (platform, seller_id, name, url, first_seen_at, last_seen_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (platform, seller_id) DO UPDATE SET"
                " name = coalesce(excluded.name, name), url = coalesce(excluded.url, url),"
                " last_seen_at = excluded.last_seen_at",
                (seller.platform, seller.seller_id, seller.name, seller.url, batch.seen_at, batch.seen_at))

