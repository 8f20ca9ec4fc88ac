"""The ground truth a crawl is checked against: sites, queries and the ids each must return."""

from __future__ import annotations

from sandbox import grammar, hostile
from sandbox.catalogue import CATEGORIES, HOSTILE_KINDS
from sandbox.state import SandboxState

SEARCH_SEMANTICS = (
    "A query is lowercased and split on whitespace; a listing matches when its lowercased "
    "title + ' ' + description contains every term as a substring. An empty query matches "
    "every listing of the site. Results are ordered newest first (descending listing id). "
    "Taken-down listings never match.")
ROBOTS_DISALLOW = ("/classifieds-zh/internal/", "/classifieds-en/internal/", "/taobao/internal/")

# Site name for `facetrade crawl` -> (path prefix, style, page size, encoding, URL shapes)
SITES = {
    "goofish": ("/goofish", "goofish-mtop", 30, "utf-8", {
        "search_page": "/goofish/search?q={query}",
        "search_api": "/goofish/h5/mtop.taobao.idlemtopsearch.pc.search/1.0/",
        "detail_api": "/goofish/h5/mtop.taobao.idle.pc.detail/1.0/",
        "item_page": "/goofish/item?id={id}",
        "seller_page": "/goofish/personal?userId={seller_id}",
        "login_page": "/goofish/login"}),
    "taobao": ("/taobao", "taobao-g_page_config", 44, "gbk", {
        "search_page": "/taobao/search?q={query}&s={offset}",
        "item_page": "/taobao/item.htm?id={id}",
        "shop_page": "/taobao/shop?user_id={seller_id}"}),
    "classifieds_zh": ("/classifieds-zh", "html", 20, "utf-8", {
        "search_page": "/classifieds-zh/search?q={query}&page={page}",
        "browse_page": "/classifieds-zh/listings?page={page}",
        "item_page": "/classifieds-zh/listing/{id}",
        "seller_page": "/classifieds-zh/seller/{seller_id}"}),
    "classifieds_en": ("/classifieds-en", "html", 20, "utf-8", {
        "search_page": "/classifieds-en/search?q={query}&page={page}",
        "browse_page": "/classifieds-en/listings?page={page}",
        "item_page": "/classifieds-en/listing/{id}",
        "seller_page": "/classifieds-en/seller/{seller_id}"}),
}


def site_queries(site: str) -> list[str]:
    """Return the queries the manifest answers for a site (from data/sandbox/queries.yml)."""
    return list(grammar.load("queries")["en" if site == "classifieds_en" else "zh"])


def build(state: SandboxState, base: str) -> dict:
    """Return the manifest for the server reachable at ``base`` in its current state."""
    sites = {}
    for name, (prefix, style, size, encoding, shapes) in SITES.items():
        sites[name] = {
            "crawl_site": name, "base_url": base + prefix, "style": style, "page_size": size,
            "encoding": encoding, "urls": {k: base + v for k, v in shapes.items()},
            "listing_ids": [str(i.id) for i in state.search(name, "")],
            "queries": {q: [str(i.id) for i in state.search(name, q)] for q in site_queries(name)},
        }
    return {
        "sandbox": "facetrade sandbox marketplace", "seed": state.options.seed,
        "listings_total": len(state.catalogue.listings), "search_semantics": SEARCH_SEMANTICS,
        "categories": list(CATEGORIES), "sites": sites,
        "listings": {str(i.id): _listing(i) for i in state.catalogue.listings},
        "sellers": {str(s.id): _seller(s) for s in state.catalogue.sellers.values()},
        "rings": _rings(state),
        "hostile": {"listings": {str(i.id): i.hostile for i in state.catalogue.listings if i.hostile},
                    "kinds": list(HOSTILE_KINDS), "on_demand_param": "hostile",
                    "on_demand_kinds": list(hostile.ON_DEMAND)},
        "removed": sorted(str(i) for i in state.removed),
        "robots_disallow": list(ROBOTS_DISALLOW),
        "options": {k: getattr(state.options, k) for k in state.options.__dataclass_fields__},
    }


def _listing(item) -> dict:
    return {"label": item.label, "kind": item.kind, "category": item.category,
            "evasion": item.evasion, "group": item.group, "lang": item.lang,
            "title": item.title, "seller_id": str(item.seller_id), "sites": list(item.sites),
            "contacts": item.contacts, "hostile": item.hostile, "price": item.price}


def _seller(seller) -> dict:
    return {"nick": seller.nick, "enc_id": seller.enc_id, "lang": seller.lang,
            "illicit": seller.illicit, "ring": seller.ring, "contacts": seller.contacts,
            "city": seller.city}


def _rings(state: SandboxState) -> dict:
    rings: dict = {}
    for seller in state.catalogue.sellers.values():
        if seller.ring:
            entry = rings.setdefault(seller.ring, {"shared_contact": seller.contacts[1], "sellers": []})
            entry["sellers"].append(str(seller.id))
    return rings
