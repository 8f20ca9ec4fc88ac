"""Find off-platform contacts (WeChat, QQ, phone, Telegram, email, netdisk, URLs), obfuscated forms included."""

from __future__ import annotations

import re

from classifier.normalize import Normalized, normalize

# How a handle follows the word that names the app. A colon, "=", "@", or 号/id marks what
# follows as a handle whatever it is; so does writing it straight on (微信demo). After a bare
# space it must hold a digit, "_" or "-": "WeChat accounts", "telegram channels", "TG group"
# and "遥控飞机 boeing" are English words, and no offer in the labelled data wrote a pure-letter
# handle that way. Each alternative starts after the literal, so the literal gate keeps its keys.
_SEP = r"(?:(?:号|id)?[ ]{0,2}[:=@][ :=@]{0,2}|(?:号|id)[ ]{0,3}|(?=[a-z0-9])|[ ]{1,3}(?=[a-z0-9][a-z0-9_\-]*[0-9_\-]))"
_PATTERNS = (
    ("wechat", re.compile(rf"微信{_SEP}([a-z][a-z0-9_\-]{{5,19}}|1[3-9]\d{{9}})(?![a-z0-9_\-])")),
    ("qq", re.compile(r"qq(?:号|群)?[ :=]{0,3}([1-9]\d{4,11})(?!\d)")),
    # "tg" and "telegram" start a word ("MTG Commander" is a card game, not a handle). The check
    # follows each literal: a pattern that starts with a lookbehind loses the regex engine's
    # literal prefix scan and the literal gate's keys (7x slower over a batch).
    ("telegram", re.compile(rf"(?:telegram(?<![a-z0-9]telegram)|tg(?<![a-z0-9]tg)|纸飞机|飞机|电报){_SEP}@?"
                            r"([a-z][a-z0-9_]{4,31})(?![a-z0-9_])")),
    ("telegram", re.compile(r"t\.me/@?([a-z0-9_]{4,32})")),
    ("email", re.compile(r"(?<![a-z0-9._%+\-])([a-z0-9._%+\-]+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,})")),
    ("telegram", re.compile(r"(?<![a-z0-9_.\-])@([a-z][a-z0-9_]{4,31})(?![a-z0-9_.@\-])")),
    ("phone", re.compile(r"(?<!\d)(?:\+?86)?(1[3-9]\d{9})(?!\d)")),
    ("url", re.compile(r"((?:https?://|www\.)[a-z0-9\-._~%/?#\[\]@!$&'()*+,;=:]+"
                       r"|(?<![a-z0-9@.])[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.(?:com|cn|net|org|io|me|cc|top|xyz)"
                       r"/[a-z0-9\-._~%/?#@!$&'*+,;=:]*)")),
)
_NETDISK = re.compile(r"(?:^|[./])(?:pan|yun|lanzou\w*|123pan|aliyundrive|alipan|quark|weiyun|ctfile|115|"
                      r"mega|drive)\.|/s/")
_QUICK = re.compile(r"\d{5}|@|微信|qq|http|www\.|\.[a-z]{2,3}/|telegram|t\.me|tg|飞机|电报")


def has_contact_hint(normalized_text: str) -> bool:
    """Cheap test: could this normalised text hold a contact at all?"""
    return _QUICK.search(normalized_text) is not None


def _value(kind: str, value: str) -> tuple[str, str]:
    value = value.strip().rstrip(".,;:!?)")
    if kind == "url":
        value = re.sub(r"^https?://", "", value)
        if _NETDISK.search(value):
            kind = "netdisk"
    return kind, value


def contacts_in(norm: Normalized) -> list[dict]:
    """Return contacts found in an already normalised text, with the original raw text."""
    text = norm.text
    if not has_contact_hint(text):
        return []
    found, taken = [], []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            start, end = m.span(1)
            if any(s < end and start < e for s, e in taken):
                continue  # already part of an earlier, more specific contact
            taken.append((start, end))
            kind_out, value = _value(kind, m.group(1))
            found.append({"kind": kind_out, "value": value, "raw": norm.original_text(start, end),
                          "start": start})
    found.sort(key=lambda c: c["start"])
    seen, out = set(), []
    for contact in found:
        key = (contact["kind"], contact["value"])
        if key not in seen:
            seen.add(key)
            out.append({k: contact[k] for k in ("kind", "value", "raw")})
    return out


def extract_contacts(text: str) -> list[dict]:
    """Find contacts in raw listing text.

    Parameters
    ----------
    text : str
        Title and/or description as the seller wrote it.

    Returns
    -------
    list of dict
        ``{"kind", "value", "raw"}`` with kind in wechat, qq, phone, telegram, email,
        netdisk, url; ``value`` normalised, ``raw`` as written.
    """
    return contacts_in(normalize(text or ""))
