"""The Goofish-style sandbox site: real mtop shapes, login wall, rate-limit blocks, takedowns."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from conftest import key_paths
from sandbox.testing import running_sandbox

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "real"
SEARCH = "/goofish/h5/mtop.taobao.idlemtopsearch.pc.search/1.0/"
DETAIL = "/goofish/h5/mtop.taobao.idle.pc.detail/1.0/"




def real(name: str):
    path = REAL / name
    if not path.exists():
        pytest.skip(f"real capture {path} is absent")
    return json.loads(path.read_text(encoding="utf-8"))


def call(client: httpx.Client, api_path: str, data: dict, **kwargs) -> dict:
    response = client.post(api_path, data={"data": json.dumps(data, ensure_ascii=False)}, **kwargs)
    assert response.status_code == 200
    return response.json()


def login(client: httpx.Client, name: str = "demo_analyst") -> None:
    response = client.post("/goofish/login", data={"loginId": name, "password": "pw"})
    assert response.status_code in (200, 303)
    assert "cookie2" in client.cookies


@pytest.fixture(scope="module")
def sandbox():
    with running_sandbox(listings=600, seed=7, rate=0) as base:
        yield base


@pytest.fixture
def client(sandbox):
    with httpx.Client(base_url=sandbox, timeout=30) as http:
        http.post("/_sandbox/reset")
        login(http)
        yield http


@pytest.fixture(scope="module")
def truth(sandbox):
    return httpx.get(sandbox + "/_sandbox/manifest.json", timeout=30).json()


def test_search_rows_have_every_key_path_of_the_real_capture(client):
    captured = real("goofish_pc_search_iphone15_2026-09_trimmed.json")
    answer = call(client, SEARCH, {"keyword": "四件套", "pageNumber": 1, "rowsPerPage": 30})
    assert answer["api"] == captured["api"] and answer["ret"] == captured["ret"]
    wanted = set().union(*(key_paths(row) for row in captured["data"]["resultList"]))
    got = set().union(*(key_paths(row) for row in answer["data"]["resultList"]))
    assert wanted - {"data.item.main.exContent.oriPrice"} <= got
    assert key_paths(captured["data"]) - key_paths(captured["data"]["resultList"], "resultList") <= \
        key_paths(answer["data"]) | {"resultList"}
    row = answer["data"]["resultList"][0]["data"]["item"]["main"]
    assert row["targetUrl"].startswith(f"fleamarket://item?id={row['exContent']['itemId']}")


def test_detail_has_every_key_path_of_the_real_capture(client, truth):
    captured = real("goofish_pc_detail_iphone15_2026-09_trimmed.json")
    item_id = truth["sites"]["goofish"]["listing_ids"][0]
    answer = call(client, DETAIL, {"itemId": item_id})
    assert answer["ret"] == captured["ret"]
    assert key_paths(captured["data"]) <= key_paths(answer["data"])
    assert str(answer["data"]["itemDO"]["itemId"]) == item_id


def test_paging_through_search_returns_exactly_the_manifest_ids(client, truth):
    for query in ("四件套", "人脸", "手机"):
        ids, page = [], 1
        while True:
            answer = call(client, SEARCH, {"keyword": query, "pageNumber": page})
            ids += [r["data"]["item"]["main"]["exContent"]["itemId"] for r in answer["data"]["resultList"]]
            if not answer["data"]["resultInfo"]["hasNextPage"]:
                break
            page += 1
        assert ids == truth["sites"]["goofish"]["queries"][query]
        assert page > 1 or len(ids) <= 30


def test_without_login_the_api_answers_session_expired(sandbox):
    with httpx.Client(base_url=sandbox) as anonymous:
        answer = call(anonymous, SEARCH, {"keyword": "四件套"})
    assert answer["ret"] == ["FAIL_SYS_SESSION_EXPIRED::Session过期"] and answer["data"] == {}


def test_expired_sessions_need_a_new_login(client):
    assert call(client, SEARCH, {"keyword": "a"})["ret"][0].startswith("SUCCESS")
    client.post("/_sandbox/expire-sessions")
    assert call(client, SEARCH, {"keyword": "a"})["ret"][0].startswith("FAIL_SYS_SESSION_EXPIRED")
    login(client)
    assert call(client, SEARCH, {"keyword": "a"})["ret"][0].startswith("SUCCESS")


def _assert_block(answer: dict) -> str:
    captured = real("goofish_mtop_error_envelopes_real.json")
    rgv = next(e["response"] for e in captured if "RGV587" in json.dumps(e, ensure_ascii=False))
    assert answer["ret"] == rgv["ret"]
    assert set(answer["data"]) == set(rgv["data"])
    assert "/_____tmd_____/punish?" in answer["data"]["url"]
    return answer["data"]["url"]


def test_a_client_that_goes_too_fast_is_blocked_with_the_real_envelope():
    with running_sandbox(listings=100, rate=0.5, burst=3, block_seconds=60) as base:
        with httpx.Client(base_url=base) as http:
            login(http)
            answers = [call(http, SEARCH, {"keyword": "a"}) for _ in range(8)]
            assert [a["ret"][0].startswith("SUCCESS") for a in answers[:3]] == [True] * 3
            url = _assert_block(answers[-1])
            page = http.get(url)
            assert page.status_code == 200 and "nc_1_n1z" in page.text and "滑块" in page.text
            assert http.get("/_sandbox/stats.json").json()["goofish/blocks"] >= 5


def test_blocks_on_demand_and_after_n_calls(client, sandbox):
    _assert_block(call(client, SEARCH, {"keyword": "a"}, headers={"X-Sandbox-Block": "1"}))
    with running_sandbox(listings=100, rate=0, block_after=2) as base, httpx.Client(base_url=base) as http:
        login(http)
        rets = [call(http, SEARCH, {"keyword": "a"})["ret"][0] for _ in range(3)]
        assert rets[:2] == ["SUCCESS::调用成功"] * 2 and rets[2] == "FAIL_SYS_USER_VALIDATE"


def test_removed_item_is_gone_from_detail_and_search(client, truth):
    item_id = truth["sites"]["goofish"]["queries"]["四件套"][0]
    assert client.post("/_sandbox/remove", json={"ids": [item_id]}).json()["removed"] == 1
    gone = call(client, DETAIL, {"itemId": item_id})
    assert gone["ret"] == ["FAIL_BIZ_ITEM_DEL_NOT_FOUND::您要看的宝贝不存在或已被删除啦!"]
    captured = real("goofish_mtop_error_envelopes_real.json")
    assert gone["ret"][0] in captured[2]["ret0_values_seen"]
    found = call(client, SEARCH, {"keyword": "四件套"})["data"]["resultList"]
    assert item_id not in [r["data"]["item"]["main"]["exContent"]["itemId"] for r in found]
    manifest = client.get("/_sandbox/manifest.json").json()
    assert item_id in manifest["removed"] and item_id not in manifest["sites"]["goofish"]["queries"]["四件套"]
    client.post("/_sandbox/reset")
    assert call(client, DETAIL, {"itemId": item_id})["ret"][0].startswith("SUCCESS")


def test_seller_apis_page_through_the_sellers_items(client, truth):
    item_id = truth["sites"]["goofish"]["listing_ids"][0]
    seller_id = truth["listings"][item_id]["seller_id"]
    head = call(client, "/goofish/h5/mtop.idle.web.user.page.head/1.0/", {"userId": seller_id})
    assert head["data"]["module"]["base"]["displayName"] == truth["sellers"][seller_id]["nick"]
    ids, page = [], 1
    while True:
        answer = call(client, "/goofish/h5/mtop.idle.web.xyh.item.list/1.0/",
                      {"userId": seller_id, "pageNumber": page, "pageSize": 20})
        ids += [c["cardData"]["id"] for c in answer["data"]["cardList"]]
        if not answer["data"]["nextPage"]:
            break
        page += 1
    expected = [i for i, v in truth["listings"].items() if v["seller_id"] == seller_id and "goofish" in v["sites"]]
    assert sorted(ids) == sorted(expected) and item_id in ids


def test_hostile_answers_on_demand(client, truth):
    cut = client.post(SEARCH + "?hostile=truncated_json", data={"data": json.dumps({"keyword": "a"})})
    with pytest.raises(ValueError):
        json.loads(cut.text)
    scripted = call(client, SEARCH + "?hostile=script_title", {"keyword": "a"})
    assert "<script>" in scripted["data"]["resultList"][0]["data"]["item"]["main"]["exContent"]["title"]
    item_id = next(i for i, k in truth["hostile"]["listings"].items()
                   if k == "truncated_json" and "goofish" in truth["listings"][i]["sites"])
    broken = client.post(DETAIL, data={"data": json.dumps({"itemId": item_id})})
    with pytest.raises(ValueError):
        json.loads(broken.text)
