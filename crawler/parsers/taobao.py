"""Parse legacy Taobao search pages (``g_page_config = {...};``) into listing dicts."""

from __future__ import annotations

import html
import json
import logging
import re
from urllib.parse import urljoin

logger = logging.getLogger(__name__)

PLATFORM = "taobao"
_ASSIGN = re.compile(r"g_page_config\s*=\s*")
_TAGS = re.compile(r"<[^>]+>")


class PageConfigError(ValueError):
    """The page has no readable ``g_page_config`` (truncated, changed, or not a search page)."""


def extract_page_config(text: str) -> dict:
    """Return the ``g_page_config`` object embedded in a search page's script."""
    match = _ASSIGN.search(text)
    if not match:
        raise PageConfigError("no g_page_config assignment in the page")
    try:
        # raw_decode stops at the end of the object, so the trailing ``;`` and the rest of
        # the script do not matter, and a truncated page fails here with a position.
        config, _ = json.JSONDecoder().raw_decode(text, match.end())
    except ValueError as exc:
        raise PageConfigError(f"g_page_config is not valid JSON: {exc}") from None
    if not isinstance(config, dict):
        raise PageConfigError("g_page_config is not an object")
    return config


def _clean(text) -> str | None:
    if text in (None, ""):
        return None
    return html.unescape(_TAGS.sub("", str(text))).strip() or None


def parse_auction(auction: dict, page_url: str) -> dict | None:
    """Turn one ``auctions[]`` entry into a listing dict (None when it has no id/title)."""
    item_id = auction.get("nid")
    title = _clean(auction.get("raw_title")) or _clean(auction.get("title"))
    if not item_id or not title:
        return None
    detail = auction.get("detail_url") or ""
    # Sponsored (p4p) rows link through a click tracker; the item page is what analysts need.
    if auction.get("p4p") or "click.simba" in detail or not detail:
        detail = f"https://item.taobao.com/item.htm?id={item_id}"
    pic = auction.get("pic_url")
    return {
        "platform": PLATFORM,
        "id": str(item_id),
        "url": urljoin(page_url, detail),
        "title": title,
        "price": f"¥{auction['view_price']}" if auction.get("view_price") not in (None, "") else None,
        "seller_id": str(auction["user_id"]) if auction.get("user_id") else None,
        "seller_name": auction.get("nick"),
        "seller_url": (urljoin(page_url, auction["shopLink"]) if auction.get("shopLink") else None),
        "location": auction.get("item_loc"),
        "image_urls": [urljoin(page_url, pic)] if pic else [],
    }


def parse_config(config: dict, page_url: str) -> tuple[list[dict], dict]:
    """Return (listings, pager) where pager has pageSize/totalPage/currentPage when given."""
    mods = config.get("mods") or {}
    itemlist = (mods.get("itemlist") or {}).get("data") or {}
    auctions = itemlist.get("auctions") or []
    if not isinstance(auctions, list):
        raise PageConfigError("mods.itemlist.data.auctions is not a list")
    listings = []
    for index, auction in enumerate(auctions):
        if not isinstance(auction, dict):
            logger.warning("skipping auction %s on %s: not an object", index, page_url)
            continue
        listing = parse_auction(auction, page_url)
        if listing:
            listings.append(listing)
    pager = ((mods.get("pager") or {}).get("data")) or {}
    return listings, pager if isinstance(pager, dict) else {}


def parse_page(text: str, page_url: str) -> tuple[list[dict], dict]:
    """Parse a whole search page's text."""
    return parse_config(extract_page_config(text), page_url)


_DETAIL_TEXT = ("#description .content", "#J_DivItemDesc", ".tb-subtitle")


def parse_detail(text: str) -> dict:
    """Return what a legacy item page adds to its search row: the description (and title).

    Cover-title offers ("学习资料") say what they sell only here, so the classifier needs it.
    """
    from parsel import Selector

    root = Selector(text=text)
    found = {}
    for css in _DETAIL_TEXT:
        value = _clean(" ".join(root.css(css).xpath("string()").getall()))
        if value:
            found["description"] = value
            break
    title = _clean(root.css(".tb-main-title").xpath("string()").get())
    if title:
        found["title"] = title
    return found
