"""Legacy Taobao search: ``g_page_config`` JSON in GBK pages, paginated by ``s=`` offset."""

from __future__ import annotations

import logging
from urllib.parse import quote

import scrapy

from crawler.items import Capture, PageDone
from crawler.parsers.taobao import PageConfigError, parse_detail, parse_page
from crawler.spiders.base import FacetradeSpider

logger = logging.getLogger(__name__)


class TaobaoSpider(FacetradeSpider):
    name = "taobao"

    def page_url(self, query: str, page: int, page_size: int) -> str:
        return self.profile.url("search_url", query=quote(query), page=page, offset=(page - 1) * page_size)

    def first_request(self, query, page, url):
        size = int(self.profile.page_size or 44)
        return scrapy.Request(url or self.page_url(query, page, size), callback=self.parse_results,
                              errback=self.page_failed, cb_kwargs={"query": query, "page": page, "size": size})

    def _text(self, response) -> str:
        # Legacy Taobao serves GBK, and not always with a truthful charset header.
        encoding = self.profile.encoding or getattr(response, "encoding", None) or "gbk"
        if encoding.lower() in ("gbk", "gb2312"):
            encoding = "gb18030"  # superset of GBK: never fails on characters GBK lacks
        return response.body.decode(encoding, errors="replace")

    def parse_results(self, response, query, page, size):
        try:
            listings, pager = parse_page(self._text(response), response.url)
        except PageConfigError as exc:
            self.hostile(response.url, str(exc))
            return
        capture = Capture.from_response(response, kind="search_page")
        waiting = 0
        for listing in listings:
            out, waits = self.result_row(listing, query, capture, lambda listing=listing: scrapy.Request(
                listing["url"], callback=self.parse_item, errback=self.item_failed,
                cb_kwargs={"query": query, "page": page, "listing": listing}))
            waiting += waits
            yield out
        size = int(pager.get("pageSize") or size)
        total = pager.get("totalPage")
        has_next = bool(listings) and (int(total) > page if str(total or "").isdigit() else len(listings) >= size)
        next_url = self.page_url(query, page + 1, size) if has_next and self.more_pages(page) else None
        if next_url:
            yield scrapy.Request(next_url, callback=self.parse_results, errback=self.page_failed,
                                 cb_kwargs={"query": query, "page": page + 1, "size": size})
        finished = self.pages.start(PageDone(query=query, page=page, next_url=next_url, last=not has_next,
                                             listings=len(listings), capture=capture), waiting)
        if finished:
            yield finished

    def parse_item(self, response, query, page, listing):
        text = self._text(response)
        if "宝贝不存在" in text or "/noitem" in response.url:
            self.hostile(response.url, "item page says the item is gone; keeping the search-result data")
        else:
            listing.update(parse_detail(text))
        yield self.listing_item(listing, query, Capture.from_response(response, kind="detail_page"))
        finished = self.pages.finish_one(query, page)
        if finished:
            yield finished

    def item_failed(self, failure):
        kwargs = failure.request.cb_kwargs
        if "blocked" not in str(failure.value):
            self.hostile(failure.request.url, f"item page failed, keeping the search-result data: {failure.value!r}")
        yield self.listing_item(kwargs["listing"], kwargs["query"], None)
        finished = self.pages.finish_one(kwargs["query"], kwargs["page"])
        if finished:
            yield finished
