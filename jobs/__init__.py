"""Scheduled crawl jobs: the jobs file, the scheduler, run records and alerts."""
