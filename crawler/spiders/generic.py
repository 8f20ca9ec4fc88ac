"""A spider driven entirely by a site profile: search URL, selectors, next page, details."""

from __future__ import annotations

import logging
from urllib.parse import quote

import scrapy

from crawler.items import Capture, PageDone, SellerItem
from crawler.parsers.generic import extract_field, extract_items, make_selector
from crawler.spiders.base import FacetradeSpider

logger = logging.getLogger(__name__)


class GenericSpider(FacetradeSpider):
    name = "generic"

    def first_request(self, query, page, url):
        url = url or self.profile.url("search_url", query=quote(query), page=page,
                                      offset=(page - 1) * (self.profile.page_size or 0))
        return scrapy.Request(url, callback=self.parse_results, errback=self.page_failed,
                              cb_kwargs={"query": query, "page": page})

    def _text(self, response):
        if self.profile.encoding:
            # The profile knows better than a lying Content-Type header.
            return response.body.decode(self.profile.encoding, errors="replace")
        encoding = (getattr(response, "encoding", None) or "utf-8").lower().replace("_", "-")
        if encoding in ("utf-8", "utf8"):
            try:
                return response.body.decode("utf-8")
            except UnicodeDecodeError:
                # Chinese sites mislabel GBK pages as UTF-8; GB18030 decodes every GBK page.
                self.hostile(response.url, "page is not the UTF-8 its headers claim; read as GB18030")
                return response.body.decode("gb18030", errors="replace")
        return response.text

    def parse_results(self, response, query, page):
        fmt = self.profile.raw.get("format", "html")
        try:
            root = make_selector(self._text(response), fmt)
            records, problems = extract_items(root, self.profile.selector("list", "items"),
                                              self.profile.fields("list"), response.url)
        except (ValueError, AttributeError) as exc:
            self.hostile(response.url, f"cannot parse result page: {exc}")
            return
        for problem in problems:
            self.hostile(response.url, problem)
        capture = Capture.from_response(response, kind="search_page")
        next_url = self._next_url(root, response, query, page, len(records))
        waiting = 0
        for record in records:
            if not (record.get("id") and record.get("title") and record.get("url")):
                # Without an id, a title and a link it cannot be stored or reviewed.
                self.hostile(response.url, f"listing without id/title/link skipped: {str(record)[:200]}")
                continue
            detail = (lambda record=record: scrapy.Request(
                record["url"], callback=self.parse_detail, errback=self.detail_failed,
                cb_kwargs={"query": query, "page": page, "listing": record})) if record.get("url") else None
            out, waits = self.result_row(record, query, capture, detail)
            waiting += waits
            yield out
            yield from self._seller_request(record)
        if next_url:
            yield scrapy.Request(next_url, callback=self.parse_results, errback=self.page_failed,
                                 cb_kwargs={"query": query, "page": page + 1})
        done = PageDone(query=query, page=page, next_url=next_url, last=next_url is None and self.more_pages(page),
                        listings=len(records), capture=capture)
        finished = self.pages.start(done, waiting)
        if finished:
            yield finished

    def _next_url(self, root, response, query, page, count):
        spec = self.profile.selector("list", "next_page")
        if spec is None or not self.more_pages(page):
            return None
        found = extract_field(root, spec, response.url, "url")
        return found if found and found != response.url else None

    def parse_detail(self, response, query, page, listing):
        try:
            root = make_selector(self._text(response), self.profile.raw.get("format", "html"))
            for name, spec in self.profile.fields("detail").items():
                value = extract_field(root, spec, response.url, name)
                if value not in (None, "", []):
                    listing[name] = value
        except (ValueError, AttributeError) as exc:
            self.hostile(response.url, f"cannot parse detail page: {exc}")
        yield self.listing_item(listing, query, Capture.from_response(response, kind="detail_page"))
        finished = self.pages.finish_one(query, page)
        if finished:
            yield finished

    def detail_failed(self, failure):
        kwargs = failure.request.cb_kwargs
        if "blocked" not in str(failure.value):
            self.hostile(failure.request.url, f"detail failed, keeping the result-page data: {failure.value!r}")
        yield self.listing_item(kwargs["listing"], kwargs["query"], None)
        finished = self.pages.finish_one(kwargs["query"], kwargs["page"])
        if finished:
            yield finished

    def _seller_request(self, record):
        url = record.get("seller_url")
        if self.profile.fetch_sellers and url and record.get("seller_id"):
            yield scrapy.Request(url, callback=self.parse_seller, errback=self.seller_failed,
                                 cb_kwargs={"seller_id": str(record["seller_id"])})

    def parse_seller(self, response, seller_id):
        name = None
        spec = self.profile.selector("seller", "name")
        if spec is not None:
            try:
                name = extract_field(make_selector(self._text(response), "html"), spec, response.url, "name")
            except (ValueError, AttributeError) as exc:
                self.hostile(response.url, f"cannot parse seller page: {exc}")
        yield SellerItem(platform=self.profile.platform, seller_id=seller_id, name=name, url=response.url,
                         capture=Capture.from_response(response, kind="seller_page"))

    def seller_failed(self, failure):
        if "blocked" not in str(failure.value):
            self.hostile(failure.request.url, f"seller page failed: {failure.value!r}")
