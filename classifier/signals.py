"""Non-text signals of a listing: contacts, price, bulk quantity and obfuscation tricks."""

from __future__ import annotations

import re

import numpy as np

from classifier.contacts import _PATTERNS, _value, has_contact_hint
from classifier.tables import DOC_SEP

CONTACT_KINDS = ("wechat", "qq", "phone", "telegram", "email", "netdisk", "url")
SIGNAL_NAMES = tuple(f"contact:{k}" for k in CONTACT_KINDS) + (
    "contact:any", "price:tiny", "price:low", "price:negotiable", "price:per_unit", "price:none",
    "bulk:quantity", "evasion:tricks", "evasion:many_tricks", "context:rules", "context:spans")

_PRICE_NUMBER = re.compile(r"(\d+(?:\.\d+)?)")
_PER_UNIT = re.compile(r"[/每一]\s*(张|套|个|组|份|次|单|件|pcs|set|pack|each)|(毛|块|元|r)一?(张|套|个)|per\s*(set|pack|photo|pic)")
_NEGOTIABLE = re.compile(r"面议|私聊|详谈|dm|私我|咨询|议价")
_BULK = re.compile(r"上万|\d+万[张套份个条]|万[张套]|千[张套]|大量|批量|量大|一手|bulk|thousands of|hundreds of")
# Tricks sellers use to dodge keyword filters, looked for in the ORIGINAL text.
_SEP = "[ .\\-_*·•|~]"
_CJK = "[\u4e00-\u9fff]"
_TRICKS = re.compile(
    "[\u2460-\u24ff\u2776-\u2793\u3220-\u3229\u3280-\u3289\u200b-\u200f\u2060\ufeff\uff21-\uff5a]"
    f"|(?:{_CJK}{_SEP}{{1,2}}){{3}}{_CJK}"
    "|[\U0001f100-\U0001f1ff]|[壹贰叁肆伍陆柒捌玖]|[威薇]信|扣扣|企鹅|绿泡泡|(?i:\\bv\\s*x\\b|\\bsfz\\b|\\blian\\b)")
# The same tricks as four patterns that each start with a character class, so the regex
# engine skips ahead (one alternation of them all is tried at every character: 4x slower).
_TRICK_PARTS = tuple(re.compile(p) for p in (
    "[\u2460-\u24ff\u2776-\u2793\u3220-\u3229\u3280-\u3289\u200b-\u200f\u2060\ufeff\uff21-\uff5a"
    "\U0001f100-\U0001f1ff壹贰叁肆伍陆柒捌玖]",
    f"{_SEP}(?<={_CJK}{_SEP})(?:{_SEP}?{_CJK}{_SEP}{{1,2}}){{2}}{_SEP}?{_CJK}",
    "[威薇]信|扣扣|企鹅|绿泡泡",
    "(?i:[vsl](?<!\\w[vsl])(?:(?<=[vV])\\s*x|(?<=[sS])fz|(?<=[lL])ian)\\b)"))


def trick_counts(originals: list[str]) -> list[int]:
    """Count evasion tricks in each original text (``len(_TRICKS.findall(text))``), batch-fast.

    The four fast patterns find which texts have any trick at all, in one scan per pattern
    over the whole batch; only those texts are counted with the exact pattern.
    """
    joined = DOC_SEP.join(originals)
    bases = np.cumsum([0] + [len(t) + 1 for t in originals])[:-1]
    positions = [m.start() for part in _TRICK_PARTS for m in part.finditer(joined)]
    counts = [0] * len(originals)
    if positions:
        for doc in set((np.searchsorted(bases, np.asarray(positions), side="right") - 1).tolist()):
            counts[doc] = len(_TRICKS.findall(originals[doc]))
    return counts


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


def original_text(record: dict) -> str:
    """The seller's own text in which tricks are counted."""
    return f"{record.get('title') or ''} {record.get('description') or ''}"


def listing_signals(record: dict, normalized_text: str, contacts: list[dict], tricks: int | None = None) -> dict[str, float]:
    """Return all non-text signals of one listing (``tricks``: its :func:`trick_counts`, if known)."""
    out = price_signals(record.get("price"))
    for contact in contacts:
        out[f"contact:{contact['kind']}"] = 1.0
    if contacts:
        out["contact:any"] = 1.0
    if _BULK.search(normalized_text):
        out["bulk:quantity"] = 1.0
    if tricks is None:
        tricks = trick_counts([original_text(record)])[0]
    if tricks:
        out["evasion:tricks"] = 1.0
    if tricks >= 3:
        out["evasion:many_tricks"] = 1.0
    return out
