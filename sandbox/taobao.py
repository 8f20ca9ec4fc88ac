"""Legacy Taobao style: GBK search pages carrying ``g_page_config`` JSON, ``s=`` offsets of 44."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, quote

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse
from starlette.routing import Route

from sandbox import hostile
from sandbox.pages import base_url, esc, html_response, layout, picture_response, requested_hostile
from sandbox.state import SandboxState, query_terms

PAGE_SIZE = 44          # what s.taobao.com served per page
MAX_PAGES = 100         # Taobao never offered more than 100 pages
CHARSET = "GBK"
GONE_TEXT = "很抱歉，您查看的宝贝不存在，可能已下架或者被转移。"
_CATEGORY = {"id_kit": "50023724", "face_data": "50023724", "photo_activation": "50008907",
             "verification_bypass": "50025705", "realname_account": "50018252"}


def decode_query(request: Request) -> dict[str, str]:
    """Read the query string as Taobao did: UTF-8 when it decodes, else GBK (its form encoding)."""
    raw = request.scope.get("query_string", b"").decode("latin-1")
    for encoding in ("utf-8", "gbk"):
        try:
            parsed = parse_qs(raw, encoding=encoding, errors="strict")
            return {k: v[0] for k, v in parsed.items()}
        except UnicodeDecodeError:
            continue
    return {k: v[0] for k, v in parse_qs(raw, encoding="gbk", errors="replace").items()}


def gbk_safe_json(data) -> str:
    """Dump JSON that encodes in GBK: characters GBK lacks become ``\\uXXXX`` escapes."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    try:
        text.encode(CHARSET)
        return text
    except UnicodeEncodeError:
        return "".join(_gbk_char(c) for c in text)


def _gbk_char(char: str) -> str:
    try:
        char.encode(CHARSET)
        return char
    except UnicodeEncodeError:
        return json.dumps(char)[1:-1]


def _highlight(title: str, terms: list[str]) -> str:
    escaped = esc(title, quote=False)
    for term in terms:
        escaped = re.sub(re.escape(esc(term, quote=False)), lambda m: f"<span class=H>{m.group(0)}</span>",
                         escaped, flags=re.IGNORECASE)
    return escaped


