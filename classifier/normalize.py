"""Undo sellers' evasions (width, case, script, separators, numerals, homophones) with an offset map."""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass

import ahocorasick

from classifier.tables import (CHINESE_DIGITS, DOC_SEP, HOMOPHONE_TERMS, PINYIN_SEPARATORS, PINYIN_TERMS, VARIANTS,
                               censored_variants, char_table, leet_variants, sounds, syllable_table)

_CJK = "\u3400-\u4dbf\u4e00-\u9fff"
_SYMBOLS = "\u2190-\u21ff\u2500-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff"
# Separators sellers insert between the characters of one word: "人.脸", "人 脸", "微-信".
_SEP_CLASS = rf"[ .\-_*·•/\\|~^`'\"+=#@&()\[\]<>丨・{_SYMBOLS}]"
# A separator first (then a lookbehind for the Chinese char before it): a leading character
# class lets the regex engine skip ahead fast.
_CJK_SEP = re.compile(rf"{_SEP_CLASS}(?<=[{_CJK}]{_SEP_CLASS}){_SEP_CLASS}{{0,2}}(?=[{_CJK}])")
_DIGIT_SEP = r"[ \-_*·•/|~]"
_DIGIT_RUN = re.compile(rf"\d+(?:{_DIGIT_SEP}{{1,2}}\d+)+")
# Lookbehinds come after the first letter: a literal first lets the regex engine skip ahead fast.
# Single letters (and digits, "_") spaced out: "v x", "s.f.z", and handles "d e m o _ w x _ 5 8".
_LETTER_SEP = rf"[ .\-*·•/|~{_SYMBOLS}]"
_SPACED_CHAR = "[a-z0-9_]"
# A letter beside a leetspeak symbol is inside a word ("b!o v!rtual" is two words, not "o v").
_LETTER_RUN = re.compile(rf"{_SPACED_CHAR}(?<![a-z0-9_@$!¥][a-z0-9_])(?:{_LETTER_SEP}{{1,2}}{_SPACED_CHAR})+(?![a-z0-9_@$!¥])")
_SPACED_SEPS = re.compile(r"[^a-z0-9_]")
_SEP_CHARS = re.compile(r"[^a-z0-9]")
_NUMERAL_CLASS = "[0-9" + "".join(CHINESE_DIGITS) + "]"
_NUMERAL_RUN = re.compile(_NUMERAL_CLASS + "{5,}")
_SPACES = re.compile(r" {2,}")
# Single letters that mean a platform only in context: "加v", "v:demo", "q:10001".
_LETTER_CONTACT = re.compile(r"v(?:(?<=[加+找私]v)(?![a-z0-9])|(?<![a-z0-9_]v)(?=[:=] ?[a-z0-9])"
                             # a bare v after Chinese, then a handle with a digit or "_": "主页有v demo_wx_58"
                             # (not "复古vintage")
                             r"|(?<=[\u4e00-\u9fff]v)(?= ?[a-z](?=[a-z0-9\-]*[_0-9])[a-z0-9_\-]{5,19}(?![a-z0-9_\-])))"
                             r"|q(?<![a-z0-9_]q)(?=[:=]? ?[1-9]\d{4})")
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
        if len(syllables) > 1:  # spaced full pinyin: "ren lian", "shen-fen-zheng"
            for sep in PINYIN_SEPARATORS:
                mapping.setdefault(sep.join(syllables), term)
    mapping.update(censored_variants())
    mapping.update(leet_variants())
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


@functools.lru_cache(maxsize=1)
def _homophones() -> ahocorasick.Automaton:
    """Automaton over the sound of key terms (see :func:`classifier.tables.syllable_table`)."""
    table = syllable_table()
    automaton = ahocorasick.Automaton()
    for term in HOMOPHONE_TERMS:
        automaton.add_word(term.translate(table), term)
    automaton.make_automaton()
    return automaton


def _homophone_edits(text: str) -> list[tuple[int, int, str]]:
    """Key terms written with same-sounding characters → the term (same length, so offsets stay)."""
    edits = []
    for end, term in _homophones().iter_long(sounds(text)):
        start = end - len(term) + 1
        if text[start:end + 1] != term:
            edits.append((start, end + 1, term))
    return edits


