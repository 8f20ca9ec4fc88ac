"""The item page and everything done from it: decide, skip, reveal, reassign, bulk, undo."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from findings.web import auditlog, itemdata, review
from findings.web import users as users_lib
from findings.web.deps import Ctx, endpoint
from findings.web.routes.queue import next_item
from findings.web.txn import immediate

DEFAULT_REASON = {"id_kit": "sells_id_documents", "face_data": "sells_face_data",
                  "photo_activation": "liveness_bypass_tool", "verification_bypass": "verification_service",
                  "realname_account": "account_for_sale"}


def _audit(ctx: Ctx, action: str, listing_ref, **extra) -> None:
    with immediate(ctx.db.conn):
        auditlog.record(ctx.db.conn, ctx.user, action, target_kind="listing", target_id=listing_ref,
                        remote_addr=ctx.remote, **extra)


def _page(ctx: Ctx, listing_ref: int, *, revealed=(), status: int = 200):
    conn = ctx.db.conn
    item = itemdata.listing(conn, listing_ref)
    if item is None:
        return ctx.render("pages/error.html", status=404, code=404, message="No such listing.")
    unmasked = "contacts" in revealed and users_lib.has_role(ctx.user, "lead")
    seller, seller_listings = itemdata.seller(conn, item["seller_ref"], listing_ref)
    category = (item["classification"] or {}).get("category")
    evidence = itemdata.evidence(conn, listing_ref)
    images = [ev for ev in evidence
              if (ev["content_type"] or "").startswith("image/") or ev["kind"] in ("image", "screenshot")]
    return ctx.render(
        "pages/item.html", status=status, item=item, revealed=revealed, unmasked=unmasked,
        contacts=itemdata.contacts(conn, listing_ref, unmasked=unmasked),
        seller=seller, seller_listings=seller_listings,
        duplicates=itemdata.near_duplicates(conn, listing_ref),
        title_cluster=len(itemdata.cluster_refs(conn, listing_ref, "title")),
        contact_cluster=len(itemdata.cluster_refs(conn, listing_ref, "contact")),
        evidence=evidence, images=images, decisions=itemdata.decisions(conn, listing_ref),
        reasons=review.REASONS, categories=review.CATEGORIES, category=category,
        default_reason=DEFAULT_REASON.get(category, ""),
        mine=item["claimed_by"] == ctx.user["id"],
        assignees=users_lib.list_users(ctx.db) if users_lib.has_role(ctx.user, "lead") else [])


@endpoint()
def item_page(ctx: Ctx):
    listing_ref = ctx.path_int("listing")
    _audit(ctx, "view", listing_ref)
    return _page(ctx, listing_ref)


@endpoint()
def decide(ctx: Ctx):
    listing_ref = ctx.path_int("listing")
    action = ctx.form.get("action", "")
    decision = review.decide(ctx.db, ctx.user, listing_ref, action, ctx.form.get("reason_code", ""),
                             category=ctx.form.get("category") or None, note=ctx.form.get("note"))
    ctx.flash(f"Listing {listing_ref}: {action.replace('_', ' ')} ({ctx.form.get('reason_code')}).",
              undo={"decision_id": decision})
    if ctx.form.get("then") == "item":
        return RedirectResponse(f"/items/{listing_ref}", status_code=303)
    return next_item(ctx)


@endpoint()
def skip(ctx: Ctx):
    review.release(ctx.db, ctx.user, ctx.path_int("listing"), skip=True)
    return next_item(ctx)


@endpoint()
def release(ctx: Ctx):
    review.release(ctx.db, ctx.user, ctx.path_int("listing"))
    return RedirectResponse("/queue", status_code=303)


@endpoint()
def reveal(ctx: Ctx):
    """Unblur images (any analyst) or unmask contacts (leads); audited either way."""
    listing_ref = ctx.path_int("listing")
    what = ctx.form.get("what")
    if what not in ("images", "contacts"):
        return ctx.render("pages/error.html", status=400, code=400, message="Reveal what?")
    if what == "contacts" and not users_lib.has_role(ctx.user, "lead"):
        return ctx.render("pages/error.html", status=403, code=403, message="This needs the lead role.")
    _audit(ctx, "reveal", listing_ref, detail={"what": what})
    if ctx.request.headers.get("x-requested-with") == "fetch":
        return Response(status_code=204)
    return _page(ctx, listing_ref, revealed=(what,))


@endpoint(role="lead")
def assign(ctx: Ctx):
    name = ctx.form.get("assignee") or ""
    assignee = users_lib.get_user(ctx.db, name=name) if name else None
    if name and (assignee is None or assignee["disabled"]):
        raise review.ReviewError(f"no active user {name!r}", 400)
    review.assign(ctx.db, ctx.user, ctx.path_int("listing"), assignee)
    ctx.flash(f"Assigned to {name}." if name else "Claim released.")
    return RedirectResponse(f"/items/{ctx.path_int('listing')}", status_code=303)


@endpoint()
def cluster_preview(ctx: Ctx):
    listing_ref = ctx.path_int("listing")
    kind = ctx.params.get("kind", "title")
    refs = itemdata.cluster_refs(ctx.db.conn, listing_ref, kind)
    return ctx.render("pages/cluster.html", listing_ref=listing_ref, kind=kind, count=len(refs),
                      rows=itemdata.cluster_rows(ctx.db.conn, refs), reasons=review.REASONS,
                      categories=review.CATEGORIES)


@endpoint()
def cluster_decide(ctx: Ctx):
    listing_ref = ctx.path_int("listing")
    kind = ctx.form.get("kind", "title")
    refs = itemdata.cluster_refs(ctx.db.conn, listing_ref, kind)
    expected = ctx.form.get("expected")
    if expected is not None and str(len(refs)) != expected:
        ctx.flash(f"The cluster changed ({expected} → {len(refs)} items) while you looked: check again.")
        return RedirectResponse(f"/items/{listing_ref}/cluster?kind={kind}", status_code=303)
    action = ctx.form.get("action", "")
    batch, count = review.decide_many(ctx.db, ctx.user, refs, action, ctx.form.get("reason_code", ""),
                                      category=ctx.form.get("category") or None, note=ctx.form.get("note"))
    ctx.flash(f"Decided {count} listings as {action.replace('_', ' ')}.", undo={"batch_id": batch})
    return RedirectResponse("/queue", status_code=303)


@endpoint()
def undo(ctx: Ctx):
    batch = ctx.form.get("batch_id") or None
    decision = int(ctx.form["decision_id"]) if not batch else None
    count = review.undo(ctx.db, ctx.user, decision_id=decision, batch_id=batch)
    ctx.flash(f"Undone: {count} decision{'s' if count != 1 else ''}. The items are back in the queue.")
    return RedirectResponse("/queue", status_code=303)


routes = [
    Route("/items/{listing:int}", item_page, methods=["GET"]),
    Route("/items/{listing:int}/decide", decide, methods=["POST"]),
    Route("/items/{listing:int}/skip", skip, methods=["POST"]),
    Route("/items/{listing:int}/release", release, methods=["POST"]),
    Route("/items/{listing:int}/reveal", reveal, methods=["POST"]),
    Route("/items/{listing:int}/assign", assign, methods=["POST"]),
    Route("/items/{listing:int}/cluster", cluster_preview, methods=["GET"]),
    Route("/items/{listing:int}/cluster", cluster_decide, methods=["POST"]),
    Route("/undo", undo, methods=["POST"]),
]
