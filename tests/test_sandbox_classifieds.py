"""The HTML classifieds sandbox sites: next links, robots.txt, faults, takedowns, hostile pages."""

from __future__ import annotations

import io
import time

import httpx
import parsel
import pytest
from PIL import Image

from sandbox.testing import running_sandbox


@pytest.fixture(scope="module")
def sandbox():
    with running_sandbox(listings=600, seed=7, fail_rate=0, slow_rate=0) as base:
        yield base


@pytest.fixture(scope="module")
def truth(sandbox):
    return httpx.get(sandbox + "/_sandbox/manifest.json", timeout=30).json()


def crawl_ids(client: httpx.Client, url: str) -> list[str]:
    """Follow rel=next links from ``url`` and return the listing ids in page order."""
    ids = []
    while url:
        page = client.get(url)
        page.raise_for_status()
        sel = parsel.Selector(page.text)
        ids += sel.css("li.listing::attr(data-id)").getall()
        url = sel.css("a[rel=next]::attr(href)").get()
    return ids


@pytest.mark.parametrize("site", ["classifieds_zh", "classifieds_en"])
def test_next_links_reach_exactly_the_manifest_ids(sandbox, truth, site):
    info = truth["sites"][site]
    with httpx.Client(base_url=sandbox) as client:
        for query, expected in info["queries"].items():
            assert crawl_ids(client, info["urls"]["search_page"].format(query=query, page=1)) == expected
        assert crawl_ids(client, info["urls"]["browse_page"].format(page=1)) == info["listing_ids"]
    assert len(info["listing_ids"]) > 20  # more than one page


def test_detail_seller_and_images(sandbox, truth):
    info = truth["sites"]["classifieds_en"]
    item_id = info["listing_ids"][0]
    page = httpx.get(info["urls"]["item_page"].format(id=item_id))
    sel = parsel.Selector(page.text)
    assert sel.css("h1.title::text").get() == truth["listings"][item_id]["title"]
    seller_url = sandbox + sel.css("a.seller::attr(href)").get()
    with httpx.Client() as client:
        assert item_id in crawl_ids(client, seller_url)
    picture = httpx.get(sandbox + sel.css("img.photo::attr(src)").get())
    assert picture.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(picture.content)).size[0] > 100


def test_robots_txt_disallows_the_report_links_the_pages_carry(sandbox, truth):
    robots = httpx.get(sandbox + "/robots.txt").text
    assert "Disallow: /classifieds-zh/internal/" in robots
    page = httpx.get(truth["sites"]["classifieds_zh"]["urls"]["browse_page"].format(page=1)).text
    assert "/classifieds-zh/internal/report?id=" in page
    before = httpx.get(sandbox + "/_sandbox/stats.json").json().get("robots/disallowed_hits", 0)
    httpx.get(sandbox + "/classifieds-zh/internal/report?id=1")
    assert httpx.get(sandbox + "/_sandbox/stats.json").json()["robots/disallowed_hits"] == before + 1


def test_takedown_gives_404_and_leaves_search(sandbox, truth):
    info = truth["sites"]["classifieds_zh"]
    item_id = info["queries"]["四件套"][0]
    url = info["urls"]["item_page"].format(id=item_id)
    assert httpx.get(url).status_code == 200
    httpx.post(sandbox + "/_sandbox/remove", json={"ids": [item_id]})
    try:
        assert httpx.get(url).status_code == 404
        with httpx.Client() as client:
            assert item_id not in crawl_ids(client, info["urls"]["search_page"].format(query="四件套", page=1))
    finally:
        httpx.post(sandbox + "/_sandbox/reset")
    assert httpx.get(url).status_code == 200


def test_hostile_listings(sandbox, truth):
    hostile = {kind: item for item, kind in truth["hostile"]["listings"].items()
               if "classifieds_zh" in truth["listings"][item]["sites"]}
    item_url = truth["sites"]["classifieds_zh"]["urls"]["item_page"]
    huge = httpx.get(item_url.format(id=hostile["huge_page"]))
    assert len(huge.content) > 3_000_000
    wrong = httpx.get(item_url.format(id=hostile["wrong_charset"]))
    assert "utf-8" in wrong.headers["content-type"]
    with pytest.raises(UnicodeDecodeError):
        wrong.content.decode("utf-8")
    script = httpx.get(item_url.format(id=hostile["script_title"])).text
    assert "&lt;script&gt;" in script
    bomb = httpx.get(f"{sandbox}/classifieds-zh/img/{hostile['bomb_image']}-1.jpg").content
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(bomb)).load()
    big = httpx.get(f"{sandbox}/classifieds-zh/img/{hostile['huge_image']}-1.jpg").content
    assert len(big) > 5_000_000
    broken = httpx.get(item_url.format(id=hostile["broken_html"])).text
    assert not broken.rstrip().endswith("</html>")


def test_faults_500_once_per_url_then_succeed_and_slow_pages_wait():
    options = dict(listings=200, fail_rate=0.3, slow_rate=0.2, slow_seconds=0.5)
    with running_sandbox(**options) as base:
        urls = [f"{base}/classifieds-en/listings?page={n}" for n in range(1, 4)] + \
               [f"{base}/classifieds-en/search?q={q}" for q in ("bike", "face", "lock", "photo", "sofa", "x")]
        first = [httpx.get(u).status_code for u in urls]
        assert 500 in first
        timings = []
        for url in urls:
            started = time.monotonic()
            assert httpx.get(url).status_code == 200
            timings.append(time.monotonic() - started)
        stats = httpx.get(base + "/_sandbox/stats.json").json()
        assert stats["classifieds_en/errors_500"] == first.count(500)
        slow_pages = stats.get("classifieds_en/slow", 0)
        assert sum(t >= 0.5 for t in timings) * 2 == slow_pages  # slow on both passes
        with running_sandbox(**options) as again:
            assert [httpx.get(u.replace(base, again)).status_code for u in urls] == first  # deterministic