def _auction(item, seller, host: str, terms: list[str]) -> dict:
    nid = str(item.id)
    return {
        "i2iTags": {"samestyle": {"url": ""}, "similar": {"url": f"/search?type=similar&app=i2i&nid={nid}"}},
        "p4pTags": [], "nid": nid, "category": _CATEGORY.get(item.category, "50008090"), "pid": "",
        "title": _highlight(item.title, terms), "raw_title": item.title,
        "pic_url": f"//{host}/taobao/img/bao/uploaded/i1/O1CN01Sb{nid}x1_!!0-item_pic.jpg",
        "detail_url": f"//{host}/taobao/item.htm?id={nid}&ns=1&abbucket=1",
        "view_price": f"{float(item.price):.2f}", "view_fee": "0.00",
        "item_loc": f"{seller.area} {seller.city}" if seller.area != seller.city else seller.city,
        "view_sales": f"{item.want}人付款", "comment_count": str(item.want // 3),
        "user_id": str(seller.id), "nick": seller.nick,
        "shopcard": {"levelClasses": [{"levelClass": "icon-supple-level-xin"}], "isTmall": False,
                     "delivery": [0, 1, 480], "description": [0, 1, 480], "service": [0, 1, 480],
                     "encryptedUserId": seller.enc_id, "sellerCredit": 1 + seller.reg_days % 12,
                     "totalRate": 10000},
        "icon": [],
        "comment_url": f"//{host}/taobao/item.htm?id={nid}&on_comment=1",
        "shopLink": f"//{host}/taobao/shop?user_id={seller.id}", "risk": "",
    }


def page_config(state: SandboxState, query: str, offset: int, host: str) -> dict:
    """Return the ``g_page_config`` object of one search page."""
    items = state.search("taobao", query)
    terms = query_terms(query)
    chunk = items[offset: offset + PAGE_SIZE]
    sellers = state.catalogue.sellers
    total_pages = min(MAX_PAGES, max(1, -(-len(items) // PAGE_SIZE)))
    current = offset // PAGE_SIZE + 1
    url = f"//{host}/taobao/search?q={quote(query)}"
    itemlist = ({"status": "show", "data": {
        "postFeeText": "运费", "trace": "msrp_auction",
        "auctions": [_auction(i, sellers[i.seller_id], host, terms) for i in chunk],
        "recommendAuctions": [], "isSameStyleView": False, "sellers": [], "query": query,
        "spmModId": "itemlist"}} if chunk else {"status": "hide"})
    return {
        "pageName": "mainsrp",
        "mods": {
            "itemlist": itemlist,
            "pager": {"status": "show" if items else "hide", "data": {
                "pageSize": PAGE_SIZE, "totalPage": total_pages, "currentPage": current,
                "totalCount": len(items)}},
            "noresult": {"status": "hide"} if items else
            {"status": "show", "data": {"tipsTitle": f"没有找到与“{query}”相关的宝贝"}},
            "sortbar": {"status": "show", "data": {"pager": {"pageSize": PAGE_SIZE, "totalPage": total_pages,
                                                              "currentPage": current, "totalCount": len(items)}}},
        },
        "mainInfo": {"currentUrl": url, "modLinks": {"pager": url},
                     "srpGlobal": {"q": query, "encode_q": quote(query.encode(CHARSET, "replace")),
                                   "utf8_q": quote(query), "s": offset, "style": "grid"}},
        "feature": {"webpOff": False, "retinaOff": False, "shopcardOff": False},
    }


def _offset(params: dict) -> int:
    try:
        return max(0, int(params.get("s", "0")))
    except ValueError:
        return 0


def _search_html(config_json: str, query: str) -> str:
    script = f"\n    g_page_config = {config_json};\n    g_srp_loadCss();\n    g_srp_init();\n"
    body = ('<div id="main"><div id="mainsrp-itemlist"></div><div id="mainsrp-pager"></div></div>'
            f"<script>{script}</script>")
    return layout(f"{query}_淘宝搜索", body, "zh-CN", charset="gbk")


def _detail_html(item, seller, host: str) -> str:
    nid = str(item.id)
    config = gbk_safe_json({"itemId": nid, "sellerId": str(seller.id), "shopId": "", "title": item.title,
                            "price": f"{float(item.price):.2f}", "idata": {"item": {"status": 0}}})
    thumbs = "".join(f'<li><img src="//{host}/taobao/img/bao/uploaded/i{n}/O1CN01Sb{nid}x{n}_!!0-item_pic.jpg_50x50.jpg"></li>'
                     for n in range(1, item.images + 1))
    body = (f'<script>var g_config = {config};</script>'
            f'<div class="tb-item-info" data-id="{nid}"><h3 class="tb-main-title" data-title="{esc(item.title)}">'
            f'{esc(item.title)}</h3><p class="tb-subtitle">{esc(item.description[:60])}</p>'
            f'<em class="tb-rmb">&yen;</em><em class="tb-rmb-num">{float(item.price):.2f}</em>'
            f'<ul id="J_UlThumb">{thumbs}</ul>'
            f'<div class="tb-shop-name"><a href="//{host}/taobao/shop?user_id={seller.id}" '
            f'data-user-id="{seller.id}">{esc(seller.nick)}</a></div>'
            f'<div class="tb-location">{esc(seller.area)} {esc(seller.city)}</div></div>'
            f'<div id="description"><div class="content">{esc(item.description)}</div></div>'
            f'<a class="report" rel="nofollow" href="/taobao/internal/report?id={nid}">举报</a>')
    return layout(f"{item.title}-淘宝网", body, "zh-CN", charset="gbk")


def routes(state: SandboxState) -> list[Route]:
    """Return the Taobao-style routes under /taobao/."""

    def search(request):
        state.stats["taobao/requests"] += 1
        params = decode_query(request)
        query, offset = params.get("q", ""), _offset(params)
        host = base_url(request).split("://", 1)[1]
        config_json = gbk_safe_json(page_config(state, query, offset, host))
        kind = requested_hostile(request)
        if kind == "truncated_json":
            config_json = hostile.truncate(config_json)
        elif kind == "script_title":
            config_json = config_json.replace('"raw_title":"', '"raw_title":"<script>alert(1)<\\/script>', 1)
        return html_response(_search_html(config_json, query), hostile_kind=kind, charset=CHARSET)

    def item_page(request):
        state.stats["taobao/requests"] += 1
        params = decode_query(request)
        item = state.live(params.get("id"))
        if item is None or "taobao" not in item.sites:
            return RedirectResponse(f"/taobao/noitem.htm?itemid={quote(params.get('id', ''))}", status_code=302)
        host = base_url(request).split("://", 1)[1]
        page = _detail_html(item, state.catalogue.sellers[item.seller_id], host)
        kind = requested_hostile(request) or item.hostile
        return html_response(page, hostile_kind=kind, charset=CHARSET)

    def noitem(request):
        body = f'<div class="error-notice"><h3 class="error-notice-hd">{GONE_TEXT}</h3></div>'
        return html_response(layout("淘宝网 - 宝贝不存在", body, charset="gbk"), charset=CHARSET)

    def shop(request):
        params = decode_query(request)
        uid = params.get("user_id", "")
        owner = state.catalogue.sellers.get(int(uid)) if uid.isdigit() else None
        if owner is None:
            return html_response(layout("店铺不存在", "<h3>店铺不存在</h3>", charset="gbk"), 404, charset=CHARSET)
        host = base_url(request).split("://", 1)[1]
        rows = "".join(f'<li class="item" data-id="{i.id}"><a href="//{host}/taobao/item.htm?id={i.id}">'
                       f"{esc(i.title)}</a> <em>{float(i.price):.2f}</em></li>"
                       for i in state.seller_listings("taobao", owner.id))
        body = f'<h1 class="shop-name" data-user-id="{owner.id}">{esc(owner.nick)}</h1><ul class="shop-items">{rows}</ul>'
        return html_response(layout(f"{owner.nick}-淘宝网", body, charset="gbk"), charset=CHARSET)

    def home(request):
        body = '<form action="/taobao/search"><input name="q"><input type="hidden" name="ie" value="utf8"><button>搜索</button></form>'
        return html_response(layout("淘宝网", body, charset="gbk"), charset=CHARSET)

    async def picture(request):
        return picture_response(state, request)

    async def report(request):
        state.stats["robots/disallowed_hits"] += 1  # robots.txt forbids this path
        return PlainTextResponse("reported")

    return [Route("/taobao/", home), Route("/taobao/search", search), Route("/taobao/item.htm", item_page),
            Route("/taobao/noitem.htm", noitem), Route("/taobao/shop", shop),
            Route("/taobao/img/{name:path}", picture), Route("/taobao/internal/{rest:path}", report)]
