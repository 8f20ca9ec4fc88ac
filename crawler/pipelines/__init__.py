"""Item pipelines, one step each: normalise → dedupe → store → classify → images → evidence."""


def run_of(crawler):
    """The CrawlRun the extension opened for this crawler (None outside facetrade crawls)."""
    return getattr(crawler, "facetrade_run", None)