def _is_word(ch: str) -> bool:
    return ("a" <= ch <= "z") or ("0" <= ch <= "9") or ch == "_"


# Leetspeak inside an English word ("f@ce", "h0lding", "l!veness", "cr¥pto"): a digit or symbol
# between two letters, in a word of letters and such characters only. Found from the symbol (a
# leading character class lets the regex engine skip ahead); the word around it is checked in
# Python. Not a number ("iphone13pro": two different digits in a row), a short model code ("a7r",
# "k3s": two letters in three characters), an email ("sales@example.com") or a handle ("@demo").
_LEET_CORE = re.compile(r"[013457@$!¥](?<=[a-z][013457@$!¥])[013457@$!¥]*(?=[a-z])")
_LEET_WORD = frozenset("abcdefghijklmnopqrstuvwxyz013457@$!¥")
_LEET_TABLE = str.maketrans("013457@$!¥", "oieastasiy")
_LEET_DIGIT_PAIR = re.compile(r"([0-9])(?!\1)[0-9]")  # a doubled one is leet: "l00k", "n33d", "ski11s"


def _leet_edits(text: str) -> list[tuple[int, int, str]]:
    edits, last = [], -1
    for m in _LEET_CORE.finditer(text):
        if m.start() < last:
            continue
        start, end = m.start(), m.end()
        while start > 0 and text[start - 1] in _LEET_WORD:
            start -= 1
        while end < len(text) and text[end] in _LEET_WORD:
            end += 1
        last = end
        word = text[start:end]
        before = text[start - 1] if start else " "
        after = text[end:end + 2]
        if before in "@._/:=#%&?'0123456789" or after[:1] in ("_", "/", "@") or after[:1].isdigit() \
                or (after[:1] == "." and after[1:2].isalnum()) or not word[0].isalpha() or not word[-1].isalpha():
            continue
        letters = sum(c.isalpha() for c in word)
        if (letters < 2 or (letters == 2 and len(word) < 4 and not any(c in "@$!¥" for c in word))
                or _LEET_DIGIT_PAIR.search(word)):
            continue
        edits.append((start, end, word.replace("11", "ll").translate(_LEET_TABLE)))
    return edits


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
        if "." in key and text[end + 1:end + 2] == "/":  # a domain in a link ("pho.to/x"), not a split word
            continue
        edits.append((start, end + 1, value))
    covered = {i for s, e, _ in edits for i in range(s, e)}
    for start, end, term in _homophone_edits(text):
        if not covered.intersection(range(start, end)):
            edits.append((start, end, term))
            covered.update(range(start, end))
    for m in _LETTER_CONTACT.finditer(text):
        if m.start() not in covered:
            edits.append((m.start(), m.end(), _LETTER_CANON[m.group()]))
            covered.update(range(m.start(), m.end()))
    for start, end, word in _leet_edits(text):
        if not covered.intersection(range(start, end)):
            edits.append((start, end, word))
    edits.sort()
    return edits


def _regex_edits(pattern: re.Pattern, func, text: str) -> list[tuple[int, int, str]]:
    edits = []
    for m in pattern.finditer(text):
        repl = func(m.group())
        if repl != m.group():
            edits.append((m.start(), m.end(), repl))
    return edits


def _join_spaced(chunk: str) -> str:
    """Join spaced-out single characters; with digits or "_" only a run of five or more that
    has a letter (a handle), so "1 2 days" stays as it is."""
    joined = _SPACED_SEPS.sub("", chunk)
    if joined.isalpha() or (len(joined) >= 5 and any(c.isalpha() for c in joined)):
        return joined
    return chunk


def _digit_run(chunk: str) -> str:
    digits = _SEP_CHARS.sub("", chunk)
    return digits if len(digits) >= 5 else chunk  # a phone/QQ number, not "1-2 days"


def _numerals(chunk: str) -> str:
    return "".join(CHINESE_DIGITS.get(c, c) for c in chunk)


