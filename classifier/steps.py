"""The normaliser's steps for a whole batch: each returns the new text and its edits as arrays."""

from __future__ import annotations

import functools
import operator
import re
import sys

import numpy as np

from classifier.ngrams import code_points
from classifier.normalize import (_CJK_SEP, _DIGIT_RUN, _DIGIT_SEP, _LETTER_RUN, _LETTER_SEP, _NUMERAL_CLASS,
                                  _NUMERAL_RUN, _SPACED_CHAR, _SPACES, _STEPS, _apply, _digit_run, _join_spaced,
                                  _numerals, _variant_edits)
from classifier.tables import CHINESE_DIGITS, DOC_SEP

Edits = tuple[str, np.ndarray, np.ndarray, np.ndarray]  # new text, old starts, old ends, new lengths


# Character classes of the steps' regexes, as bit flags per code point.
DIGIT, DIGIT_SEP, LETTER, LETTER_SEP, NUMERAL, CJK_DIGIT = 1, 2, 4, 8, 16, 32
_CLASSES = ((DIGIT, r"\d"), (DIGIT_SEP, _DIGIT_SEP), (LETTER, _SPACED_CHAR), (LETTER_SEP, _LETTER_SEP),
            (NUMERAL, _NUMERAL_CLASS), (CJK_DIGIT, "[" + "".join(CHINESE_DIGITS) + "]"))
_EXACT_BELOW = 0x20000  # no character above is in any class; flagged as in all, to be safe


@functools.lru_cache(maxsize=1)
def _flags() -> np.ndarray:
    """Per code point, the bit flags of the classes it is in."""
    codes = np.array([*range(0xD800), *range(0xE000, _EXACT_BELOW)], dtype=np.int64)
    every = "".join(map(chr, codes.tolist()))
    flags = np.full(sys.maxunicode + 1, 0xFF, dtype=np.uint8)
    flags[:_EXACT_BELOW] = 0
    for bit, pattern in _CLASSES:
        flags[codes[[m.start() for m in re.finditer(pattern, every)]]] |= bit
    return flags


def _run_gate(flags: np.ndarray, item: int, sep: int) -> np.ndarray:
    """Where ``item``, one or two ``sep`` and ``item`` start: every match of a run step starts so."""
    is_item, is_sep = (flags & item) != 0, (flags & sep) != 0
    pad = np.zeros(3, dtype=bool)
    is_item, is_sep = np.concatenate((is_item, pad)), np.concatenate((is_sep, pad))
    n = len(flags)
    return is_item[:n] & is_sep[1:n + 1] & (is_item[2:n + 2] | (is_sep[2:n + 2] & is_item[3:n + 3]))


def _numeral_gate(flags: np.ndarray) -> np.ndarray:
    """Where five numeral characters with a Chinese digit among them start: only such runs change."""
    numeral = np.concatenate(([0], np.cumsum((flags & NUMERAL) != 0)))
    chinese = np.concatenate(([0], np.cumsum((flags & CJK_DIGIT) != 0)))
    return (numeral[5:] - numeral[:-5] == 5) & (chinese[5:] - chinese[:-5] > 0)


class _SplitStep:
    """A regex step run by ``re.split`` with the match captured: all matches found in C.

    ``finditer`` hands each match to Python (~0.5 us each; a batch of 500 listings has
    thousands of separators between Chinese characters); ``split`` returns the gaps and
    matches as one list whose lengths give every offset at numpy speed.
    """

    def __init__(self, pattern: re.Pattern, func=None, repl: str = "", needs: str | None = None, gate=None):
        self.split = re.compile(f"({pattern.pattern})", pattern.flags).split
        self.func, self.repl, self.needs, self.gate = func, repl, needs, gate

    def targets(self, docs: list[str], active: list[int]) -> list[int]:
        """The ``active`` docs this step may edit: a cheap test first, the regex only over those."""
        if self.needs is not None:  # a substring test is far cheaper than a scan
            return [i for i in active if self.needs in docs[i]]
        if self.gate is None:
            return active
        texts = [docs[i] for i in active]
        where = np.flatnonzero(self.gate(_flags()[code_points(DOC_SEP.join(texts))]))
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        which = np.searchsorted(np.cumsum(lengths + 1), where, side="right")
        return [active[k] for k in sorted(set(which.tolist()))]

    def __call__(self, text: str) -> Edits | None:
        pieces = self.split(text)
        if len(pieces) == 1:
            return None
        found = pieces[1::2]
        repls = list(map(self.func, found)) if self.func else [self.repl] * len(found)
        lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
        ends = np.cumsum(lengths)[1::2]
        starts = ends - lengths[1::2]
        repl_len = np.fromiter(map(len, repls), dtype=np.int64, count=len(repls))
        if self.func:  # as _regex_edits: a match its function leaves alone is no edit
            changed = np.fromiter(map(operator.ne, repls, found), dtype=bool, count=len(found))
            if not changed.any():
                return None
            starts, ends, repl_len = starts[changed], ends[changed], repl_len[changed]
        pieces[1::2] = repls
        return "".join(pieces), starts, ends, repl_len


def _variants(text: str) -> Edits | None:
    edits = _variant_edits(text)
    if not edits:
        return None
    starts, ends, repls = zip(*edits)
    return (_apply(text, edits)[0], np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64),
            np.fromiter(map(len, repls), dtype=np.int64, count=len(repls)))


# Same order and results as normalize._STEPS (tests/test_classifier_offsets.py holds them equal).
STEPS = (
    _SplitStep(_CJK_SEP),
    _SplitStep(_DIGIT_RUN, _digit_run, gate=lambda f: _run_gate(f, DIGIT, DIGIT_SEP)),
    _SplitStep(_LETTER_RUN, _join_spaced, gate=lambda f: _run_gate(f, LETTER, LETTER_SEP)),
    _SplitStep(_NUMERAL_RUN, _numerals, gate=_numeral_gate),
    _variants,
    _SplitStep(_SPACES, repl=" ", needs="  "),
)
assert len(STEPS) == len(_STEPS)
