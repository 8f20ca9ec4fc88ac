"""A seller's page: their listings, contacts and the sellers sharing those contacts."""

from __future__ import annotations

from starlette.routing import Route

from findings.web import itemdata
from findings.web.deps import Ctx, endpoint
from findings.web.queries import PAGE_SIZE


@endpoint()
def seller_page(ctx: Ctx):
    conn = ctx.db.conn
    seller_ref = ctx.path_int("seller")
    seller = itemdata.fetch_one(conn, "SELECT * FROM sellers WHERE id = ?", (seller_ref,))
    if seller is None:
        return ctx.render("pages/error.html", status=404, code=404, message="No such seller.")
    listings = itemdata.fetch_all(
        conn, "SELECT l.id, l.title, l.status, l.first_seen_at, ri.score, ri.status AS review_status"
        " FROM listings l LEFT JOIN review_items ri ON ri.listing_ref = l.id WHERE l.seller_ref = ?"
        " ORDER BY ri.score IS NULL, ri.score DESC, l.id DESC LIMIT ?", (seller_ref, PAGE_SIZE))
    network = itemdata.fetch_all(
        conn, "SELECT s.id, s.platform, s.name, s.seller_id, count(DISTINCT mine.contact_ref) AS shared"
        " FROM listings ml JOIN listing_contacts mine ON mine.listing_ref = ml.id"
        " JOIN listing_contacts o ON o.contact_ref = mine.contact_ref JOIN listings ol ON ol.id = o.listing_ref"
        " JOIN sellers s ON s.id = ol.seller_ref WHERE ml.seller_ref = ? AND s.id != ?"
        " GROUP BY s.id ORDER BY shared DESC LIMIT 50", (seller_ref, seller_ref))
    return ctx.render("pages/seller.html", seller=seller, listings=listings, network=network)


routes = [Route("/sellers/{seller:int}", seller_page, methods=["GET"])]
