"""Non-text signals of a listing: contacts, price, bulk quantity and obfuscation tricks."""

from __future__ import annotations

import functools
import re
from collections import Counter

import numpy as np

from classifier.contacts import _PATTERNS, _value, has_contact_hint
from classifier.literals import LiteralGate
from classifier.ngrams import code_points
from classifier.steps import DIGIT, _flags
from classifier.tables import DOC_SEP

CONTACT_KINDS = ("wechat", "qq", "phone", "telegram", "email", "netdisk", "url")
SIGNAL_NAMES = tuple(f"contact:{k}" for k in CONTACT_KINDS) + (
    "contact:any", "price:tiny", "price:low", "price:negotiable", "price:per_unit", "price:none",
    "bulk:quantity", "evasion:tricks", "evasion:many_tricks", "context:rules", "context:spans",
    "context:offer_rules", "rules:spread")

_PRICE_NUMBER = re.compile(r"(\d+(?:\.\d+)?)")
_PER_UNIT = re.compile(r"[/每一]\s*(张|套|个|组|份|次|单|件|pcs|set|pack|each)|(毛|块|元|r)一?(张|套|个)|per\s*(set|pack|photo|pic)")
_NEGOTIABLE = re.compile(r"面议|私聊|详谈|dm|私我|咨询|议价")
_BULK = re.compile(r"上万|\d+万[张套份个条]|万[张套]|千[张套]|大量|批量|量大|一手|bulk|thousands of|hundreds of")
# Tricks sellers use to dodge keyword filters, looked for in the ORIGINAL text.
_SEP = "[ .\\-_*·•|~]"
_CJK = "[\u4e00-\u9fff]"
_NUMERAL = "[0-9０-９\u2460-\u24ff\u2776-\u2793一二三四五六七八九零〇壹贰叁肆伍陆柒捌玖]"
_NUMERAL_SEP = "\\s*[:：👉]?\\s*"
_TRICKS = re.compile(
    "[\u2460-\u24ff\u2776-\u2793\u3220-\u3229\u3280-\u3289\u200b-\u200f\u2060\ufeff\uff21-\uff5a]"
    f"|(?:{_CJK}{_SEP}{{1,2}}){{3}}{_CJK}"
    "|[\U0001f100-\U0001f1ff]|[壹贰叁肆伍陆柒捌玖]|[威薇]信|扣扣|绿泡泡|(?i:\\bv\\s*x\\b|\\bsfz\\b|\\blian\\b)"
    # 企鹅 is a penguin far more often than QQ: a trick only as a contact (加企鹅, 企鹅 ①⓪⓪…).
    f"|企鹅(?={_NUMERAL_SEP}{_NUMERAL}\\s*{_NUMERAL})|(?<=[加+＋])企鹅")
# The same tricks as three patterns that each start with a character class, so the regex
# engine skips ahead (one alternation of them all is tried at every character: 4x slower),
# and the code words, looked for with str.find (an alternation of literals is tried at
# every character too).
_TRICK_PARTS = tuple(re.compile(p) for p in (
    "[\u2460-\u24ff\u2776-\u2793\u3220-\u3229\u3280-\u3289\u200b-\u200f\u2060\ufeff\uff21-\uff5a"
    "\U0001f100-\U0001f1ff壹贰叁肆伍陆柒捌玖]",
    f"{_SEP}(?<={_CJK}{_SEP})(?:{_SEP}?{_CJK}{_SEP}{{1,2}}){{2}}{_SEP}?{_CJK}",
    "(?i:[vsl](?<!\\w[vsl])(?:(?<=[vV])\\s*x|(?<=[sS])fz|(?<=[lL])ian)\\b)"))
_TRICK_WORDS = ("威信", "薇信", "扣扣", "企鹅", "绿泡泡")


# Contact patterns, then the bulk pattern: an automaton scan for their literals says where each can match.
GATE = LiteralGate([p for _, p in _PATTERNS] + [_BULK], forbidden=DOC_SEP)


def trick_counts(originals: list[str]) -> list[int]:
    """Count evasion tricks in each original text (``len(_TRICKS.findall(text))``), batch-fast.

    The fast patterns and the code words find which texts have any trick at all, in one scan each
    over the whole batch; only those texts are counted with the exact pattern, in one scan
    of them joined (no trick spans ``DOC_SEP``, so each text counts as it would alone).
    """
    joined = DOC_SEP.join(originals)
    bases = _bases(originals)
    positions = [m.start() for part in _TRICK_PARTS for m in part.finditer(joined)]
    positions += [i for word in _TRICK_WORDS if word in joined for i in _occurrences(joined, word)]
    counts = [0] * len(originals)
    if positions:
        docs = sorted(set(_docs(bases, positions)))
        sub = [originals[d] for d in docs]
        found = _docs(_bases(sub), [m.start() for m in _TRICKS.finditer(DOC_SEP.join(sub))])
        for k, n in Counter(found).items():
            counts[docs[k]] = n
    return counts


def _occurrences(text: str, word: str) -> list[int]:
    out, at = [], text.find(word)
    while at >= 0:
        out.append(at)
        at = text.find(word, at + 1)
    return out


