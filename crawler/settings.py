"""Scrapy settings for facetrade crawls: polite by default; every change says why."""

from crawler.browser import launch_options

BOT_NAME = "facetrade"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Say who we are: operators of a site can see and contact the monitoring party.
USER_AGENT = "facetrade/0.1 (+https://github.com/facetrade/facetrade; trust-and-safety monitoring)"
# Authorised monitoring obeys robots.txt (Scrapy's default project template does too).
ROBOTSTXT_OBEY = True
# One request at a time per site and a pause between them, unless a site profile says
# otherwise; AutoThrottle then slows down further when the site answers slowly.
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # ±50%, so requests do not tick like a metronome
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# Huge pages are an attack or a broken site: stop reading at 16 MB, warn at 4 MB.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
DOWNLOAD_TIMEOUT = 30
# Retry transient failures, with backoff (crawler.middlewares.retry). 429 and 403 are not
# retried: they mean "stop", and the block middleware ends the crawl for that site.
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408]
RETRY_BACKOFF_BASE = 1.0
RETRY_BACKOFF_MAX = 30.0
# Cookies carry login state (storage-state file / login page); keep them on.
COOKIES_ENABLED = True
# The telnet console and remote control open ports nobody asked for.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
# Breadth-first queues: all queries progress together, and page N+1 of a query follows
# page N, so "the query completed all its pages" is reached early and reliably.
DEPTH_PRIORITY = 1
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
# Items from one page are handled together; the store batches them into one transaction.
CONCURRENT_ITEMS = 200
# Dropped duplicates are expected (the same listing under two queries): keep them quiet.
DEFAULT_DROPITEM_LOG_LEVEL = "DEBUG"
LOG_LEVEL = "INFO"

DOWNLOADER_MIDDLEWARES = {
    # Replace Scrapy's retry with the backoff variant (same settings).
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.retry.BackoffRetryMiddleware": 550,
    # Sees responses before retry does (higher number = earlier for responses).
    "crawler.middlewares.blocks.BlockDetectionMiddleware": 590,
}
ITEM_PIPELINES = {
    "crawler.pipelines.normalise.NormalisePipeline": 100,
    "crawler.pipelines.dedupe.DedupePipeline": 200,
    "crawler.pipelines.store.StorePipeline": 300,
    "crawler.pipelines.classify.ClassifyPipeline": 400,
    "crawler.pipelines.images.ImagesPipeline": 450,
    "crawler.pipelines.evidence.EvidencePipeline": 500,
}
# Flagged listings' photos (the ID/face pictures on sale) are kept as evidence, because
# listings get taken down: the first few of each, never those of unflagged listings.
FACETRADE_IMAGES_PER_LISTING = 4  # 0 switches image evidence off (crawl --no-images)
# A listing photo is well under this; past it the download is cut off (hostile input).
FACETRADE_IMAGE_MAXSIZE = 8 * 1024 * 1024
EXTENSIONS = {
    # Opens the database, records the crawl run and commits batches (see run.py).
    "crawler.extensions.crawlrun.CrawlRunExtension": 0,
}

# scrapy-playwright, used by the Goofish spider only (its custom_settings switch it on).
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_LAUNCH_OPTIONS = launch_options()
PLAYWRIGHT_MAX_CONTEXTS = 1
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 4
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
