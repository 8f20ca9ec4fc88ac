"""Undo sellers' evasions (width, case, script, separators, numerals, homophones) with an offset map."""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass

import ahocorasick

from classifier.tables import (CHINESE_DIGITS, DOC_SEP, PINYIN_TERMS, VARIANTS, char_table)

_CJK = "\u3400-\u4dbf\u4e00-\u9fff"
_SYMBOLS = "\u2190-\u21ff\u2500-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff"
# Separators sellers insert between the characters of one word: "人.脸", "人 脸", "微-信".
_CJK_SEP = re.compile(rf"(?<=[{_CJK}])[ .\-_*·•/\\|~^`'\"+=#@&()\[\]<>丨・{_SYMBOLS}]{{1,3}}(?=[{_CJK}])")
_DIGIT_RUN = re.compile(r"\d+(?:[ \-_*·•/|~]{1,2}\d+)+")
_LETTER_RUN = re.compile(r"(?<![a-z0-9])[a-z](?:[ .\-*·•/|~]{1,2}[a-z])+(?![a-z0-9])")
_SEP_CHARS = re.compile(r"[^a-z0-9]")
_NUMERAL_RUN = re.compile("[0-9" + "".join(CHINESE_DIGITS) + "]{5,}")
_SPACES = re.compile(r" {2,}")
# Single letters that mean a platform only in context: "加v", "v:demo", "q:10001".
_LETTER_CONTACT = re.compile(r"(?<=[加+找私])v(?![a-z0-9])|(?<![a-z0-9_])v(?=[:=] ?[a-z0-9])"
                             r"|(?<![a-z0-9_])q(?=[:=]? ?[1-9]\d{4})")
_LETTER_CANON = {"v": "微信", "q": "qq"}
_MAX_PASSES = 5


@dataclass
class Normalized:
    """Normalised text with, per character, the original span it came from."""

    original: str
    text: str
    starts: list[int]
    ends: list[int]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised ``[start, end)`` span back to original offsets."""
        if end <= start or not self.text:
            pos = self.starts[start] if start < len(self.starts) else len(self.original)
            return pos, pos
        return self.starts[start], self.ends[end - 1]

    def original_text(self, start: int, end: int) -> str:
        """Return the original text behind a normalised span."""
        a, b = self.span(start, end)
        return self.original[a:b]


def _variant_map() -> dict[str, str]:
    mapping = {}
    for term, syllables in PINYIN_TERMS.items():
        for choice in itertools.product((0, 1), repeat=len(term)):
            if any(choice):
                key = "".join(syl if pick else ch for ch, syl, pick in zip(term, syllables, choice))
                mapping[key] = term
    mapping.update(VARIANTS)
    return mapping


@functools.lru_cache(maxsize=1)
def _variants() -> tuple[ahocorasick.Automaton, dict[str, str]]:
    mapping = _variant_map()
    automaton = ahocorasick.Automaton()
    for key, value in mapping.items():
        automaton.add_word(key, (key, value))
    automaton.make_automaton()
    return automaton, mapping


def _is_word(ch: str) -> bool:
    return ("a" <= ch <= "z") or ("0" <= ch <= "9") or ch == "_"


def _variant_edits(text: str) -> list[tuple[int, int, str]]:
    automaton, _ = _variants()
    edits = []
    for end, (key, value) in automaton.iter_long(text):
        start = end - len(key) + 1
        # An ASCII edge must not sit inside a longer word ("wx" in "demo_wx_1").
        if _is_word(key[0]) and start > 0 and _is_word(text[start - 1]):
            continue
        if key[0].isdigit() and start > 0 and text[start - 1].isdigit():
            continue
        if _is_word(key[-1]) and end + 1 < len(text) and _is_word(text[end + 1]):
            continue
        edits.append((start, end + 1, value))
    for m in _LETTER_CONTACT.finditer(text):
        if not any(s <= m.start() < e for s, e, _ in edits):
            edits.append((m.start(), m.end(), _LETTER_CANON[m.group()]))
    edits.sort()
    return edits


def _regex_edits(pattern: re.Pattern, func, text: str) -> list[tuple[int, int, str]]:
    edits = []
    for m in pattern.finditer(text):
        repl = func(m.group())
        if repl != m.group():
            edits.append((m.start(), m.end(), repl))
    return edits


def _strip_seps(chunk: str) -> str:
    return _SEP_CHARS.sub("", chunk)


def _digit_run(chunk: str) -> str:
    digits = _SEP_CHARS.sub("", chunk)
    return digits if len(digits) >= 5 else chunk  # a phone/QQ number, not "1-2 days"


def _numerals(chunk: str) -> str:
    return "".join(CHINESE_DIGITS.get(c, c) for c in chunk)


_STEPS = (
    lambda t: [(m.start(), m.end(), "") for m in _CJK_SEP.finditer(t)],
    lambda t: _regex_edits(_DIGIT_RUN, _digit_run, t),
    lambda t: _regex_edits(_LETTER_RUN, _strip_seps, t),
    lambda t: _regex_edits(_NUMERAL_RUN, _numerals, t),
    _variant_edits,
    lambda t: [(m.start(), m.end(), " ") for m in _SPACES.finditer(t)],
)


def _apply(text: str, edits, starts=None, ends=None):
    """Apply non-overlapping edits; when maps are given, carry them along."""
    out, new_starts, new_ends, pos = [], [], [], 0
    for start, end, repl in edits:
        out.append(text[pos:start])
        out.append(repl)
        if starts is not None:
            new_starts += starts[pos:start]
            new_ends += ends[pos:start]
            if len(repl) == end - start:
                new_starts += starts[start:end]
                new_ends += ends[start:end]
            else:
                new_starts += [starts[start]] * len(repl)
                new_ends += [ends[end - 1]] * len(repl)
        pos = end
    out.append(text[pos:])
    if starts is None:
        return "".join(out), None, None
    new_starts += starts[pos:]
    new_ends += ends[pos:]
    return "".join(out), new_starts, new_ends


def _passes(text: str, starts=None, ends=None):
    for _ in range(_MAX_PASSES):  # repeat until stable, so normalising twice changes nothing
        changed = False
        for step in _STEPS:
            edits = step(text)
            if edits:
                changed = True
                text, starts, ends = _apply(text, edits, starts, ends)
        if not changed:
            break
    return text, starts, ends


def normalize(text: str) -> Normalized:
    """Normalise one text, keeping a map from normalised offsets to original ones.

    Parameters
    ----------
    text : str
        Any text; never raises on odd Unicode.

    Returns
    -------
    Normalized
        ``.text`` is the normalised text; ``.span(a, b)`` maps back to the original.
    """
    text = text or ""
    table = char_table()
    pieces, starts, ends = [], [], []
    for i, ch in enumerate(text):
        rep = table.get(ord(ch), ch)
        pieces.append(rep)
        starts += [i] * len(rep)
        ends += [i + 1] * len(rep)
    out, starts, ends = _passes("".join(pieces), starts, ends)
    return Normalized(text, out, starts, ends)


def normalize_text(text: str) -> str:
    """Return only the normalised text (no offset map)."""
    return _passes((text or "").translate(char_table()))[0]


def normalize_many(texts: list[str]) -> list[str]:
    """Normalise many texts at once (same result as :func:`normalize_text` on each)."""
    if not texts:
        return []
    table = char_table()
    joined = DOC_SEP.join(t.translate(table) for t in texts)
    return _passes(joined)[0].split(DOC_SEP)
