"""Sandbox-only endpoints: manifest, takedowns, reset, counters, robots.txt and the index page."""

from __future__ import annotations

import json
import logging

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from sandbox import manifest
from sandbox.pages import base_url, esc, layout
from sandbox.state import SandboxState

logger = logging.getLogger(__name__)


async def _ids_from(request: Request) -> list[str]:
    """Read listing ids from a JSON body ``{"ids": [...]}`` or a form/query ``ids=1,2,3``."""
    raw = await request.body()
    if raw.strip().startswith(b"{"):
        try:
            ids = json.loads(raw).get("ids", [])
        except (ValueError, AttributeError):
            return []
        return [str(i) for i in ids]
    form = await request.form() if raw else {}
    text = form.get("ids") or request.query_params.get("ids", "")
    return [part for part in str(text).replace(" ", ",").split(",") if part]


def routes(state: SandboxState) -> list[Route]:
    """Return the /_sandbox/ control routes plus /robots.txt and the index page."""
    cache: dict = {}

    def manifest_json(request):
        base = base_url(request)
        key = (base, frozenset(state.removed))
        if cache.get("key") != key:
            body = json.dumps(manifest.build(state, base), ensure_ascii=False)
            cache.update(key=key, body=body.encode("utf-8"))
        return Response(cache["body"], media_type="application/json")

    async def remove(request):
        ids = await _ids_from(request)
        bad = [i for i in ids if not i.isdigit()]
        if bad or not ids:
            return JSONResponse({"error": f"give listing ids as numbers; got {ids!r}"}, status_code=400)
        removed = state.remove(ids)
        logger.info("sandbox: took down %s listing(s)", removed)
        return JSONResponse({"removed": removed, "ids": ids})

    async def reset(request):
        state.reset()
        return JSONResponse({"reset": True})

    async def expire_sessions(request):
        # Every cookie issued so far stops working, like a login that went stale.
        state.session_generation += 1
        return JSONResponse({"session_generation": state.session_generation})

    def stats(request):
        return JSONResponse(dict(state.stats))

    def robots(request):
        lines = ["User-agent: *"] + [f"Disallow: {path}" for path in manifest.ROBOTS_DISALLOW]
        return PlainTextResponse("\n".join(lines) + "\n")

    def index(request):
        links = "".join(f'<li><a href="{prefix}/">{esc(name)}</a> ({style})</li>'
                        for name, (prefix, style, *_rest) in manifest.SITES.items())
        body = (f"<h1>facetrade sandbox marketplace</h1><ul>{links}</ul>"
                '<p><a href="/_sandbox/manifest.json">manifest.json</a> · '
                '<a href="/_sandbox/stats.json">stats.json</a></p>')
        return HTMLResponse(layout("facetrade sandbox", body, "en"))

    return [Route("/", index), Route("/robots.txt", robots),
            Route("/_sandbox/manifest.json", manifest_json),
            Route("/_sandbox/stats.json", stats),
            Route("/_sandbox/remove", remove, methods=["POST"]),
            Route("/_sandbox/reset", reset, methods=["POST"]),
            Route("/_sandbox/expire-sessions", expire_sessions, methods=["POST"])]
