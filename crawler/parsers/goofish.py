"""Parse Goofish (Xianyu) mtop search and detail envelopes into listing dicts."""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qs, urlsplit

from crawler.blocks import envelope_block_reason

logger = logging.getLogger(__name__)

PLATFORM = "goofish"
SEARCH_API = "mtop.taobao.idlemtopsearch"  # pc.search and the app's .search share the shape
DETAIL_API = "mtop.taobao.idle.pc.detail"
USER_HEAD_API = "mtop.idle.web.user.page.head"  # the seller page's header (name, location)


class EnvelopeError(ValueError):
    """An mtop envelope that is not a success; ``blocked`` says whether to stop the site."""

    def __init__(self, message: str, *, blocked: bool = False):
        super().__init__(message)
        self.blocked = blocked


def check_envelope(envelope) -> dict:
    """Return ``envelope["data"]`` of a successful mtop answer, else raise EnvelopeError."""
    if not isinstance(envelope, dict):
        raise EnvelopeError(f"expected a JSON object, got {type(envelope).__name__}")
    reason = envelope_block_reason(envelope)
    if reason:
        raise EnvelopeError(reason, blocked=True)
    ret = envelope.get("ret")
    if isinstance(ret, list) and ret and not str(ret[0]).startswith("SUCCESS"):
        raise EnvelopeError(f"mtop error {ret[0]}")
    data = envelope.get("data")
    if not isinstance(data, dict):
        raise EnvelopeError("envelope has no 'data' object")
    return data


def item_url(base_url: str, item_id: str) -> str:
    """Return the web page of an item (the app's ``fleamarket://`` link is useless to analysts)."""
    return f"{base_url.rstrip('/')}/item?id={item_id}"


def _id_from_target(target: str) -> str | None:
    query = parse_qs(urlsplit(target or "").query)
    ids = query.get("id")
    return ids[0] if ids else None


def _price(ex: dict, detail_params: dict):
    # The displayed price is the parts of ``price`` (["¥", "2499"]); ``oriPrice`` is the
    # struck-through original and must not be taken as the asking price.
    parts = ex.get("price")
    if isinstance(parts, list):
        text = "".join(str(p.get("text", "")) for p in parts if isinstance(p, dict)).strip()
        if text:
            return text
    sold = detail_params.get("soldPrice")
    return f"¥{sold}" if sold not in (None, "") else None


def parse_search_row(row: dict, base_url: str) -> dict | None:
    """Turn one ``resultList`` entry into a listing dict; None for ads and non-items."""
    main = (((row or {}).get("data") or {}).get("item") or {}).get("main") or {}
    ex = main.get("exContent") or {}
    if not isinstance(ex, dict) or str(ex.get("isAliMaMaAD", "")).lower() == "true":
        return None  # Alimama ads link to Taobao shops, not to Goofish listings
    args = (main.get("clickParam") or {}).get("args") or {}
    detail_params = ex.get("detailParams") or {}
    item_id = (ex.get("itemId") or detail_params.get("itemId") or args.get("item_id")
               or args.get("id") or _id_from_target(main.get("targetUrl", "")))
    title = detail_params.get("title") or ex.get("title")
    if not item_id or not title:
        return None
    seller_id = args.get("seller_id")
    return {
        "platform": PLATFORM,
        "id": str(item_id),
        "url": item_url(base_url, str(item_id)),
        "title": title,
        "price": _price(ex, detail_params),
        "seller_id": seller_id,
        "seller_name": ex.get("userNickName") or detail_params.get("userNick"),
        "location": ex.get("area"),
        "posted_at": _millis_to_iso(args.get("publishTime")),
        "image_urls": [ex["picUrl"]] if ex.get("picUrl") else [],
    }


def parse_search(envelope, base_url: str) -> tuple[list[dict], bool]:
    """Return (listings, has_next_page) from a search API envelope."""
    data = check_envelope(envelope)
    rows = data.get("resultList") or []
    if not isinstance(rows, list):
        raise EnvelopeError("'data.resultList' is not a list")
    listings = []
    for index, row in enumerate(rows):
        try:
            listing = parse_search_row(row, base_url)
        except (AttributeError, TypeError) as exc:
            logger.warning("skipping malformed search row %s: %s", index, exc)
            continue
        if listing:
            listings.append(listing)
    info = data.get("resultInfo") or {}
    has_next = info.get("hasNextPage") in (True, "true")
    return listings, has_next


def parse_detail(envelope, base_url: str) -> dict:
    """Return the listing (with description, all images, seller) from a detail envelope."""
    data = check_envelope(envelope)
    item = data.get("itemDO") or {}
    seller = data.get("sellerDO") or {}
    if not item.get("itemId") or not item.get("title"):
        raise EnvelopeError("detail has no itemDO.itemId/title")
    item_id = str(item["itemId"])
    images = [i.get("url") for i in item.get("imageInfos") or [] if isinstance(i, dict) and i.get("url")]
    return {
        "platform": PLATFORM,
        "id": item_id,
        "url": item_url(base_url, item_id),
        "title": item["title"],
        "description": item.get("desc"),
        "price": f"¥{item['soldPrice']}" if item.get("soldPrice") not in (None, "") else None,
        "seller_id": str(seller["sellerId"]) if seller.get("sellerId") else None,
        "seller_name": seller.get("nick") or seller.get("uniqueName"),
        "seller_url": (f"{base_url.rstrip('/')}/personal?userId={seller['sellerId']}"
                       if seller.get("sellerId") else None),
        "location": seller.get("publishCity") or seller.get("city"),
        "posted_at": item.get("GMT_CREATE_DATE_KEY") or _millis_to_iso(item.get("gmtCreate")),
        "image_urls": images,
    }


def _millis_to_iso(value) -> str | None:
    if value in (None, "") or not re.fullmatch(r"\d{10,13}", str(value)):
        return None
    from datetime import datetime, timezone
    seconds = int(value) / (1000 if len(str(value)) == 13 else 1)
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_user_head(envelope) -> dict:
    """Return ``{seller_id, name, location}`` from a seller page's head answer."""
    data = check_envelope(envelope)
    base = ((data.get("module") or {}).get("base")) or {}
    info = data.get("baseInfo") or {}
    if not info.get("kcUserId") and not base.get("displayName"):
        raise EnvelopeError("seller head has no baseInfo.kcUserId / module.base.displayName")
    return {"seller_id": str(info.get("kcUserId") or ""), "name": base.get("displayName"),
            "location": base.get("ipLocation")}
