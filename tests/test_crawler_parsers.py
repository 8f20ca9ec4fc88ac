"""The marketplace parsers on real captured responses (skipped when ../shared is absent)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.blocks import envelope_block_reason, response_block_reason
from crawler.parsers import goofish, taobao
from crawler.parsers.generic import extract_items, make_selector, normalise_spec
from findings.records import record_from_dict

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "real"
needs_real = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/fixtures/real is absent")
BASE = "https://www.goofish.com"


def _load(name):
    return json.loads((REAL / name).read_text(encoding="utf-8"))


@needs_real
def test_goofish_pc_search_capture_gives_every_row_with_display_price():
    listings, has_next = goofish.parse_search(_load("goofish_pc_search_iphone15_2026-09_trimmed.json"), BASE)
    assert has_next is True
    assert [x["id"] for x in listings] == ["1081955696076", "1079892102343", "1081955312115"]
    third = listings[2]
    # oriPrice (¥2979, struck through) is not the asking price; price[] (¥2619) is.
    assert record_from_dict(third).price_cents == 261900
    assert third["url"] == f"{BASE}/item?id=1081955312115"
    assert third["seller_name"] == "天津雪球严选专营店" and third["location"] == "广东"
    assert all(record_from_dict(x).title for x in listings)


@needs_real
def test_goofish_app_search_capture_skips_the_alimama_ad():
    envelope = {"api": "mtop.taobao.idlemtopsearch.search", "ret": ["SUCCESS::调用成功"],
                "data": _load("goofish_app_search_iphone_2024-04_data.json")}
    listings, _ = goofish.parse_search(envelope, BASE)
    assert len(listings) == 10  # 11 rows, one of them an Alimama ad
    assert all("taobao.com" not in x["url"] for x in listings)
    assert listings[0]["posted_at"].startswith("2024-04-")


@needs_real
def test_goofish_detail_capture_gives_description_images_and_seller():
    listing = goofish.parse_detail(_load("goofish_pc_detail_iphone15_2026-09_trimmed.json"), BASE)
    assert listing["id"] == "1079129727205" and listing["title"] == "苹果15游戏机"
    assert "保修30天" in listing["description"]
    assert len(listing["image_urls"]) == 3
    assert listing["seller_id"] == "2218219939144" and listing["seller_name"] == "小顾数码"
    assert record_from_dict(listing).price_cents == 72000


@needs_real
def test_real_block_envelopes_are_recognised_and_name_the_punish_url():
    entries = _load("goofish_mtop_error_envelopes_real.json")
    rgv = envelope_block_reason(entries[0]["response"])
    assert "RGV587" in rgv or "FAIL_SYS_USER_VALIDATE" in rgv
    assert "_____tmd_____/punish" in rgv
    assert "FAIL_SYS_USER_VALIDATE" in envelope_block_reason(entries[1]["response"])
    with pytest.raises(goofish.EnvelopeError) as err:
        goofish.parse_search(entries[0]["response"], BASE)
    assert err.value.blocked
    # A deleted item is a per-item error, not a reason to stop the whole site.
    deleted = {"ret": [next(iter(entries[2]["ret0_values_seen"]))], "data": {}}
    assert envelope_block_reason(deleted) is None


@needs_real
def test_taobao_g_page_config_capture_in_a_gbk_page():
    config = (REAL / "taobao_legacy_search_g_page_config_2018.json").read_text(encoding="utf-8")
    page = f"<html><script>g_page_config = {config};\ng_srp_loadCss();</script></html>".encode("gbk", "replace")
    listings, pager = taobao.parse_page(page.decode("gbk"), "https://s.taobao.com/search?q=x")
    assert len(listings) == 36 and pager["pageSize"] == 44
    first = listings[0]
    assert first["title"] == "现磨黑芝麻糊核桃桑葚黑豆黑米乌发干吃包邮"
    assert first["url"] == "https://item.taobao.com/item.htm?id=10609596736"  # not the p4p click URL
    assert record_from_dict(first).price_cents == 5290
    assert all(x["image_urls"][0].startswith("https://") for x in listings if x["image_urls"])


def test_truncated_g_page_config_is_a_clear_error():
    with pytest.raises(taobao.PageConfigError, match="not valid JSON"):
        taobao.parse_page('<script>g_page_config = {"mods": {"itemlist": {"data": {"auc', "http://x/")
    with pytest.raises(taobao.PageConfigError, match="no g_page_config"):
        taobao.parse_page("<html>nothing here</html>", "http://x/")


def test_block_answers_are_recognised():
    assert "429" in response_block_reason(429, "http://x/s?q=a", b"")
    assert "punish" in response_block_reason(200, "http://x/_____tmd_____/punish?x=1", b"")
    assert "slider" in response_block_reason(200, "http://x/", "<div id=nc_1_n1z>请拖动下方滑块</div>".encode())
    assert response_block_reason(200, "http://x/search?q=a", b"<html>ok</html>") is None
    assert response_block_reason(403, "http://x/robots.txt", b"") is None


def test_generic_selectors_take_text_never_markup():
    html = ('<ul><li class="l" data-id="7"><a href="/item/7">ID <b>card</b><script>alert(1)</script></a>'
            '<span class="p">¥5</span></li></ul>')
    fields = {"id": normalise_spec("xpath:./@data-id", "id"), "title": normalise_spec("css:a", "title"),
              "url": normalise_spec("css:a::attr(href)", "url"), "price": normalise_spec("css:.p::text", "price")}
    records, problems = extract_items(make_selector(html, "html"), normalise_spec("css:li.l", "items"),
                                      fields, "http://site.test/search")
    assert problems == []
    assert records == [{"id": "7", "title": "ID card", "url": "http://site.test/item/7", "price": "¥5"}]
