"""Non-text signals of a listing: contacts, price, bulk quantity and obfuscation tricks."""

from __future__ import annotations

import re

from classifier.contacts import _PATTERNS, _value, has_contact_hint

CONTACT_KINDS = ("wechat", "qq", "phone", "telegram", "email", "netdisk", "url")
SIGNAL_NAMES = tuple(f"contact:{k}" for k in CONTACT_KINDS) + (
    "contact:any", "price:tiny", "price:low", "price:negotiable", "price:per_unit", "price:none",
    "bulk:quantity", "evasion:tricks", "evasion:many_tricks")

_PRICE_NUMBER = re.compile(r"(\d+(?:\.\d+)?)")
_PER_UNIT = re.compile(r"[/每一]\s*(张|套|个|组|份|次|单|件|pcs|set|pack|each)|(毛|块|元|r)一?(张|套|个)|per\s*(set|pack|photo|pic)")
_NEGOTIABLE = re.compile(r"面议|私聊|详谈|dm|私我|咨询|议价")
_BULK = re.compile(r"上万|\d+万[张套份个条]|万[张套]|千[张套]|大量|批量|量大|一手|bulk|thousands of|hundreds of")
# Tricks sellers use to dodge keyword filters, looked for in the ORIGINAL text.
_TRICKS = re.compile(
    "[\u2460-\u24ff\u2776-\u2793\u3220-\u3229\u3280-\u3289\u200b-\u200f\u2060\ufeff\uff21-\uff5a]"
    "|(?:[\u4e00-\u9fff][ .\\-_*·•|~]{1,2}){3}[\u4e00-\u9fff]"
    "|[\U0001f100-\U0001f1ff]|[壹贰叁肆伍陆柒捌玖]|[威薇]信|扣扣|企鹅|绿泡泡|(?i:\\bv\\s*x\\b|\\bsfz\\b|\\blian\\b)")


def find_contacts(normalized_text: str) -> list[dict]:
    """Return ``{"kind", "value"}`` contacts in a normalised text (no original spans)."""
    if not has_contact_hint(normalized_text):
        return []
    found, taken = [], []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(normalized_text):
            start, end = m.span(1)
            if any(s < end and start < e for s, e in taken):
                continue
            taken.append((start, end))
            kind_out, value = _value(kind, m.group(1))
            found.append((start, kind_out, value))
    seen, out = set(), []
    for _, kind, value in sorted(found):
        if (kind, value) not in seen:
            seen.add((kind, value))
            out.append({"kind": kind, "value": value})
    return out


def price_signals(price) -> dict[str, float]:
    """Return price features from the price text as the seller wrote it."""
    text = str(price or "").strip().lower()
    if not text:
        return {"price:none": 1.0}
    out = {}
    if _NEGOTIABLE.search(text):
        out["price:negotiable"] = 1.0
    if _PER_UNIT.search(text) or "毛" in text:
        out["price:per_unit"] = 1.0
    m = _PRICE_NUMBER.search(text)
    if m:
        value = float(m.group(1))
        if "毛" in text and value < 10:
            value /= 10
        if value < 2:
            out["price:tiny"] = 1.0
        elif value < 50:
            out["price:low"] = 1.0
    elif "毛" in text:
        out["price:tiny"] = 1.0
    return out


def listing_signals(record: dict, normalized_text: str, contacts: list[dict]) -> dict[str, float]:
    """Return all non-text signals of one listing."""
    out = price_signals(record.get("price"))
    for contact in contacts:
        out[f"contact:{contact['kind']}"] = 1.0
    if contacts:
        out["contact:any"] = 1.0
    if _BULK.search(normalized_text):
        out["bulk:quantity"] = 1.0
    original = f"{record.get('title') or ''} {record.get('description') or ''}"
    tricks = len(_TRICKS.findall(original))
    if tricks:
        out["evasion:tricks"] = 1.0
    if tricks >= 3:
        out["evasion:many_tricks"] = 1.0
    return out
