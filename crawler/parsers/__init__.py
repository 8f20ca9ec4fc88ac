"""Pure functions that turn marketplace responses into listing dicts (no Scrapy needed)."""
