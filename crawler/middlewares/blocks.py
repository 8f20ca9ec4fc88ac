"""Stop a site's crawl when it answers with a block, captcha, rate limit or login wall."""

from __future__ import annotations

import logging

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.defer import deferred_from_coro

from crawler.blocks import response_block_reason
from crawler.pipelines import run_of

logger = logging.getLogger(__name__)


def stop_for_block(crawler, reason: str) -> None:
    """Record the block on the run and close the spider (once): never keep hammering."""
    run = run_of(crawler)
    first = run.block(reason) if run is not None else True
    if first:
        crawler.stats.set_value("blocks/reason", reason)
        hook = getattr(crawler.spider, "on_blocked", None)
        if hook is not None:
            hook()
        deferred_from_coro(crawler.engine.close_spider_async(reason="blocked"))


class BlockDetectionMiddleware:
    def __init__(self, crawler, enabled: bool = True):
        if not enabled:
            raise NotConfigured
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, crawler.settings.getbool("FACETRADE_BLOCK_DETECTION", True))

    def process_response(self, request, response):
        body = response.body if hasattr(response, "body") else b""
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        reason = response_block_reason(response.status, response.url, body, content_type)
        if reason is None and response.url != request.url:
            # A redirect to a punish/login page shows in the original request's history.
            chain = request.meta.get("redirect_urls") or []
            reason = next((response_block_reason(302, u, b"") for u in chain
                           if response_block_reason(302, u, b"")), None)
        if reason is None:
            return response
        self.crawler.stats.inc_value("blocks/responses")
        stop_for_block(self.crawler, reason)
        raise IgnoreRequest(f"blocked: {reason}")
