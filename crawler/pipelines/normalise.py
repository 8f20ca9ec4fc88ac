"""Validate and tidy a listing into a findings record; drop what cannot be stored."""

from __future__ import annotations

import html
import logging
import re

from scrapy.exceptions import DropItem

from findings.records import RecordError, record_from_dict

from crawler.items import ListingItem
from crawler.pipelines import run_of

logger = logging.getLogger(__name__)

_SPACES = re.compile(r"[ \t\r\f\v\u3000]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
# Longer text is padding or an attack, not a listing: keep the start, say it was cut.
_LIMITS = {"title": 2_000, "description": 100_000, "seller_name": 500, "location": 500}


def tidy(value):
    """Unescape entities and collapse runs of spaces, keeping single line breaks."""
    if not isinstance(value, str):
        return value
    value = html.unescape(value).replace("\x00", "")
    value = _BLANK_LINES.sub("\n", _SPACES.sub(" ", value))
    return value.strip()


class NormalisePipeline:
    def __init__(self, run=None):
        self.run = run

    @classmethod
    def from_crawler(cls, crawler):
        return cls(run_of(crawler))

    def process_item(self, item):
        if not isinstance(item, ListingItem):
            return item
        listing = {k: tidy(v) for k, v in item.listing.items()}
        for name, limit in _LIMITS.items():
            value = listing.get(name)
            if isinstance(value, str) and len(value) > limit:
                if self.run:
                    self.run.error("oversized %s (%s chars) cut to %s at %s", name, f"{len(value):,}",
                                   f"{limit:,}", listing.get("url"))
                listing[name] = value[:limit] + f" …[cut {len(value) - limit:,} characters]"
        try:
            item.record = record_from_dict(listing)
        except RecordError as exc:
            where = listing.get("url") or (item.capture.url if item.capture else "?")
            if self.run:
                self.run.error("unusable listing at %s: %s", where, exc)
            raise DropItem(f"unusable listing at {where}: {exc}")
        item.listing = listing
        return item
