"""Distributed crawls: workers share a scrapy-redis frontier and push items to Redis.

``facetrade crawl SITE --redis redis://HOST:PORT/DB`` runs one worker. Every worker of
the same site, base URL and query set joins the same crawl (or name it with --jobdir):
one scrapy-redis scheduler queue and dupefilter, so no page is fetched twice. Workers
never open the findings database; ``facetrade ingest-worker`` writes their items.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import uuid
import warnings
from pathlib import Path

import redis
from scrapy.exceptions import ScrapyDeprecationWarning

from crawler.profiles import SiteProfile
from crawler.redisqueue import CrawlKeys
from crawler.runner import CrawlError, build_settings, default_jobdir, run_spider

logger = logging.getLogger(__name__)


def crawl_name(profile: SiteProfile, queries: list[str], jobdir: str | None = None) -> str:
    """The crawl's name in Redis: the job directory's name, else SITE-HASH of URL and queries."""
    name = Path(jobdir).name if jobdir else default_jobdir(Path("."), profile, queries).name
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


def worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def check_redis(url: str) -> None:
    """Fail early, with the URL, when Redis is unreachable or the URL is malformed."""
    try:
        redis.Redis.from_url(url, socket_connect_timeout=5).ping()
    except ValueError as exc:
        raise CrawlError(f"bad --redis URL {url!r}: {exc} (expected redis://HOST:PORT/DB)") from None
    except redis.RedisError as exc:
        raise CrawlError(f"cannot reach Redis at {url}: {exc}") from None


def distributed_settings(settings, *, url: str, crawl: str, worker: str):
    """Turn a crawl's settings into a worker's: Redis frontier, Redis item export, no SQLite."""
    keys = CrawlKeys(crawl)
    extensions = dict(settings.getdict("EXTENSIONS"))
    extensions["crawler.extensions.distributed.DistributedWorker"] = 10
    extensions["crawler.extensions.crawlrun.CrawlRunExtension"] = None  # the ingest worker records runs
    spider_mw = dict(settings.getdict("SPIDER_MIDDLEWARES"))
    spider_mw["crawler.extensions.distributed.PagesDoneMiddleware"] = 950
    settings.setdict({
        "REDIS_URL": url,
        # scrapy-redis's scheduler (duplicate check and push made atomic) and dupefilter:
        # one shared frontier for all workers.
        "SCHEDULER": "crawler.redisqueue.LeasedScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,  # a worker leaving must not wipe the others' queue
        # Its priority queue, but pops are leases (see crawler.redisqueue).
        "SCHEDULER_QUEUE_CLASS": "crawler.redisqueue.LeasedPriorityQueue",
        "SCHEDULER_QUEUE_KEY": keys.requests, "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter,
        # Export first; flagged listings' pictures are requested once the listing is in Redis.
        "ITEM_PIPELINES": {"crawler.pipelines.redis_export.RedisExportPipeline": 100,
                           "crawler.pipelines.worker_images.WorkerImagesPipeline": 200},
        "EXTENSIONS": extensions, "SPIDER_MIDDLEWARES": spider_mw,
        "FACETRADE_DB": None,  # workers may run where the database is not
        "FACETRADE_REDIS_CRAWL": crawl, "FACETRADE_WORKER_ID": worker,
    }, priority="cmdline")
    return settings


def run_worker(profile: SiteProfile, queries: list[str], *, redis_url: str, max_pages=None,
               jobdir: str | None = None, polite: bool = True, delay=None,
               log_level: str = "WARNING", images: int | None = None, image_maxsize: int | None = None) -> dict:
    """Run one worker of a distributed crawl until the crawl ends or this worker is stopped."""
    check_redis(redis_url)
    # scrapy-redis 0.9 still passes spider= to Scrapy APIs; it works, the warnings are noise.
    warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning)
    crawl, worker = crawl_name(profile, queries, jobdir), worker_id()
    settings = build_settings(profile, db_path="", queries=queries, jobdir=Path(crawl), polite=polite,
                              log_level=log_level, delay=delay, images=images, image_maxsize=image_maxsize)
    distributed_settings(settings, url=redis_url, crawl=crawl, worker=worker)
    crawler = run_spider(settings, profile, queries, max_pages, log_level)
    ext = next((e for e in crawler.extensions.middlewares if hasattr(e, "keys")), None)
    stats = crawler.stats.get_stats()
    return {"site": profile.name, "crawl": crawl, "worker": worker, "queries": queries,
            "status": getattr(ext, "status", None) or "interrupted",
            "blocked_reason": stats.get("blocks/reason"),
            "requests": stats.get("downloader/request_count", 0),
            "items": sum(v for k, v in stats.items() if k.startswith("redis_export/"))}


def worker_summary(s: dict) -> str:
    """The lines `facetrade crawl --redis` prints when its worker stops."""
    state = "BLOCKED" if s["status"] == "blocked" else s["status"]
    lines = [f"{s['site']}: worker {s['worker']} of crawl {s['crawl']}: {state} — "
             f"{s['requests']} requests, {s['items']} items pushed to Redis"]
    if s["status"] == "ok":
        lines.append("the crawl is complete; `facetrade ingest-worker` records it in the database")
    elif s["status"] == "blocked":
        lines.append(f"BLOCKED — {s['blocked_reason'] or 'see the log'}; the queue is kept: "
                     "start workers again later to resume")
    else:
        lines.append("left before the crawl ended; its requests went back to the shared queue")
    return "\n".join(lines)
