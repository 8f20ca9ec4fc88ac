"""Downloader middlewares: block detection and retries with backoff."""
