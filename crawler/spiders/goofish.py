"""Goofish (Xianyu) in a real browser: read the search API answers the page itself fetches."""

from __future__ import annotations

import asyncio
import json
import logging
from urllib.parse import quote

import scrapy
from scrapy_playwright.page import PageMethod

from crawler.items import Capture, PageDone, SellerItem
from crawler.middlewares.blocks import stop_for_block
from crawler.parsers import goofish
from crawler.spiders.base import FacetradeSpider

logger = logging.getLogger(__name__)
API_WAIT_SECONDS = 20.0
_APIS = (goofish.SEARCH_API, goofish.DETAIL_API, goofish.USER_HEAD_API)


def skip_heavy_resources(request) -> bool:
    """Do not download pictures, media and fonts: less load on the site, faster pages."""
    return request.resource_type in ("image", "media", "font")


class GoofishSpider(FacetradeSpider):
    name = "goofish"
    custom_settings = {
        "DOWNLOAD_HANDLERS": {
            "http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
            "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
        },
        "PLAYWRIGHT_ABORT_REQUEST": skip_heavy_resources,
    }

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        state = settings.get("FACETRADE_LOGIN_STATE")
        context = {"storage_state": state} if state else {}
        settings.set("PLAYWRIGHT_CONTEXTS", {"goofish": context}, priority="spider")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.queues: dict[int, asyncio.Queue] = {}
        self.open_pages: set = set()
        self.sellers_seen: set = {None}

    # -- API answers captured from the page ---------------------------------------------
    def _queue(self, page) -> asyncio.Queue:
        return self.queues.setdefault(id(page), asyncio.Queue())

    async def on_response(self, response) -> None:
        """Page event handler: keep the body of every search/detail API answer."""
        if not any(api in response.url for api in _APIS):
            return
        try:
            body = await response.body()
            headers = await response.all_headers()
        except Exception as exc:  # the page closed or navigated away mid-answer
            logger.debug("API answer %s lost: %s", response.url, exc)
            return
        self._queue(response.frame.page).put_nowait(Capture(
            url=response.url, body=body, status=response.status, kind="api_response",
            content_type=headers.get("content-type", ""), headers=list(headers.items())))

    async def next_answer(self, page, api: str) -> Capture | None:
        queue = self._queue(page)
        while True:
            try:
                capture = await asyncio.wait_for(queue.get(), API_WAIT_SECONDS)
            except asyncio.TimeoutError:
                return None
            if api in capture.url:
                return capture

    def _answered(self, page, api: str) -> Capture | None:
        """An API answer a page already received (its page itself may have failed later)."""
        queue = self.queues.pop(id(page), None) if page is not None else None
        while queue is not None and not queue.empty():
            capture = queue.get_nowait()
            if api in capture.url:
                return capture
        return None

    def envelope(self, capture: Capture, parse, *args):
        """Parse one API answer; None (logged, or the site stopped when blocked) if unusable."""
        try:
            text = capture.body.decode("utf-8")
        except UnicodeDecodeError:
            # GBK labelled as UTF-8 happens on Chinese sites; GB18030 reads every GBK byte.
            self.hostile(capture.url, "API answer is not the UTF-8 it claims; read as GB18030")
            text = capture.body.decode("gb18030", errors="replace")
        try:
            return parse(json.loads(text), *args)
        except ValueError as exc:
            if isinstance(exc, goofish.EnvelopeError) and exc.blocked:
                stop_for_block(self.crawler, f"{exc} at {capture.url}")
            else:
                self.hostile(capture.url, f"unusable API answer: {exc}")
            return None

    def browser_request(self, url: str, callback, errback=None, **cb_kwargs) -> scrapy.Request:
        meta = {"playwright": True, "playwright_include_page": True, "playwright_context": "goofish",
                "playwright_page_event_handlers": {"response": "on_response"}}
        wait_for = self.profile.raw.get("wait_for")
        if wait_for:
            # Hold the download slot until the page's own API call has answered, so pacing
            # covers the API calls and block pages are seen before the next page loads.
            meta["playwright_page_methods"] = [
                PageMethod("wait_for_selector", wait_for, state="attached", timeout=API_WAIT_SECONDS * 1000)]
        return scrapy.Request(url, callback=callback, errback=errback or self.page_failed, cb_kwargs=cb_kwargs,
                              dont_filter=True, meta=meta)

    def on_blocked(self) -> None:
        """Close every open page at once: their scripts would keep calling the blocked API."""
        for page in list(self.open_pages):
            asyncio.ensure_future(page.close())
        self.open_pages.clear()

    # -- search -----------------------------------------------------------------------------
    def search_url(self, query: str, page: int) -> str:
        return self.profile.url("search_url", query=quote(query), page=page)

    def first_request(self, query, page, url):
        return self.browser_request(url or self.search_url(query, page), self.parse_search,
                                    query=query, page_no=page)

    async def parse_search(self, response, query, page_no):
        page = response.meta["playwright_page"]
        self.open_pages.add(page)
        delay = float(self.settings.getfloat("DOWNLOAD_DELAY"))
        try:
            while True:
                capture = await self.next_answer(page, goofish.SEARCH_API)
                if capture is None:
                    self.hostile(response.url, f"no search API answer within {API_WAIT_SECONDS:.0f}s")
                    return
                parsed = self.envelope(capture, goofish.parse_search, self.profile.base_url)
                if parsed is None:
                    return
                listings, has_next = parsed
                more = has_next and self.more_pages(page_no)
                for item in self._page_items(listings, query, page_no, capture, more):
                    yield item
                if not more:
                    return
                await asyncio.sleep(delay)  # in-page pagination is not paced by Scrapy
                if self.run and self.run.blocked_reason:
                    return
                await page.click(self.profile.raw.get("next_button", ".search-pagination-arrow-right"))
                page_no += 1
        finally:
            self.queues.pop(id(page), None)
            self.open_pages.discard(page)
            await page.close()

    def _page_items(self, listings, query, page_no, capture, more):
        waiting = 0
        for listing in listings:
            out, waits = self.result_row(listing, query, capture, lambda listing=listing: self.browser_request(
                self.profile.url("item_url", id=listing["id"]), self.parse_detail, self.detail_failed,
                query=query, page_no=page_no, listing=listing))
            waiting += waits
            yield out
        next_url = self.search_url(query, page_no + 1) if more else None
        done = PageDone(query=query, page=page_no, next_url=next_url, last=next_url is None and self.more_pages(page_no),
                        listings=len(listings), capture=capture)
        finished = self.pages.start(done, waiting)
        if finished:
            yield finished

    # -- details and sellers ------------------------------------------------------------------
    async def parse_detail(self, response, query, page_no, listing):
        page = response.meta["playwright_page"]
        try:
            capture = await self.next_answer(page, goofish.DETAIL_API)
        finally:
            self.queues.pop(id(page), None)
            await page.close()
        detail = self.envelope(capture, goofish.parse_detail, self.profile.base_url) if capture else None
        if capture is None:
            self.hostile(response.url, "no detail API answer; keeping the search-result data")
        yield self.listing_item({**listing, **(detail or {})}, query, capture if detail else None)
        if detail and self.profile.fetch_sellers and detail.get("seller_id") not in self.sellers_seen:
            self.sellers_seen.add(detail.get("seller_id"))
            yield self.browser_request(self.profile.url("seller_url", seller_id=detail["seller_id"]),
                                       self.parse_seller, self.seller_failed, seller_id=detail["seller_id"])
        finished = self.pages.finish_one(query, page_no)
        if finished:
            yield finished

    async def detail_failed(self, failure):
        kwargs = failure.request.cb_kwargs
        page = failure.request.meta.get("playwright_page")
        capture = self._answered(page, goofish.DETAIL_API)
        if page is not None:
            await page.close()
        detail = self.envelope(capture, goofish.parse_detail, self.profile.base_url) if capture else None
        if "blocked" not in str(failure.value):
            kept = "using its API answer" if detail else "keeping the search-result data"
            self.hostile(failure.request.url, f"detail page failed ({kept}): {failure.value!r}")
        yield self.listing_item({**kwargs["listing"], **(detail or {})}, kwargs["query"], capture if detail else None)
        finished = self.pages.finish_one(kwargs["query"], kwargs["page_no"])
        if finished:
            yield finished

    async def parse_seller(self, response, seller_id):
        page = response.meta["playwright_page"]
        try:
            capture = await self.next_answer(page, goofish.USER_HEAD_API)
        finally:
            self.queues.pop(id(page), None)
            await page.close()
        head = self.envelope(capture, goofish.parse_user_head) if capture else None
        if head is None:
            self.hostile(response.url, "no usable seller page answer")
            return
        yield SellerItem(platform=self.profile.platform, seller_id=seller_id, name=head.get("name"),
                         url=response.url, capture=Capture(**{**vars(capture), "kind": "seller_page"}))

    async def seller_failed(self, failure):
        page = failure.request.meta.get("playwright_page")
        if page is not None:
            await page.close()
        if "blocked" not in str(failure.value):
            self.hostile(failure.request.url, f"seller page failed: {failure.value!r}")
