"""Open the findings database for a crawl, record the run, and close it with its outcome."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.run import CrawlRun

logger = logging.getLogger(__name__)


class CrawlRunExtension:
    def __init__(self, crawler, run: CrawlRun):
        self.crawler = crawler
        self.run = run

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.get("FACETRADE_DB"):
            raise NotConfigured("no FACETRADE_DB: not a facetrade crawl")
        run = CrawlRun(
            db_path=settings["FACETRADE_DB"], site=settings["FACETRADE_SITE"],
            platform=settings["FACETRADE_PLATFORM"], base_url=settings["FACETRADE_BASE_URL"],
            queries=settings.getlist("FACETRADE_QUERIES"), job=settings["FACETRADE_JOB"],
            warc_dir=settings.get("FACETRADE_WARC_DIR"))
        crawler.facetrade_run = run
        ext = cls(crawler, run)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        return ext

    def response_received(self, response, request, spider):
        self.crawler.stats.inc_value("crawlrun/responses")

    def spider_closed(self, spider, reason):
        try:
            self.run.close(reason)
        finally:
            summary = self.run.summary()
            stats = self.crawler.stats
            summary["requests"] = stats.get_value("downloader/request_count", 0)
            summary["responses"] = stats.get_value("response_received_count", 0)
            started = stats.get_value("start_time")
            summary["elapsed_seconds"] = (datetime.now(timezone.utc) - started).total_seconds() if started else None
            self.crawler.facetrade_summary = summary
            logger.info("crawl of %s closed (%s): %s", self.run.site, reason, summary)
