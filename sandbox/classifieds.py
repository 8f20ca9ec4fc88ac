"""Plain HTML classifieds sites (Chinese and English): search, listing, seller pages, images."""

from __future__ import annotations

import asyncio
import json
import logging

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from sandbox.pages import (esc, html_response, iso_time, layout, page_number, picture_response,
                           query_string, requested_hostile)
from sandbox.state import SandboxState

logger = logging.getLogger(__name__)

PAGE_SIZE = 20
TEXT = {
    "classifieds_zh": {"prefix": "/classifieds-zh", "lang": "zh-CN", "name": "同城二手信息网",
                       "money": "¥", "next": "下一页", "prev": "上一页", "count": "共 {n} 条结果",
                       "seller": "卖家", "posted": "发布于", "report": "举报", "search": "搜索",
                       "gone": "该信息已删除或不存在", "none": "没有找到相关信息", "all": "全部信息"},
    "classifieds_en": {"prefix": "/classifieds-en", "lang": "en", "name": "Local Classifieds",
                       "money": "$", "next": "Next", "prev": "Previous", "count": "{n} results",
                       "seller": "Seller", "posted": "Posted", "report": "Report", "search": "Search",
                       "gone": "This listing has been removed", "none": "No listings found",
                       "all": "All listings"},
}


def _item_html(site: str, item, seller) -> str:
    t, p = TEXT[site], TEXT[site]["prefix"]
    return (f'<li class="listing" data-id="{item.id}">'
            f'<img class="thumb" src="{p}/img/{item.id}-1.jpg" alt="" width="120">'
            f'<a class="title" href="{p}/listing/{item.id}">{esc(item.title)}</a> '
            f'<span class="price">{t["money"]}{item.price}</span> '
            f'<span class="location">{esc(seller.city)}</span> '
            f'<a class="seller" href="{p}/seller/{seller.id}">{esc(seller.nick)}</a> '
            f'<a class="report" rel="nofollow" href="{p}/internal/report?id={item.id}">{t["report"]}</a>'
            "</li>")


