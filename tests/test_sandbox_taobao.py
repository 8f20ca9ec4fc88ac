"""The Taobao-legacy sandbox site: GBK pages, g_page_config shapes, s= pagination, takedowns."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from conftest import key_paths
from sandbox.testing import running_sandbox

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "real"
CONFIG = re.compile(r"g_page_config = (\{.*?\});\n", re.S)




@pytest.fixture(scope="module")
def sandbox():
    with running_sandbox(listings=1500, seed=7) as base:
        yield base


@pytest.fixture(scope="module")
def truth(sandbox):
    return httpx.get(sandbox + "/_sandbox/manifest.json", timeout=30).json()


def page_config(response: httpx.Response) -> dict:
    assert response.headers["content-type"].lower() == "text/html; charset=gbk"
    text = response.content.decode("gbk")  # strict: every byte must be GBK
    return json.loads(CONFIG.search(text).group(1))


def test_pages_are_gbk_and_carry_the_real_key_paths(sandbox):
    path = REAL / "taobao_legacy_search_g_page_config_2018.json"
    if not path.exists():
        pytest.skip("real capture absent")
    captured = json.loads(path.read_text(encoding="utf-8"))
    config = page_config(httpx.get(f"{sandbox}/taobao/search", params={"q": "四件套"}))
    organic = [a for a in captured["mods"]["itemlist"]["data"]["auctions"] if not a.get("p4p")]
    wanted = set.intersection(*(key_paths(a) for a in organic))
    for auction in config["mods"]["itemlist"]["data"]["auctions"]:
        assert wanted <= key_paths(auction)
    assert key_paths(captured["mods"]["pager"]) <= key_paths(config["mods"]["pager"])
    assert config["pageName"] == captured["pageName"]
    assert {"q", "s"} <= set(config["mainInfo"]["srpGlobal"])
    with pytest.raises(UnicodeDecodeError):
        httpx.get(f"{sandbox}/taobao/search", params={"q": "四件套"}).content.decode("utf-8")


def test_s_offset_pages_of_44_return_exactly_the_manifest_ids(sandbox, truth):
    for query in ("人脸", "四件套", "这个词不会有结果"):
        ids, offset, total = [], 0, None
        while True:
            config = page_config(httpx.get(f"{sandbox}/taobao/search", params={"q": query, "s": offset}))
            pager = config["mods"]["pager"]["data"]
            total = pager["totalCount"]
            if config["mods"]["itemlist"]["status"] != "show":
                break
            auctions = config["mods"]["itemlist"]["data"]["auctions"]
            assert len(auctions) <= 44 and pager["currentPage"] == offset // 44 + 1
            ids += [a["nid"] for a in auctions]
            offset += 44
        assert ids == truth["sites"]["taobao"]["queries"][query]
        assert total == len(ids)
    assert len(truth["sites"]["taobao"]["queries"]["人脸"]) > 44  # really paginated


def test_a_gbk_encoded_query_finds_the_same(sandbox):
    gbk = page_config(httpx.get(f"{sandbox}/taobao/search?q={quote('四件套'.encode('gbk'))}"))
    utf8 = page_config(httpx.get(f"{sandbox}/taobao/search?q={quote('四件套')}&ie=utf8"))
    assert gbk["mods"]["itemlist"]["data"]["auctions"] == utf8["mods"]["itemlist"]["data"]["auctions"]


def test_detail_page_and_takedown(sandbox, truth):
    config = page_config(httpx.get(f"{sandbox}/taobao/search", params={"q": "四件套"}))
    auction = config["mods"]["itemlist"]["data"]["auctions"][0]
    assert auction["detail_url"].startswith("//")  # protocol-relative, as Taobao wrote them
    url = "http:" + auction["detail_url"]
    page = httpx.get(url)
    assert page.status_code == 200 and auction["raw_title"] in page.content.decode("gbk")
    httpx.post(f"{sandbox}/_sandbox/remove", data={"ids": auction["nid"]})
    try:
        gone = httpx.get(url, follow_redirects=True)
        assert "宝贝不存在" in gone.content.decode("gbk") and "noitem" in str(gone.url)
        config = page_config(httpx.get(f"{sandbox}/taobao/search", params={"q": "四件套"}))
        assert auction["nid"] not in [a["nid"] for a in config["mods"]["itemlist"]["data"]["auctions"]]
    finally:
        httpx.post(f"{sandbox}/_sandbox/reset")


def test_hostile_taobao_pages(sandbox, truth):
    cut = httpx.get(f"{sandbox}/taobao/search", params={"q": "人脸", "hostile": "truncated_json"})
    with pytest.raises((ValueError, AttributeError)):
        page_config(cut)
    wrong = httpx.get(f"{sandbox}/taobao/search", params={"q": "人脸", "hostile": "wrong_charset"})
    assert "utf-8" in wrong.headers["content-type"]
    with pytest.raises(UnicodeDecodeError):
        wrong.content.decode("utf-8")
    script_id = next(i for i, k in truth["hostile"]["listings"].items()
                     if k == "script_title" and "taobao" in truth["listings"][i]["sites"])
    page = httpx.get(f"{sandbox}/taobao/item.htm", params={"id": script_id}).content.decode("gbk")
    assert "&lt;script&gt;" in page and '<script>alert("sandbox")' not in page
