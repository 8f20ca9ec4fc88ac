"""Shared helpers for the sandbox's server-rendered pages: escaping, layout, hostile answers."""

from __future__ import annotations

import html
from datetime import datetime, timezone
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from sandbox import hostile, images

esc = html.escape


def base_url(request: Request) -> str:
    """Return ``scheme://host:port`` as the client addressed this server."""
    return str(request.base_url).rstrip("/")


def iso_time(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def query_string(**params) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def layout(title: str, body: str, lang: str = "zh-CN", charset: str = "utf-8", head: str = "") -> str:
    """Wrap ``body`` in a plain HTML document."""
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="{charset}">'
            f"<title>{esc(title)}</title>{head}</head>\n<body>\n{body}\n</body></html>\n")


def html_response(page: str, status: int = 200, hostile_kind: str | None = None,
                  charset: str = "utf-8", headers: dict | None = None) -> Response:
    """Encode a page; ``hostile_kind`` makes it huge, broken or mislabelled on purpose."""
    if hostile_kind == "huge_page":
        page = hostile.huge_html(page)
    elif hostile_kind == "broken_html":
        page = hostile.broken_html(page)
    if hostile_kind == "wrong_charset":
        # GBK bytes that the header and the meta tag both claim are UTF-8.
        body = page.encode("gbk", errors="replace")
        media = "text/html; charset=utf-8"
    else:
        body = page.encode(charset, errors="xmlcharrefreplace")
        media = f"text/html; charset={charset}"
    return Response(body, status_code=status, headers={"content-type": media, **(headers or {})})


def requested_hostile(request: Request) -> str | None:
    """Return the on-demand hostile kind asked for with ``?hostile=KIND``, if valid."""
    kind = request.query_params.get("hostile")
    return kind if kind in hostile.ON_DEMAND else None


def page_number(request: Request, name: str = "page") -> int:
    """Return a 1-based page number from the query string; junk means page 1."""
    try:
        return max(1, int(request.query_params.get(name, "1")))
    except ValueError:
        return 1


def picture_response(state, request: Request) -> Response:
    """Serve the listing picture named in the path (404 for unknown or taken-down listings)."""
    name = request.path_params["name"]
    parsed = images.parse_name(name + ".")
    item = state.live(parsed[0]) if parsed else None
    if item is None or not 1 <= parsed[1] <= max(item.images, 1):
        return PlainTextResponse("no such image", status_code=404)
    fmt = "png" if name.lower().endswith(".png") else "jpeg"
    state.stats["images/served"] += 1
    return Response(images.picture(item, parsed[1], fmt, state.options.seed), media_type=images.media_type(name))