def _list_page(state: SandboxState, site: str, items: list, page: int, title: str,
               link: callable, request: Request) -> Response:
    t = TEXT[site]
    chunk = items[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    sellers = state.catalogue.sellers
    rows = "\n".join(_item_html(site, i, sellers[i.seller_id]) for i in chunk)
    nav = []
    if page > 1:
        nav.append(f'<a class="prev" rel="prev" href="{esc(link(page - 1))}">{t["prev"]}</a>')
    if page * PAGE_SIZE < len(items):
        nav.append(f'<a class="next" rel="next" href="{esc(link(page + 1))}">{t["next"]}</a>')
    kind = requested_hostile(request)
    if kind == "script_title":
        rows = f'<li class="listing" data-id="0"><a class="title">{esc(title)}</a>\n' \
               f'<script>alert("sandbox")</script><b onmouseover="alert(1)">x</b></li>' + rows
    body = (f'<header><a href="{t["prefix"]}/">{t["name"]}</a>'
            f'<form action="{t["prefix"]}/search"><input name="q"><button>{t["search"]}</button></form></header>'
            f'<h1>{esc(title)}</h1><p class="count">{t["count"].format(n=len(items))}</p>'
            f'<ul class="listings">\n{rows or "<li class=empty>" + t["none"] + "</li>"}\n</ul>'
            f'<nav class="pager">{" ".join(nav)}</nav>')
    return html_response(layout(title, body, t["lang"]), hostile_kind=kind)


def _detail_page(state: SandboxState, site: str, item, request: Request) -> Response:
    t, p = TEXT[site], TEXT[site]["prefix"]
    seller = state.catalogue.sellers[item.seller_id]
    pics = "".join(f'<img class="photo" src="{p}/img/{item.id}-{n}.{"png" if n == 2 else "jpg"}" alt="">'
                   for n in range(1, item.images + 1))
    data = json.dumps({"@context": "https://schema.org", "@type": "Product", "sku": str(item.id),
                       "name": item.title, "description": item.description,
                       "offers": {"price": item.price, "priceCurrency": "CNY" if t["money"] == "¥" else "USD"}},
                      ensure_ascii=False).replace("</", "<\\/")
    if item.hostile == "truncated_json":
        data = data[: len(data) // 2]
    body = (f'<header><a href="{p}/">{t["name"]}</a></header>'
            f'<article class="listing-detail" data-id="{item.id}">'
            f'<h1 class="title">{esc(item.title)}</h1>'
            f'<p><span class="price">{t["money"]}{item.price}</span> '
            f'<span class="location">{esc(seller.area)} {esc(seller.city)}</span> '
            f'<time class="posted" datetime="{iso_time(item.posted_ms)}">{t["posted"]} {iso_time(item.posted_ms)[:10]}</time></p>'
            f'<div class="description">{esc(item.description)}</div>'
            f'<div class="photos">{pics}</div>'
            f'<p class="seller">{t["seller"]}: <a class="seller" href="{p}/seller/{seller.id}" '
            f'data-seller-id="{seller.id}">{esc(seller.nick)}</a></p>'
            f'<a class="report" rel="nofollow" href="{p}/internal/report?id={item.id}">{t["report"]}</a>'
            "</article>")
    head = f'<script type="application/ld+json">{data}</script>'
    kind = requested_hostile(request) or item.hostile
    return html_response(layout(item.title, body, t["lang"], head=head), hostile_kind=kind)


def routes(state: SandboxState) -> list[Route]:
    """Return the routes of both classifieds sites."""
    return [route for site in TEXT for route in ClassifiedsSite(state, site).routes()]


class ClassifiedsSite:
    """One classifieds site: every page goes through the deterministic 500/slow faults."""

    def __init__(self, state: SandboxState, site: str):
        self.state, self.site, self.t = state, site, TEXT[site]
        self.prefix = self.t["prefix"]

    async def _with_faults(self, request: Request, handler) -> Response:
        state, site = self.state, self.site
        state.stats[f"{site}/requests"] += 1
        fault = state.fault_for(request.url.path + "?" + request.url.query)
        if fault == "error":
            state.stats[f"{site}/errors_500"] += 1
            return PlainTextResponse("500 Internal Server Error (sandbox fault, retry)", status_code=500)
        if fault == "slow":
            state.stats[f"{site}/slow"] += 1
            await asyncio.sleep(state.options.slow_seconds)
        return handler(request)

    def _gone(self) -> Response:
        t = self.t
        return html_response(layout(t["gone"], f'<h1 class="gone">{t["gone"]}</h1>', t["lang"]), 404)

    def home(self, request):
        t, prefix = self.t, self.prefix
        body = (f'<h1>{t["name"]}</h1><form action="{prefix}/search"><input name="q">'
                f'<button>{t["search"]}</button></form><a class="all" href="{prefix}/listings">{t["all"]}</a>')
        return html_response(layout(t["name"], body, t["lang"]))

    def search(self, request):
        query = request.query_params.get("q", "")
        items = self.state.search(self.site, query)
        link = lambda n: f"{self.prefix}/search?{query_string(q=query, page=n)}"  # noqa: E731
        return _list_page(self.state, self.site, items, page_number(request), query or self.t["all"], link, request)

    def browse(self, request):
        items = self.state.search(self.site, "")
        link = lambda n: f"{self.prefix}/listings?page={n}"  # noqa: E731
        return _list_page(self.state, self.site, items, page_number(request), self.t["all"], link, request)

    def detail(self, request):
        item = self.state.live(request.path_params["listing_id"])
        if item is None or self.site not in item.sites:
            return self._gone()
        return _detail_page(self.state, self.site, item, request)

    def seller(self, request):
        sid = request.path_params["seller_id"]
        owner = self.state.catalogue.sellers.get(int(sid)) if sid.isdigit() else None
        if owner is None:
            return self._gone()
        items = self.state.seller_listings(self.site, owner.id)
        link = lambda n: f"{self.prefix}/seller/{owner.id}?page={n}"  # noqa: E731
        return _list_page(self.state, self.site, items, page_number(request), owner.nick, link, request)

    async def picture(self, request):
        return picture_response(self.state, request)

    async def report(self, request):
        # Disallowed by robots.txt: any hit here means a crawler ignored robots.
        self.state.stats["robots/disallowed_hits"] += 1
        return PlainTextResponse("reported")

    def routes(self) -> list[Route]:
        def wrap(handler):
            async def endpoint(request):
                return await self._with_faults(request, handler)
            return endpoint

        p = self.prefix
        return [Route(f"{p}/", wrap(self.home)), Route(f"{p}/search", wrap(self.search)),
                Route(f"{p}/listings", wrap(self.browse)),
                Route(f"{p}/listing/{{listing_id}}", wrap(self.detail)),
                Route(f"{p}/seller/{{seller_id}}", wrap(self.seller)),
                Route(f"{p}/img/{{name:path}}", self.picture),
                Route(f"{p}/internal/{{rest:path}}", self.report)]
