"""Evidence snapshots shown safely: page text only, images only as sniffed raster types."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from findings.web import auditlog, itemdata
from findings.web.deps import Ctx, endpoint
from findings.web.txn import immediate


@endpoint()
def snapshot(ctx: Ctx):
    found = itemdata.evidence_body(ctx.db.conn, ctx.path_int("evidence"))
    if found is None:
        return ctx.render("pages/error.html", status=404, code=404, message="No such evidence.")
    row, body = found
    with immediate(ctx.db.conn):
        auditlog.record(ctx.db.conn, ctx.user, "view_evidence", target_kind="evidence", target_id=row["id"],
                        remote_addr=ctx.remote)
    is_image = itemdata.image_type(body) is not None
    text = "" if is_image else itemdata.snapshot_text(body, row["content_type"])
    return ctx.render("pages/evidence.html", row=row, text=text, is_image=is_image)


@endpoint()
def image(ctx: Ctx):
    found = itemdata.evidence_body(ctx.db.conn, ctx.path_int("evidence"))
    kind = itemdata.image_type(found[1]) if found else None
    if kind is None:
        return Response("not an image", status_code=404, media_type="text/plain")
    # A sandboxed, typed response: even a mislabelled file cannot run as a page.
    return Response(found[1], media_type=kind, headers={"content-security-policy": "sandbox; default-src 'none'",
                                                        "cache-control": "private, no-store"})


routes = [
    Route("/evidence/{evidence:int}", snapshot, methods=["GET"]),
    Route("/evidence/{evidence:int}/image", image, methods=["GET"]),
]
