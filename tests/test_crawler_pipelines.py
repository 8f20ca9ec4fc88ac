"""The normalise and dedupe steps on their own (built directly, as Scrapy's own tests do)."""

from __future__ import annotations

import pytest
from scrapy.exceptions import DropItem

from crawler.items import ListingItem
from crawler.pipelines.dedupe import DedupePipeline
from crawler.pipelines.normalise import NormalisePipeline


def item(**listing):
    return ListingItem(listing={"platform": "demo", "id": "1", "title": "t", "url": "http://x/1", **listing},
                       query="q")


def test_oversized_description_is_cut_not_dropped():
    out = NormalisePipeline().process_item(item(description="填充 " * 200_000, title="&lt;b&gt;四件套  懂的来"))
    assert out.record.title == "<b>四件套 懂的来"  # entities decoded to text, spaces collapsed
    assert len(out.record.description) < 100_100 and out.record.description.endswith("characters]")


def test_listing_without_title_is_dropped_with_the_reason():
    with pytest.raises(DropItem, match="missing 'title'"):
        NormalisePipeline().process_item(item(title="   "))


def test_second_sighting_in_one_crawl_is_dropped():
    dedupe, normalise = DedupePipeline(), NormalisePipeline()
    assert dedupe.process_item(normalise.process_item(item())) is not None
    with pytest.raises(DropItem, match="duplicate"):
        dedupe.process_item(normalise.process_item(item()))
