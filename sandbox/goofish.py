"""Goofish style: JavaScript pages over mtop APIs, behind a login cookie and a rate limit."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from sandbox import goofish_api as mtop
from sandbox import goofish_pages as pages
from sandbox import hostile, images, session
from sandbox.pages import base_url, picture_response
from sandbox.state import SandboxState

logger = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"
BLOCK_HEADER = "x-sandbox-block"


async def _request_data(request: Request) -> dict | None:
    """Return the mtop ``data`` argument (form field, query parameter or JSON body)."""
    raw = request.query_params.get("data")
    if request.method == "POST":
        body = (await request.body()).decode("utf-8", errors="replace")
        if body.lstrip().startswith("{"):
            raw = body
        elif body:
            raw = (parse_qs(body).get("data") or [raw])[0]
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return None
    if isinstance(data, dict) and isinstance(data.get("data"), str):
        return None
    return data if isinstance(data, dict) else None


def _json(payload: dict, request: Request, item=None) -> Response:
    """Answer JSON, made hostile when the listing or the ``hostile`` parameter asks for it."""
    kind = request.query_params.get("hostile") or (item.hostile if item else None)
    rows = payload.get("data", {}).get("resultList")
    if kind == "script_title" and rows:
        main = rows[0]["data"]["item"]["main"]["exContent"]
        main["title"] = main["detailParams"]["title"] = main["title"] + hostile.SCRIPT_TITLE
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    if kind == "truncated_json":
        text = hostile.truncate(text)
    elif kind == "huge_page" and "itemDO" in payload.get("data", {}):
        payload["data"]["itemDO"]["desc"] += hostile.huge_html("")
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    if kind == "wrong_charset":
        return Response(text.encode("gbk", errors="replace"), media_type="application/json;charset=UTF-8")
    return Response(text.encode("utf-8"), headers={"content-type": "application/json;charset=UTF-8"})


class GoofishApi:
    """The mtop endpoint: block and login checks first, then the API itself."""

    def __init__(self, state: SandboxState):
        self.state = state

    def session_key(self, request: Request) -> str:
        cookie = request.cookies.get(session.COOKIE)
        return f"s:{cookie}" if cookie else f"ip:{request.client.host if request.client else '?'}"

    async def __call__(self, request: Request) -> Response:
        state, api = self.state, request.path_params["api"]
        state.stats["goofish/api_calls"] += 1
        base = base_url(request)
        key = self.session_key(request)
        forced = request.headers.get(BLOCK_HEADER) == "1" or request.query_params.get("sandbox_block") == "1"
        if forced or not state.limiter.allow(key):
            state.stats["goofish/blocks"] += 1
            return _json(mtop.blocked(api, base, key), request)
        opts = state.options
        if opts.require_login and session.verify(request.cookies.get(session.COOKIE), opts.seed,
                                                 state.session_generation) is None:
            state.stats["goofish/login_required"] += 1
            return _json(mtop.envelope(api, {}, mtop.SESSION_EXPIRED), request)
        data = await _request_data(request)
        if data is None:
            return _json(mtop.envelope(api, {}, ["FAIL_SYS_PARAMS_INVALID::参数错误"]), request)
        handler = {mtop.SEARCH_API: self.search, mtop.DETAIL_API: self.detail,
                   mtop.USER_HEAD_API: self.user_head, mtop.USER_ITEMS_API: self.user_items}.get(api)
        if handler is None:
            return _json(mtop.envelope(api, {}, mtop.NO_API), request)
        return handler(api, data, base, request)

    def search(self, api, data, base, request):
        keyword = str(data.get("keyword", ""))
        page = _int(data.get("pageNumber"), 1)
        size = min(max(_int(data.get("rowsPerPage"), mtop.PAGE_SIZE), 1), mtop.PAGE_SIZE)
        found = self.state.search("goofish", keyword)
        chunk = found[(page - 1) * size: page * size]
        sellers = self.state.catalogue.sellers
        rows = [mtop.search_row(i, sellers[i.seller_id], base, keyword, page, n) for n, i in enumerate(chunk)]
        return _json(mtop.envelope(api, mtop.search_data(rows, page * size < len(found)), mtop.OK), request)

    def detail(self, api, data, base, request):
        item = self.state.live(data.get("itemId"))
        if item is None or "goofish" not in item.sites:
            return _json(mtop.envelope(api, {}, mtop.ITEM_GONE), request)
        seller = self.state.catalogue.sellers[item.seller_id]
        return _json(mtop.envelope(api, mtop.detail_data(item, seller, base), mtop.OK), request, item)

    def _seller(self, data):
        uid = str(data.get("userId", ""))
        return self.state.catalogue.sellers.get(int(uid)) if uid.isdigit() else None

    def user_head(self, api, data, base, request):
        seller = self._seller(data)
        if seller is None:
            return _json(mtop.envelope(api, {}, ["FAIL_BIZ_USER_NOT_EXIST::用户不存在"]), request)
        count = len(self.state.seller_listings("goofish", seller.id))
        return _json(mtop.envelope(api, mtop.user_head_data(seller, base, count), mtop.OK), request)

    def user_items(self, api, data, base, request):
        seller = self._seller(data)
        if seller is None:
            return _json(mtop.envelope(api, {}, ["FAIL_BIZ_USER_NOT_EXIST::用户不存在"]), request)
        page = _int(data.get("pageNumber"), 1)
        size = min(max(_int(data.get("pageSize"), mtop.SELLER_PAGE_SIZE), 1), mtop.SELLER_PAGE_SIZE)
        items = self.state.seller_listings("goofish", seller.id)
        chunk = items[(page - 1) * size: page * size]
        return _json(mtop.envelope(api, mtop.user_items_data(chunk, base, page * size < len(items)), mtop.OK),
                     request)


def _int(value, default: int) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return default


def routes(state: SandboxState) -> list[Route]:
    """Return the Goofish-style routes under /goofish/."""
    handler = GoofishApi(state)

    async def api(request):
        return await handler(request)

    async def picture(request):
        name = request.path_params["name"]
        if name.startswith("avatar/"):
            return Response(images.avatar(name), media_type="image/jpeg")
        return picture_response(state, request)

    async def script(request):
        return FileResponse(STATIC / "goofish.js", media_type="application/javascript")

    return [Route("/goofish/{prefix:path}/_____tmd_____/punish", pages.punish),
            Route("/goofish/h5/{api}/{version}/", api, methods=["GET", "POST"]),
            Route("/goofish/", pages.home), Route("/goofish/search", pages.shell("search")),
            Route("/goofish/item", pages.shell("item")), Route("/goofish/personal", pages.shell("personal")),
            Route("/goofish/login", pages.login_handler(state), methods=["GET", "POST"]),
            Route("/goofish/logout", pages.logout),
            Route("/goofish/static/goofish.js", script),
            Route("/goofish/img/{name:path}", picture)]
