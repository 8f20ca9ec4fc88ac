"""Scrapy's retry, waiting longer before each new attempt (exponential backoff)."""

from __future__ import annotations

import asyncio
import logging

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware

logger = logging.getLogger(__name__)


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 30.0)

    def delay_for(self, request: Request) -> float:
        """1x, 2x, 4x … the base delay, capped, by the number of retries so far."""
        retries = max(1, int(request.meta.get("retry_times", 1)))
        return min(self.cap, self.base * 2 ** (retries - 1))

    async def _later(self, result):
        if isinstance(result, Request):
            delay = self.delay_for(result)
            logger.info("retrying %s in %.1fs (attempt %s)", result.url, delay, result.meta.get("retry_times"))
            await asyncio.sleep(delay)
        return result

    async def process_response(self, request, response):
        return await self._later(super().process_response(request, response))

    async def process_exception(self, request, exception):
        return await self._later(super().process_exception(request, exception))
