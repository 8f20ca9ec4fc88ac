"""The normaliser's steps for a whole batch: each returns the new text and its edits as arrays."""

from __future__ import annotations

import operator
import re

import numpy as np

from classifier.normalize import (_CJK_SEP, _DIGIT_RUN, _LETTER_RUN, _NUMERAL_RUN, _SPACES, _STEPS, _digit_run,
                                  _numerals, _strip_seps, _variant_edits)

Edits = tuple[str, np.ndarray, np.ndarray, np.ndarray]  # new text, old starts, old ends, new lengths


class _SplitStep:
    """A regex step run by ``re.split`` with the match captured: all matches found in C.

    ``finditer`` hands each match to Python (~0.5 us each; a batch of 500 listings has
    thousands of separators between Chinese characters); ``split`` returns the gaps and
    matches as one list whose lengths give every offset at numpy speed.
    """

    def __init__(self, pattern: re.Pattern, func=None, repl: str = "", needs: str | None = None):
        self.split = re.compile(f"({pattern.pattern})", pattern.flags).split
        self.func, self.repl, self.needs = func, repl, needs

    def __call__(self, text: str) -> Edits | None:
        if self.needs is not None and self.needs not in text:  # a substring test is far cheaper than a scan
            return None
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
    out, pos = [], 0
    for start, end, repl in edits:
        out.append(text[pos:start])
        out.append(repl)
        pos = end
    out.append(text[pos:])
    starts, ends, repls = zip(*edits)
    return ("".join(out), np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64),
            np.fromiter(map(len, repls), dtype=np.int64, count=len(repls)))


# Same order and results as normalize._STEPS (tests/test_classifier_offsets.py holds them equal).
STEPS = (
    _SplitStep(_CJK_SEP),
    _SplitStep(_DIGIT_RUN, _digit_run),
    _SplitStep(_LETTER_RUN, _strip_seps),
    _SplitStep(_NUMERAL_RUN, _numerals),
    _variants,
    _SplitStep(_SPACES, repl=" ", needs="  "),
)
assert len(STEPS) == len(_STEPS)
