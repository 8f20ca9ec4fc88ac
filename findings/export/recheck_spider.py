"""A Scrapy spider that re-fetches reported listings and says: removed, still live, or unreachable.

It runs with the crawler's own settings (robots.txt, per-site delay, backoff retries) and
its block detection: a captcha, rate limit or login wall stops the recheck with the reason,
and the listings not reached are recorded as unreachable, never as removed. Goofish pages
only a logged-in browser can read go through Chromium (``recheck_goofish``).
"""

from __future__ import annotations

import logging
import re

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.items import Capture
from crawler.parsers.generic import extract_field, make_selector
from findings.export.recheck_goofish import BrowserRecheck, needs_browser
from findings.records import utcnow

logger = logging.getLogger(__name__)

GONE_STATUSES = (404, 410)
# Final URLs that are a marketplace's "this item is gone" page (Taobao redirects there).
GONE_URLS = re.compile(r"noitem\.htm|/item_not_found|/error/404", re.I)
# Page text of a removed listing, on sites that answer 200 for it.
GONE_TEXT = re.compile(
    "宝贝不存在|已下架或者被转移|信息已删除或不存在|商品已删除|不存在或已被删除|FAIL_BIZ_ITEM_DEL_NOT_FOUND"
    "|listing has been removed|no longer available|item not found", re.I)


def judge(status: int, url: str, text: str, title_found: bool | None) -> tuple[str, str]:
    """Return ``(outcome, detail)`` for one answered request."""
    if status in GONE_STATUSES:
        return "removed", f"HTTP {status}"
    if GONE_URLS.search(url):
        return "removed", f"redirected to the site's item-gone page {url}"
    if title_found:
        return "live", f"HTTP {status}, listing page with its title"
    match = GONE_TEXT.search(text[:200_000])
    if match:
        return "removed", f"HTTP {status}, page says {match.group(0)!r}"
    if title_found is False:
        return "unreachable", f"HTTP {status}, but the page is neither the listing nor a removal notice"
    return "live", f"HTTP {status}"


class RecheckSpider(BrowserRecheck, scrapy.Spider):
    name = "recheck"

    def __init__(self, *args, targets: list[dict], profiles: dict, results: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = targets
        self.profiles = profiles  # platform -> SiteProfile (or missing)
        self.results = results
        self.queues: dict = {}  # page -> the API answers it received (browser targets)

    async def start(self):
        for target in self.targets:
            profile = self.profiles.get(target["platform"])
            if needs_browser(profile):
                yield self.browser_request(target, profile)
                continue
            yield scrapy.Request(target["url"], callback=self.parse, errback=self.failed, dont_filter=True,
                                 cb_kwargs={"target": target},
                                 meta={"handle_httpstatus_list": list(GONE_STATUSES)})

    def _text(self, response, platform: str) -> str:
        profile = self.profiles.get(platform)
        if profile is not None and profile.encoding:
            return response.body.decode(profile.encoding, errors="replace")
        try:
            return response.body.decode("utf-8")
        except UnicodeDecodeError:
            return response.body.decode("gb18030", errors="replace")

    def _title_found(self, target: dict, text: str, url: str) -> bool | None:
        profile = self.profiles.get(target["platform"])
        spec = profile.fields("detail").get("title") if profile is not None and profile.spider == "generic" else None
        if spec is None:
            return None  # no selector to tell: judge by status and removal notices
        try:
            return bool(extract_field(make_selector(text, profile.raw.get("format", "html")), spec, url, "title"))
        except (ValueError, AttributeError):
            return False

    def parse(self, response, target):
        text = self._text(response, target["platform"])
        found = None if response.status in GONE_STATUSES else self._title_found(target, text, response.url)
        outcome, detail = judge(response.status, response.url, text, found)
        self.results.append({**target, "outcome": outcome, "detail": detail, "http_status": response.status,
                             "checked_at": utcnow(), "capture": Capture.from_response(response, kind="recheck")})

    def failed(self, failure):
        target = failure.request.cb_kwargs["target"]
        status = None
        if failure.check(HttpError):
            status = failure.value.response.status
            detail = f"HTTP {status}"
        elif failure.check(IgnoreRequest):
            detail = str(failure.value) or "request refused"
        else:
            detail = f"request failed: {failure.value!r}"[:500]
        self.results.append({**target, "outcome": "unreachable", "detail": detail, "http_status": status,
                             "checked_at": utcnow(), "capture": None})
