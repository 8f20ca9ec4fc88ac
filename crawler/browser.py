"""Which Chromium Playwright launches, and with which flags."""

from __future__ import annotations

import os
from pathlib import Path

ENV_CHROMIUM = "FACETRADE_CHROMIUM"
SYSTEM_CHROMIUM = "/usr/bin/chromium"
# Headless, no sandbox (we run as root in containers), and nothing that phones home.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def chromium_path() -> str | None:
    """The browser to launch: $FACETRADE_CHROMIUM, else Debian's, else Playwright's own."""
    override = os.environ.get(ENV_CHROMIUM)
    if override:
        return override
    return SYSTEM_CHROMIUM if Path(SYSTEM_CHROMIUM).exists() else None


def launch_options() -> dict:
    """PLAYWRIGHT_LAUNCH_OPTIONS for scrapy-playwright."""
    options: dict = {"headless": True, "args": list(CHROMIUM_ARGS)}
    path = chromium_path()
    if path:
        options["executable_path"] = path
    return options
