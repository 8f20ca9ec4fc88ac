"""Turn a raw listing (from a file, a crawler or a platform export) into a clean record."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

# A field bigger than this is not a listing, it is an attack or a broken export.
MAX_FIELD_CHARS = 1_000_000
MAX_ID_CHARS = 256

_CURRENCY_MARKS = {
    "¥": "CNY", "￥": "CNY", "元": "CNY", "rmb": "CNY", "cny": "CNY", "块": "CNY",
    "$": "USD", "usd": "USD", "us$": "USD", "€": "EUR", "eur": "EUR", "£": "GBP", "gbp": "GBP",
    "hk$": "HKD", "hkd": "HKD", "nt$": "TWD", "twd": "TWD",
}
_NUMBER = re.compile(r"(\d+(?:[.,]\d+)*)\s*(万|w|k)?", re.IGNORECASE)


class RecordError(ValueError):
    """A listing that cannot be stored; the message says which field and why."""


@dataclass
class ListingRecord:
    platform: str
    listing_id: str
    title: str
    url: str | None = None
    description: str | None = None
    price_cents: int | None = None
    currency: str | None = None
    price_text: str | None = None
    seller_id: str | None = None
    seller_name: str | None = None
    seller_url: str | None = None
    location: str | None = None
    posted_at: str | None = None
    image_urls: list[str] = field(default_factory=list)
    content_hash: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # The fields whose change makes a new version; computed once, compared often.
        payload = "\x1f".join((self.title, self.description or "", str(self.price_cents), self.price_text or ""))
        self.content_hash = hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def utcnow() -> str:
    """Return the current UTC time as ISO-8601 with seconds and a Z suffix."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_CURRENCY_RE = re.compile("|".join(re.escape(mark) for mark in sorted(_CURRENCY_MARKS, key=len, reverse=True)))
_SCALE = {"万": 10_000, "w": 10_000, "k": 1_000}


def parse_price(raw) -> tuple[int | None, str | None]:
    """Parse a price as shops write it into (cents, ISO currency).

    ``"¥12.50"`` → ``(1250, "CNY")``; ``"0.5元/套"`` → ``(50, "CNY")``; ``"1.2万"`` →
    ``(1200000, None)``; a bare number is taken as-is with no currency.
    """
    if raw is None or raw == "" or isinstance(raw, bool):
        return None, None
    if isinstance(raw, (int, float)):
        return int(round(float(raw) * 100)), None
    text = str(raw).strip()[:200]
    mark = _CURRENCY_RE.search(text.lower())
    currency = _CURRENCY_MARKS[mark.group(0)] if mark else None
    match = _NUMBER.search(text)
    if not match:
        return None, currency
    digits = match.group(1)
    # "1,299.00" uses the comma for thousands; "12,5" (European) for decimals.
    if "," in digits:
        if "." not in digits and re.fullmatch(r"\d+,\d{1,2}", digits):
            digits = digits.replace(",", ".")
        else:
            digits = digits.replace(",", "")
    try:
        value = float(digits)
    except ValueError:
        return None, currency
    scale = match.group(2)
    multiplier = _SCALE[scale.lower()] if scale else 1
    return int(round(value * multiplier * 100)), currency


def _text(raw: dict, key: str, *, required: bool = False, limit: int = MAX_FIELD_CHARS) -> str | None:
    value = raw.get(key)
    if value is None or value == "":
        if required:
            raise RecordError(f"missing {key!r}")
        return None
    if type(value) is not str:
        if isinstance(value, (dict, list)):
            raise RecordError(f"{key!r} must be text, got {type(value).__name__}")
        value = str(value)
    if len(value) > limit:
        raise RecordError(f"{key!r} is {len(value):,} characters (limit {limit:,})")
    value = value.strip()
    if required and not value:
        raise RecordError(f"missing {key!r}")
    return value or None


def _images(raw: dict) -> list[str]:
    value = raw.get("image_urls")
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [v for v in re.split(r"[\s,|]+", value) if v]
    if not isinstance(value, list):
        raise RecordError("'image_urls' must be a list or a comma-separated string")
    return [str(v)[:2048] for v in value[:100]]


def record_from_dict(raw: dict, *, default_platform: str | None = None) -> ListingRecord:
    """Validate a raw listing dict (the documented ingest keys) into a record.

    Raises
    ------
    RecordError
        Naming the field that is missing, malformed or oversized.
    """
    if not isinstance(raw, dict):
        raise RecordError(f"expected an object, got {type(raw).__name__}")
    platform = _text(raw, "platform", limit=64) or default_platform
    if not platform:
        raise RecordError("missing 'platform'")
    listing_id = _text(raw, "id", limit=MAX_ID_CHARS) or _text(raw, "listing_id", limit=MAX_ID_CHARS)
    if not listing_id:
        raise RecordError("missing 'id'")
    price_raw = raw.get("price")
    if isinstance(price_raw, str) and len(price_raw) > 200:
        raise RecordError(f"'price' is {len(price_raw):,} characters")
    cents, currency = parse_price(price_raw)
    if raw.get("currency"):
        currency = _text(raw, "currency", limit=8).upper()
    return ListingRecord(
        platform=platform.lower(),
        listing_id=listing_id,
        title=_text(raw, "title", required=True),
        url=_text(raw, "url", limit=4096),
        description=_text(raw, "description"),
        price_cents=cents,
        currency=currency,
        price_text=None if price_raw in (None, "") else str(price_raw),
        seller_id=_text(raw, "seller_id", limit=MAX_ID_CHARS),
        seller_name=_text(raw, "seller_name", limit=1000),
        seller_url=_text(raw, "seller_url", limit=4096),
        location=_text(raw, "location", limit=1000),
        posted_at=_text(raw, "posted_at", limit=64),
        image_urls=_images(raw),
    )