_STEPS = (
    lambda t: [(m.start(), m.end(), "") for m in _CJK_SEP.finditer(t)],
    lambda t: _regex_edits(_DIGIT_RUN, _digit_run, t),
    lambda t: _regex_edits(_LETTER_RUN, _join_spaced, t),
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


# The same steps as _STEPS, as C-level substitutions for when no offset map is kept.
_FAST_STEPS = (
    lambda t: _CJK_SEP.sub("", t),
    lambda t: _DIGIT_RUN.sub(lambda m: _digit_run(m.group()), t),
    lambda t: _LETTER_RUN.sub(lambda m: _join_spaced(m.group()), t),
    lambda t: _NUMERAL_RUN.sub(lambda m: _numerals(m.group()), t),
    lambda t: _apply(t, _variant_edits(t))[0],
    lambda t: _SPACES.sub(" ", t),
)


def _fast_passes(text: str) -> str:
    for _ in range(_MAX_PASSES):
        before = text
        for step in _FAST_STEPS:
            text = step(text)
        if text == before:
            break
    return text


def _passes(text: str, starts=None, ends=None, target: str | None = None):
    if starts is None:
        return _fast_passes(text), None, None
    for _ in range(_MAX_PASSES):  # repeat until stable, so normalising twice changes nothing
        if text == target:  # already at the known fixed point: skip the checking pass
            break
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
    if _non_unit().search(text) is None:  # common case: every char maps to one char
        starts, ends = list(range(len(text))), list(range(1, len(text) + 1))
        translated = text.translate(table)
    else:
        pieces, starts, ends = [], [], []
        for i, ch in enumerate(text):
            rep = table.get(ord(ch), ch)
            pieces.append(rep)
            starts += [i] * len(rep)
            ends += [i + 1] * len(rep)
        translated = "".join(pieces)
    out, starts, ends = _passes(translated, starts, ends)
    return Normalized(text, out, starts, ends)


@functools.lru_cache(maxsize=1)
def _non_unit() -> re.Pattern:
    """Characters the table deletes or expands (so offsets need the slow path)."""
    chars = sorted(cp for cp, rep in char_table().items() if len(rep) != 1)
    ranges, start, prev = [], None, None
    for cp in chars:
        if start is None:
            start = prev = cp
        elif cp == prev + 1:
            prev = cp
        else:
            ranges.append((start, prev))
            start = prev = cp
    if start is not None:
        ranges.append((start, prev))
    body = "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)
    return re.compile(f"[{body}]") if body else re.compile("(?!)")


def normalize_many_tracked(texts: list[str], normalized: list[str] | None = None) -> list[Normalized]:
    """Normalise many texts at once, keeping each one's offset map (batch speed).

    ``normalized``, when given, must be :func:`normalize_many` of the same texts; it
    saves the last, checking pass.
    """
    if not texts:
        return []
    table, non_unit = char_table(), _non_unit()
    pieces, starts, ends, base = [], [], [], 0
    for text in texts:
        if non_unit.search(text) is None:
            pieces.append(text.translate(table))
            starts += range(base, base + len(text))
            ends += range(base + 1, base + len(text) + 1)
        else:
            for i, ch in enumerate(text, base):
                rep = table.get(ord(ch), ch)
                pieces.append(rep)
                starts += [i] * len(rep)
                ends += [i + 1] * len(rep)
        pieces.append(DOC_SEP)
        starts.append(base + len(text))
        ends.append(base + len(text) + 1)
        base += len(text) + 1
    target = DOC_SEP.join(normalized) if normalized is not None else None
    out, starts, ends = _passes("".join(pieces[:-1]), starts[:-1], ends[:-1], target)
    results, pos, base = [], 0, 0
    for text, norm_text in zip(texts, out.split(DOC_SEP)):
        end = pos + len(norm_text)
        results.append(Normalized(text, norm_text, [a - base for a in starts[pos:end]],
                                  [b - base for b in ends[pos:end]]))
        pos, base = end + 1, base + len(text) + 1
    return results


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
