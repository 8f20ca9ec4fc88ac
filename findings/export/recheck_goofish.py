"""Recheck Goofish listings in Chromium with the operator's login: judge the item page's detail API answer.

Goofish item pages are empty shells that their own JavaScript fills from signed mtop API
calls needing the login session, so a plain GET says nothing. Like the crawler, the recheck
opens the page in a real browser (scrapy-playwright, the crawler's launch settings) with the
saved login state and reads the detail API answer the page receives.
"""

from __future__ import annotations

import json
import logging
import re

import scrapy
from scrapy_playwright.page import PageMethod

from crawler.blocks import envelope_block_reason, response_block_reason
from crawler.items import Capture
from crawler.middlewares.blocks import stop_for_block
from crawler.parsers import goofish
from crawler.spiders.goofish import GoofishSpider, skip_heavy_resources
from findings.records import utcnow

logger = logging.getLogger(__name__)

BROWSER_SPIDERS = ("goofish",)  # profiles whose pages only a logged-in browser can read
CONTEXT = "recheck-goofish"
NEEDS_LOGIN = ("not checked: needs --login-state (Goofish item pages are filled from APIs that need"
               " the operator's login; save one with `facetrade crawl-login goofish`)")
# mtop codes of an item the platform deleted or took down.
GONE_CODES = re.compile(r"^FAIL_BIZ_ITEM_(DEL_NOT_FOUND|NOT_FOUND|NOT_EXIST|DELETED)")


def needs_browser(profile) -> bool:
    return profile is not None and profile.spider in BROWSER_SPIDERS


def browser_settings(login_state: str) -> dict:
    """Settings that send browser requests through scrapy-playwright; plain ones stay plain HTTP."""
    handler = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
    return {"DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
            "PLAYWRIGHT_ABORT_REQUEST": skip_heavy_resources,
            "PLAYWRIGHT_CONTEXTS": {CONTEXT: {"storage_state": login_state}}}


def judge_envelope(capture: Capture, listing_id: str) -> tuple[str, str, str | None]:
    """Return ``(outcome, detail, block_reason)`` for one detail API answer."""
    try:
        envelope = json.loads(capture.body.decode("utf-8", errors="replace"))
    except ValueError:
        return "unreachable", f"unusable detail API answer (not JSON) at {capture.url}", None
    reason = envelope_block_reason(envelope)
    if reason:
        return "unreachable", f"blocked: {reason}", reason
    ret = envelope.get("ret") if isinstance(envelope, dict) else None
    code = str(ret[0]) if isinstance(ret, list) and ret else ""
    if GONE_CODES.match(code):
        return "removed", f"detail API says {code!r}", None
    try:
        detail = goofish.parse_detail(envelope, "")
    except ValueError as exc:
        return "unreachable", f"detail API answered {exc}", None
    if detail["id"] != str(listing_id):
        return "unreachable", f"detail API answered for item {detail['id']}, not {listing_id}", None
    return "live", "detail API answered SUCCESS with the item", None


class BrowserRecheck:
    """Mixin for the recheck spider: Goofish targets go through Chromium, the rest stay HTTP."""

    # The crawler's own capture of the API answers a page receives (same queueing, same limits).
    _queue = GoofishSpider._queue
    on_response = GoofishSpider.on_response
    next_answer = GoofishSpider.next_answer
    _answered = GoofishSpider._answered

    def browser_request(self, target: dict, profile) -> scrapy.Request:
        meta = {"playwright": True, "playwright_include_page": True, "playwright_context": CONTEXT,
                "playwright_page_event_handlers": {"response": "on_response"}}
        wait_for = profile.raw.get("wait_for")
        if wait_for:  # hold the download slot until the page's API call answered: pacing covers it
            meta["playwright_page_methods"] = [PageMethod(
                "wait_for_selector", wait_for, state="attached", timeout=goofish_wait() * 1000)]
        return scrapy.Request(target["url"], callback=self.parse_browser, errback=self.browser_failed,
                              dont_filter=True, cb_kwargs={"target": target}, meta=meta)

    async def parse_browser(self, response, target):
        page = response.meta["playwright_page"]
        try:
            capture = await self.next_answer(page, goofish.DETAIL_API)
            text = "" if capture else await page.content()
        finally:
            self.queues.pop(id(page), None)
            await page.close()
        self._judge(target, capture, text, response.url)

    async def browser_failed(self, failure):
        page = failure.request.meta.get("playwright_page")
        capture = self._answered(page, goofish.DETAIL_API)
        if page is not None:
            await page.close()
        if capture is not None:  # the page failed later (e.g. waiting), but its API answered
            self._judge(failure.request.cb_kwargs["target"], capture, "", failure.request.url)
        else:
            self.failed(failure)

    def _judge(self, target: dict, capture: Capture | None, text: str, url: str) -> None:
        if capture is None:
            outcome, detail, reason = self._judge_page(text, url)
        else:
            outcome, detail, reason = judge_envelope(capture, target["listing_id"])
            capture = Capture(**{**vars(capture), "kind": "recheck"})
        if reason:
            stop_for_block(self.crawler, reason)
        self.results.append({**target, "outcome": outcome, "detail": detail,
                             "http_status": capture.status if capture else None,
                             "checked_at": utcnow(), "capture": capture})

    @staticmethod
    def _judge_page(text: str, url: str) -> tuple[str, str, str | None]:
        """No API answer seen: the rendered page may still show a block or the item-gone state."""
        from findings.export.recheck_spider import GONE_TEXT

        reason = response_block_reason(200, url, text.encode("utf-8"))
        if reason:
            return "unreachable", f"blocked: {reason}", reason
        match = GONE_TEXT.search(text)
        if match:
            return "removed", f"item page says {match.group(0)!r}", None
        return "unreachable", f"no detail API answer within {goofish_wait():.0f}s", None


def goofish_wait() -> float:
    from crawler.spiders import goofish as spider

    return spider.API_WAIT_SECONDS
