"""Seller networks in the review app: the list, one network drawn as SVG, and bulk decisions on it."""

from __future__ import annotations

import math

from starlette.responses import RedirectResponse
from starlette.routing import Route

from findings import networks as lib
from findings.web import review
from findings.web.deps import Ctx, endpoint

COLOURS = {"contact": "#c0392b", "text": "#2471a3", "image": "#7d3c98"}
SIZE = 420


def layout(net: dict) -> dict:
    """Sellers on a circle, each seller's listings on a small circle around it, links as lines."""
    groups: dict = {}
    for m in net["members"]:
        groups.setdefault(m["seller_ref"] if m["seller_ref"] is not None else f"l{m['id']}", []).append(m)
    centre, ring = SIZE / 2, SIZE / 2 - 60
    sellers, listings, at = [], [], {}
    for i, (key, members) in enumerate(groups.items()):
        angle = 2 * math.pi * i / len(groups)
        sx, sy = centre + ring * math.cos(angle), centre + ring * math.sin(angle)
        sellers.append({"x": sx, "y": sy, "label": members[0]["seller_name"] or members[0]["seller_id"] or "?"})
        for j, m in enumerate(members):
            a = 2 * math.pi * j / len(members)
            at[m["id"]] = (sx + 28 * math.cos(a), sy + 28 * math.sin(a))
            listings.append({"id": m["id"], "x": at[m["id"]][0], "y": at[m["id"]][1], "sx": sx, "sy": sy,
                             "title": m["title"], "status": m["review_status"] or "not queued"})
    edges = [{"x1": at[e["a"]][0], "y1": at[e["a"]][1], "x2": at[e["b"]][0], "y2": at[e["b"]][1],
              "colour": COLOURS[e["kind"]], "kind": e["kind"], "detail": e["detail"]}
             for e in net["edges"] if e["a"] in at and e["b"] in at]
    return {"size": SIZE, "sellers": sellers, "listings": listings, "edges": edges}


def _open_refs(net: dict) -> list[int]:
    return [m["id"] for m in net["members"] if m["review_status"] == "open"]


@endpoint()
def network_list(ctx: Ctx):
    return ctx.render("pages/networks.html", networks=lib.list_networks(ctx.db.conn, 200))


@endpoint()
def network_page(ctx: Ctx):
    net = lib.get_network(ctx.db.conn, ctx.path_int("network"))
    if net is None:
        return ctx.render("pages/error.html", status=404, code=404, message="No such network (rebuilt since?).")
    masked = {k: lib._masked_detail(k, True) for k in net["shared_contacts"]}
    return ctx.render("pages/network.html", net=net, graph=layout(net), masked=masked,
                      open_count=len(_open_refs(net)), reasons=review.REASONS, categories=review.CATEGORIES,
                      colours=COLOURS)


@endpoint()
def network_of_listing(ctx: Ctx):
    network = lib.network_of(ctx.db.conn, ctx.path_int("listing"))
    if network is None:
        return ctx.render("pages/error.html", status=404, code=404, message="This listing is in no network.")
    return RedirectResponse(f"/networks/{network}", status_code=303)


@endpoint()
def network_decide(ctx: Ctx):
    network = ctx.path_int("network")
    net = lib.get_network(ctx.db.conn, network)
    if net is None:
        return ctx.render("pages/error.html", status=404, code=404, message="No such network (rebuilt since?).")
    refs = _open_refs(net)
    expected = ctx.form.get("expected")
    if expected is not None and str(len(refs)) != expected:
        ctx.flash(f"The network changed ({expected} → {len(refs)} open items) while you looked: check again.")
        return RedirectResponse(f"/networks/{network}", status_code=303)
    action = ctx.form.get("action", "")
    batch, count = review.decide_many(ctx.db, ctx.user, refs, action, ctx.form.get("reason_code", ""),
                                      category=ctx.form.get("category") or None, note=ctx.form.get("note"))
    ctx.flash(f"Network #{network}: decided {count} listings as {action.replace('_', ' ')}.",
              undo={"batch_id": batch})
    return RedirectResponse(f"/networks/{network}", status_code=303)


routes = [
    Route("/networks", network_list, methods=["GET"]),
    Route("/networks/{network:int}", network_page, methods=["GET"]),
    Route("/networks/{network:int}/decide", network_decide, methods=["POST"]),
    Route("/networks/of/{listing:int}", network_of_listing, methods=["GET"]),
]
