"""Mask personal numbers in exported text: ID cards, phones, QQ, bank cards, emails.

Sellers write numbers with full-width or circled digits (①③⑧) and separators, so the
patterns run over a copy of the text where every digit-like character became an ASCII
digit, one character for one; the masks are then applied to the original at the same
places, keeping the seller's own characters at the kept ends.
"""

from __future__ import annotations

import re
import unicodedata

MASK = "*"
# (name, pattern, digits kept at the start, digits kept at the end)
_D = r"\d"
_SEP = r"[ \-.]?"
_PATTERNS = [
    # Mainland resident ID: 18 characters, the last may be X (checked before cards).
    ("id_card", re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])"), 3, 4),
    # Bank cards: 16-19 digits, possibly in groups of four.
    ("bank_card", re.compile(r"(?<!\d)\d{4}(?:[ \-]\d{4}){3}(?:[ \-]\d{1,3})?(?!\d)"), 4, 4),
    ("bank_card", re.compile(r"(?<!\d)(?:62|4\d|5[1-5])\d{14,17}(?!\d)"), 4, 4),
    # International numbers with a + prefix.
    ("phone", re.compile(r"\+\d{1,3}[ \-]?\(?\d{1,4}\)?(?:[ \-]?\d){5,12}(?!\d)"), 3, 2),
    # Mainland mobiles, optionally +86/86 and 3-4-4 separators.
    ("phone", re.compile(rf"(?<!\d)1[3-9]{_D}{_SEP}{_D}{{4}}{_SEP}{_D}{{4}}(?!\d)"), 3, 4),
    # QQ numbers only where a QQ cue says so (bare 5-11 digit numbers are prices, ids...).
    ("qq", re.compile(r"(?:qq|扣扣|抠抠|企鹅|q号|Q号|球球)\s*(?:号码|号)?\s*[:：=]?\s*\d{5,11}(?!\d)", re.I), 2, 2),
    ("qq", re.compile(r"(?<![A-Za-z])q\s*[:：=]\s*\d{5,11}(?!\d)", re.I), 2, 2),
    # Landlines with area code: 010-12345678, 0755 1234 5678.
    ("phone", re.compile(r"(?<!\d)0\d{2,3}[ \-]\d{7,8}(?!\d)"), 4, 2),
]
_WIDE = {"＋": "+", "－": "-", "—": "-", "　": " ", "＠": "@", "．": "."}
_EMAIL = re.compile(r"([A-Za-z0-9._%+\-]+)@([A-Za-z0-9.\-]+\.[A-Za-z]{2,})")


def _ascii_digits(text: str) -> str:
    """The same text with every digit-like character (０①٣…) as an ASCII digit, same length."""
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch)
            continue
        value = unicodedata.digit(ch, None)
        if value is None:
            value = unicodedata.numeric(ch, None)
        if value is not None and float(value).is_integer() and 0 <= value <= 9:
            out.append(str(int(value)))
        else:
            out.append(_WIDE.get(ch, ch))
    return "".join(out)


def _mask_span(chars: list[str], plain: str, start: int, end: int, keep_head: int, keep_tail: int) -> None:
    digits = [i for i in range(start, end) if plain[i].isdigit() or plain[i] in "Xx" and i == end - 1]
    if len(digits) <= keep_head + keep_tail:
        keep_head, keep_tail = 1, 1
    for i in digits[keep_head:len(digits) - keep_tail]:
        chars[i] = MASK


def mask_email(value: str) -> str:
    """a***e@example.com: the first and last character of the local part stay."""
    def repl(match):
        local, domain = match.group(1), match.group(2)
        hidden = local[0] + MASK * 3 if len(local) <= 2 else local[0] + MASK * (len(local) - 2) + local[-1]
        return f"{hidden}@{domain}"
    return _EMAIL.sub(repl, value)


def find_personal(text: str) -> list[tuple[str, int, int, int, int]]:
    """Return ``(kind, start, end, keep_head, keep_tail)`` of every personal number (no overlaps)."""
    plain = _ascii_digits(text)
    taken = [False] * len(text)
    found = []
    for kind, pattern, head, tail in _PATTERNS:
        for match in pattern.finditer(plain):
            start, end = match.span()
            if any(taken[start:end]):
                continue
            taken[start:end] = [True] * (end - start)
            found.append((kind, start, end, head, tail))
    return sorted(found, key=lambda f: f[1])


def mask_text(text: str | None) -> str | None:
    """Return ``text`` with ID, phone, QQ and card numbers and emails masked."""
    if not text:
        return text
    text = mask_email(text)
    plain = _ascii_digits(text)
    chars = list(text)
    for _kind, start, end, head, tail in find_personal(text):
        _mask_span(chars, plain, start, end, head, tail)
    return "".join(chars)


def mask_contact(kind: str, value: str | None) -> str:
    """Mask a stored contact value by its kind (handles keep a quarter at each end)."""
    value = value or ""
    if kind == "email":
        return mask_email(value)
    if kind in ("phone", "qq") or value.isdigit():
        masked = mask_text(value)
        if masked != value:
            return masked
    if len(value) <= 4:
        return MASK * len(value)
    keep = max(1, len(value) // 4)
    return value[:keep] + MASK * (len(value) - 2 * keep) + value[-keep:]


def mask_record(row: dict, fields=("title", "description", "seller_name", "location")) -> dict:
    """A copy of ``row`` with its free-text fields masked."""
    out = dict(row)
    for name in fields:
        if isinstance(out.get(name), str):
            out[name] = mask_text(out[name])
    return out
