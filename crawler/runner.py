"""Run one site's crawl in this process (Scrapy's reactor starts once per process)."""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.profiles import SiteProfile, load_profile
from crawler.queries import crawl_queries

logger = logging.getLogger(__name__)

SPIDER_CLASSES = {
    "generic": "crawler.spiders.generic.GenericSpider",
    "taobao": "crawler.spiders.taobao.TaobaoSpider",
    "goofish": "crawler.spiders.goofish.GoofishSpider",
}


class CrawlError(RuntimeError):
    """A crawl that cannot start (bad site, no queries, job already running)."""


def default_jobdir(db_path: Path, profile: SiteProfile, queries: list[str]) -> Path:
    """var/jobs/SITE-HASH next to the database: one resumable job per site, URL and query set."""
    key = json.dumps([profile.base_url, sorted(queries)], ensure_ascii=False)
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]
    return Path(db_path).resolve().parent / "jobs" / f"{profile.name}-{digest}"


def build_settings(profile: SiteProfile, *, db_path, queries, jobdir: Path, polite: bool = True,
                   login_state: str | None = None, log_level: str = "WARNING",
                   delay: float | None = None, images: int | None = None,
                   image_maxsize: int | None = None) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    p = profile.politeness
    if polite:
        settings.set("DOWNLOAD_DELAY", float(p["download_delay"]), priority="project")
        settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", int(p["concurrency"]), priority="project")
        # One site per crawl: no more requests in the downloader than the site may get, so
        # nothing is left queued to go out after a block stops the crawl.
        settings.set("CONCURRENT_REQUESTS", int(p["concurrency"]), priority="project")
        settings.set("AUTOTHROTTLE_ENABLED", bool(p["autothrottle"]), priority="project")
        settings.set("ROBOTSTXT_OBEY", bool(p["obey_robots"]), priority="project")
        if delay is not None:  # the operator's explicit choice (e.g. a local test server)
            settings.set("DOWNLOAD_DELAY", float(delay), priority="project")
            settings.set("AUTOTHROTTLE_START_DELAY", max(float(delay), 0.01), priority="project")
    else:  # benchmarks only: measure the crawler, not the politeness delays
        settings.set("DOWNLOAD_DELAY", 0, priority="project")
        settings.set("DOWNLOAD_DELAY_JITTER", 0, priority="project")
        settings.set("AUTOTHROTTLE_ENABLED", False, priority="project")
        settings.set("CONCURRENT_REQUESTS", 32, priority="project")
        settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", 32, priority="project")
    settings.setdict({
        "FACETRADE_DB": str(db_path), "FACETRADE_SITE": profile.name,
        "FACETRADE_PLATFORM": profile.platform, "FACETRADE_BASE_URL": profile.base_url,
        "FACETRADE_QUERIES": list(queries), "FACETRADE_JOB": str(jobdir),
        "FACETRADE_POLITE": polite, "FACETRADE_LOGIN_STATE": login_state,
        "LOG_LEVEL": log_level,
        "LOG_INSTALL_ROOT_HANDLER": False,  # log through the CLI's handler and level
    }, priority="cmdline")
    if images is not None:  # pictures per flagged listing; 0 = none
        settings.set("FACETRADE_IMAGES_PER_LISTING", int(images), priority="cmdline")
    if image_maxsize is not None:
        settings.set("FACETRADE_IMAGE_MAXSIZE", int(image_maxsize), priority="cmdline")
    return settings


def run_crawl(site: str, *, db_path, queries: list[str] | None = None, max_pages: int | None = None,
              base_url: str | None = None, jobdir: str | None = None, polite: bool = True,
              login_state: str | None = None, log_level: str = "WARNING", delay: float | None = None,
              redis_url: str | None = None, images: int | None = None,
              image_maxsize: int | None = None) -> dict:
    """Crawl one site and return the run summary (status ``ok``, ``blocked`` or ``interrupted``)."""
    profile = load_profile(site, base_url=base_url)
    queries = list(queries or []) or profile.queries or crawl_queries(profile.name)
    if not queries:
        raise CrawlError("no queries: pass --query, or add seed queries to rules/queries.yml")
    if login_state and not Path(login_state).is_file():
        raise CrawlError(f"login state file not found: {login_state}")
    if redis_url:  # one worker of a distributed crawl: no local database (crawler.distributed)
        from crawler.distributed import run_worker
        return run_worker(profile, queries, redis_url=redis_url, max_pages=max_pages, jobdir=jobdir,
                          polite=polite, delay=delay, log_level=log_level, images=images,
                          image_maxsize=image_maxsize)
    job = Path(jobdir) if jobdir else default_jobdir(Path(db_path), profile, queries)
    job.mkdir(parents=True, exist_ok=True)
    lock = open(job / "lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        raise CrawlError(f"another crawl is using job directory {job}") from None
    (job / "job.json").write_text(json.dumps({"site": profile.name, "base_url": profile.base_url,
                                              "queries": queries, "db": str(db_path)}, ensure_ascii=False))
    settings = build_settings(profile, db_path=db_path, queries=queries, jobdir=job.resolve(),
                              polite=polite, login_state=login_state, log_level=log_level,
                              delay=delay, images=images, image_maxsize=image_maxsize)
    crawler = run_spider(settings, profile, queries, max_pages, log_level)
    lock.close()
    summary = getattr(crawler, "facetrade_summary", None)
    if summary is None:
        raise CrawlError("the crawl did not start; see the log above")
    summary["queries"] = queries
    return summary


def run_spider(settings, profile: SiteProfile, queries: list[str], max_pages: int | None, log_level: str):
    """Run the profile's spider to the end in this process (once: Scrapy's reactor cannot restart)."""
    _quiet_logging(log_level)
    process = CrawlerProcess(settings)
    _quiet_logging(log_level)  # CrawlerProcess installs its own log handler; quiet it again
    crawler = process.create_crawler(_spider_class(profile))
    process.crawl(crawler, profile=profile, queries=queries, max_pages=max_pages)
    process.start()
    return crawler


def _spider_class(profile: SiteProfile):
    from scrapy.utils.misc import load_object
    return load_object(SPIDER_CLASSES[profile.spider])


def _quiet_logging(level: str) -> None:
    """Log through the CLI's handler at ``level`` (Scrapy would otherwise open the root to DEBUG)."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    root.setLevel(level)
    for handler in root.handlers:
        handler.setLevel(level)
