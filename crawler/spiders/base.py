"""What every facetrade spider shares: queries, resuming, page accounting, hostile pages."""

from __future__ import annotations

import logging

import scrapy
from scrapy.exceptions import DownloadCancelledError
from twisted.internet.defer import CancelledError

from crawler.images import ImageRefused, check_image
from crawler.items import Capture, ImageItem, ListingItem, PageDone
from crawler.pipelines import run_of
from crawler.profiles import SiteProfile

logger = logging.getLogger(__name__)


class PageTracker:
    """Holds a page's PageDone until all of its detail requests have come back."""

    def __init__(self):
        self.open: dict[tuple[str, int], list] = {}

    def start(self, done: PageDone, waiting: int) -> PageDone | None:
        if waiting <= 0:
            return done
        self.open[(done.query, done.page)] = [waiting, done]
        return None

    def finish_one(self, query: str, page: int) -> PageDone | None:
        entry = self.open.get((query, page))
        if entry is None:
            return None
        entry[0] -= 1
        if entry[0] > 0:
            return None
        return self.open.pop((query, page))[1]


class FacetradeSpider(scrapy.Spider):
    """Base: subclasses implement ``first_request(query, page, url)`` and the callbacks."""

    def __init__(self, *args, profile: SiteProfile, queries: list[str], max_pages: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.profile = profile
        self.queries = queries
        self.max_pages = max_pages
        self.pages = PageTracker()
        self.detail_seen: set[str] = set()

    @property
    def run(self):
        return run_of(self.crawler)

    async def start(self):
        for query in self.queries:
            point = self.run.journal.resume_point(query) if self.run else (0, None)
            if point is None:
                logger.info("query %r already complete in this job; skipping", query)
                continue
            page, url = point
            if page:
                logger.info("resuming query %r after page %s", query, page)
            yield self.first_request(query, page + 1, url)

    def first_request(self, query: str, page: int, url: str | None):
        raise NotImplementedError

    def more_pages(self, page: int) -> bool:
        """False once --max-pages result pages of a query have been read."""
        return self.max_pages is None or page < self.max_pages

    def hostile(self, url: str, reason: str) -> None:
        """Log (with URL and reason) and count a page we could not use; the crawl goes on."""
        if self.run:
            self.run.error("unusable page %s: %s", url, reason)
        else:
            logger.warning("unusable page %s: %s", url, reason)
        self.crawler.stats.inc_value("pages/unusable")

    def page_failed(self, failure):
        """Errback of result pages: the query stays incomplete (no removals marked)."""
        request = failure.request
        if "blocked" not in str(failure.value):
            self.hostile(request.url, f"request failed: {failure.value!r}")

    def listing_item(self, listing: dict, query: str, capture: Capture | None,
                     hit_only: bool = False) -> ListingItem:
        listing.setdefault("platform", self.profile.platform)
        return ListingItem(listing=listing, query=query, capture=capture, hit_only=hit_only)

    def wants_detail(self, listing: dict) -> bool:
        """Fetch a listing's detail page once per crawl, when the profile asks for details."""
        key = str(listing.get("id"))
        if not self.profile.fetch_details or key in self.detail_seen:
            return False
        self.detail_seen.add(key)
        return True

    def known_detail(self, listing: dict) -> bool:
        """True when this listing's detail page is already fetched or on its way."""
        return self.profile.fetch_details and str(listing.get("id")) in self.detail_seen

    def result_row(self, listing: dict, query: str, capture: Capture | None, detail) -> tuple[object, bool]:
        """Return what a search-result listing becomes, and whether its page waits for it.

        A listing whose detail page is already fetched counts as a hit only; one the
        profile wants details for becomes ``detail()``, the request for that page (pass
        ``detail=None`` when there is no page to fetch); otherwise it is stored as found.
        """
        if self.known_detail(listing):
            return self.listing_item(listing, query, None, hit_only=True), False
        if detail is not None and self.wants_detail(listing):
            return detail(), True
        return self.listing_item(listing, query, capture), False

    def parse_image(self, response, platform: str, listing_id: str, listing_ref: int | None = None):
        """A flagged listing's picture: keep it if it really is an image, else say why not."""
        url = (response.request.meta.get("redirect_urls") or [response.url])[0]
        try:
            content_type = check_image(response.body)
        except ImageRefused as exc:
            yield self.image_refused(platform, listing_id, url, str(exc), listing_ref)
            return
        capture = Capture.from_response(response, kind="image")
        capture.content_type = content_type  # what the bytes are, whatever the header said
        yield ImageItem(platform=platform, listing_id=listing_id, url=url, capture=capture,
                        listing_ref=listing_ref)

    def image_failed(self, failure):
        """Errback of pictures: too large is refused for good; other failures are retried next crawl."""
        request, kwargs = failure.request, failure.request.cb_kwargs
        if "blocked" in str(failure.value):
            return
        url = (request.meta.get("redirect_urls") or [request.url])[0]
        if failure.check(DownloadCancelledError, CancelledError):
            limit = request.meta.get("download_maxsize") or 0
            reason = f"larger than the {limit / 1048576:g} MB image limit; download stopped"
            yield self.image_refused(kwargs["platform"], kwargs["listing_id"], url, reason,
                                     kwargs.get("listing_ref"))
            return
        # Nothing is recorded, so the next crawl tries this picture again.
        self._image_warning(kwargs["platform"], kwargs["listing_id"], url,
                            f"download failed ({failure.value!r}); the next crawl tries again")
        self.crawler.stats.inc_value("images/failed")

    def image_refused(self, platform, listing_id, url, reason, listing_ref=None) -> ImageItem:
        """Log and count a picture refused for good; the item records it so no crawl fetches it again."""
        self._image_warning(platform, listing_id, url, reason)
        self.crawler.stats.inc_value("images/refused")
        return ImageItem(platform=platform, listing_id=listing_id, url=url, refused=reason,
                         listing_ref=listing_ref)

    def _image_warning(self, platform, listing_id, url, reason) -> None:
        message = "image of listing %s:%s not kept: %s: %s"
        if self.run:
            self.run.error(message, platform, listing_id, url, reason)
        else:
            logger.warning(message, platform, listing_id, url, reason)
