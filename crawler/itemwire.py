"""Crawler items as JSON messages, so workers on other machines can hand them to one writer."""

from __future__ import annotations

import base64
import dataclasses
import json

from crawler.items import Capture, ImageItem, ListingItem, PageDone, SellerItem

_TYPES = {"listing": ListingItem, "page": PageDone, "seller": SellerItem, "image": ImageItem}
_NAMES = {cls: name for name, cls in _TYPES.items()}
# Fields the writer fills in itself; a worker never sends them.
_WRITER_FIELDS = {"record", "listing_ref", "status", "result"}


class WireError(ValueError):
    """A message that is not a crawler item (truncated, foreign, or from a newer version)."""


def _capture_dict(capture: Capture | None) -> dict | None:
    if capture is None:
        return None
    data = dataclasses.asdict(capture)
    data["body"] = base64.b64encode(capture.body).decode("ascii")
    return data


def encode(item, crawl: str) -> str:
    """Return the JSON message for a ListingItem, PageDone, SellerItem or ImageItem of crawl ``crawl``."""
    name = _NAMES.get(type(item))
    if name is None:
        raise WireError(f"not a crawler item: {type(item).__name__}")
    fields = {f.name: getattr(item, f.name) for f in dataclasses.fields(item)
              if f.name not in _WRITER_FIELDS}
    fields["capture"] = _capture_dict(fields.get("capture"))
    return json.dumps({"type": name, "crawl": crawl, "item": fields}, ensure_ascii=False, default=str)


def end_message(crawl: str, status: str, reason: str | None = None) -> str:
    """The message that closes a crawl's run: ``ok``, ``blocked`` or ``interrupted``."""
    return json.dumps({"type": "end", "crawl": crawl, "status": status, "reason": reason})


def decode(message: bytes | str) -> tuple[str, str, object]:
    """Return ``(type, crawl, item-or-message)``; raise WireError naming what is wrong."""
    try:
        data = json.loads(message)
        kind, crawl = data["type"], data["crawl"]
    except (ValueError, KeyError, TypeError) as exc:
        raise WireError(f"unreadable item message ({exc}): {str(message)[:120]!r}") from None
    if kind == "end":
        return kind, crawl, data
    if kind not in _TYPES:
        raise WireError(f"unknown item type {kind!r} in crawl {crawl!r}")
    try:
        fields = dict(data["item"])
        capture = fields.get("capture")
        if capture:
            capture = dict(capture, body=base64.b64decode(capture["body"]))
            capture["headers"] = [tuple(h) for h in capture.get("headers") or []]
            fields["capture"] = Capture(**capture)
        return kind, crawl, _TYPES[kind](**fields)
    except (KeyError, TypeError, ValueError) as exc:
        raise WireError(f"bad {kind} message in crawl {crawl!r}: {exc}") from None