def _bases(texts: list[str]) -> np.ndarray:
    """Start of each text in ``DOC_SEP.join(texts)``."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    return np.concatenate(([0], np.cumsum(lengths + 1)[:-1])) if len(texts) else lengths


def _docs(bases: np.ndarray, positions: list[int]) -> list[int]:
    """Which text each position of the joined texts is in."""
    return (np.searchsorted(bases, np.asarray(positions, dtype=np.int64), side="right") - 1).tolist()


def find_contacts_many(texts: list[str], candidates: list | None = None, spans: list | None = None) -> list[list[dict]]:
    """:func:`find_contacts` of each normalised text, with one scan per pattern for the batch.

    ``candidates``: per contact pattern, the texts it can match in (from ``GATE``), or
    None for all. No contact pattern matches across ``DOC_SEP`` (nor looks past it
    differently from a text's edge), so texts are scanned joined; and every match holds
    a hint, so the hint test is not needed. ``spans``, when given (a list), gets the
    ``(text, start, end)`` of every contact value the patterns match.
    """
    matches = [[] for _ in texts]  # per text, in the order find_contacts meets them
    candidates = candidates or [None] * len(_PATTERNS)
    for (kind, pattern), docs in zip(_PATTERNS, candidates):
        if kind == "phone":  # its one literal, "1", is everywhere: look for 1[3-9] and nine digits
            docs = _mobile_numbers(texts, docs)
        if docs == []:
            continue
        sub = texts if docs is None else [texts[d] for d in docs]
        bases = _bases(sub)
        found = list(pattern.finditer(DOC_SEP.join(sub)))
        base = bases.tolist()
        for k, m in zip(_docs(bases, [m.start(1) for m in found]), found):
            matches[k if docs is None else docs[k]].append((kind, m.start(1) - base[k], m.end(1) - base[k], m.group(1)))
    if spans is not None:
        spans += [(doc, start, end) for doc, found in enumerate(matches) for _, start, end, _ in found]
    return [_contacts(doc_matches) if doc_matches else [] for doc_matches in matches]


def _mobile_numbers(texts: list[str], docs: list[int] | None) -> list[int]:
    """The texts (of ``docs``; None: all) holding "1", one of 3-9 and nine more digits (``\\d``) in a row."""
    docs = list(range(len(texts))) if docs is None else docs
    sub = [texts[d] for d in docs]
    points = code_points(DOC_SEP.join(sub))
    digits = np.concatenate(([0], np.cumsum((_flags()[points] & DIGIT) != 0)))
    n = len(points) - 10
    if n <= 0:
        return []
    starts = np.flatnonzero((points[:n] == ord("1")) & (points[1:n + 1] >= ord("3")) & (points[1:n + 1] <= ord("9"))
                            & (digits[11:] - digits[2:n + 2] == 9))
    return [docs[k] for k in sorted(set(_docs(_bases(sub), starts.tolist())))]


def _contacts(matches) -> list[dict]:
    found, taken = [], []
    for kind, start, end, raw in matches:
        if any(s < end and start < e for s, e in taken):
            continue  # already part of an earlier, more specific contact
        taken.append((start, end))
        kind_out, value = _value(kind, raw)
        found.append((start, kind_out, value))
    seen, out = set(), []
    for _, kind, value in sorted(found):
        if (kind, value) not in seen:
            seen.add((kind, value))
            out.append({"kind": kind, "value": value})
    return out


def find_contacts(normalized_text: str) -> list[dict]:
    """Return ``{"kind", "value"}`` contacts in a normalised text (no original spans)."""
    if not has_contact_hint(normalized_text):
        return []
    return _contacts([(kind, m.start(1), m.end(1), m.group(1))
                      for kind, pattern in _PATTERNS for m in pattern.finditer(normalized_text)])


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


@functools.lru_cache(maxsize=4096)
def _price_items(text: str) -> tuple[tuple[str, float], ...]:
    return tuple(price_signals(text).items())


def signal_entries(records: list[dict], normalized: list[str], contacts: list[list[dict]],
                   tricks: list[int], index: dict[str, int], bulk_candidates: list[int] | None = None
                   ) -> tuple[list[int], list[int], list[float]]:
    """:func:`listing_signals` of a batch as matrix entries ``(rows, columns, values)``.

    Parameters
    ----------
    records, normalized, contacts, tricks : list
        Per listing: the record, its normalised text, its contacts and its trick count.
    index : dict of str to int
        The column of each signal name.
    bulk_candidates : list of int, optional
        The texts the bulk pattern can match in (from ``GATE``); default all.

    Returns
    -------
    tuple of three lists
    """
    rows, cols, vals = [], [], []
    docs = list(range(len(normalized))) if bulk_candidates is None else bulk_candidates
    sub = [normalized[d] for d in docs]
    bulk = {docs[k] for k in _docs(_bases(sub), [m.start() for m in _BULK.finditer(DOC_SEP.join(sub))])}
    for row, (record, doc_contacts, n_tricks) in enumerate(zip(records, contacts, tricks)):
        out = dict(_price_items(str(record.get("price") or "")))
        for contact in doc_contacts:
            out[f"contact:{contact['kind']}"] = 1.0
        if doc_contacts:
            out["contact:any"] = 1.0
        if row in bulk:
            out["bulk:quantity"] = 1.0
        if n_tricks:
            out["evasion:tricks"] = 1.0
        if n_tricks >= 3:
            out["evasion:many_tricks"] = 1.0
        rows += [row] * len(out)
        cols += [index[name] for name in out]
        vals += out.values()
    return rows, cols, vals
