"""Where rule keys may match in English text: at a word's start, short ones whole, in the plural."""

from __future__ import annotations

import itertools
import re

import numpy as np

_A, _Z, _S = ord("a"), ord("z"), ord("s")


def inside_word(points: np.ndarray, start: np.ndarray, key_len: np.ndarray, word_start: np.ndarray,
                word_end: np.ndarray) -> np.ndarray:
    """Whether each hit of a key that must start a word begins right after a Latin letter, or a
    key that must be a whole word ends inside a longer one (a plural "s" may follow).

    ``points`` are the code points of the scanned text, ``start`` and ``key_len`` each hit's
    offset and length; ``word_start`` and ``word_end`` say which hits need which check.
    """
    check_start, check_end = word_start & (start > 0), word_end
    if not (check_start.any() or check_end.any()):
        return check_start
    padded = np.concatenate((points, [0, 0]))  # a hit may end the text
    letter = (padded >= _A) & (padded <= _Z)
    end = start + key_len
    inside = check_start & letter[np.maximum(start - 1, 0)]
    plural = (padded[end] == _S) & ~letter[end + 1]
    return inside | (check_end & letter[end] & ~plural)


_PLURAL_WORD = re.compile(r"(?<![a-z])[a-z]{2,}(?<!s)(?=[ /+&-])")
_NOT_NOUNS = frozenset("with and of for to the an on in from by per or no not your my our their any all via at into "
                       "as is are be can get do we you it".split())


def plural_forms(key: str) -> list[str]:
    """``key`` and its forms with English words before the last one in the plural.

    Keys match without word boundaries on the right, so the last word's plural is matched
    already ("selfie with id" in "selfie with ids"), but not an inner one ("selfies with ids").
    """
    spots = [m.end() for m in _PLURAL_WORD.finditer(key) if m.group() not in _NOT_NOUNS][:3]
    forms = []
    for choice in itertools.product((False, True), repeat=len(spots)):
        form, pos = [], 0
        for end, plural in zip(spots, choice):
            form.append(key[pos:end] + ("s" if plural else ""))
            pos = end
        forms.append("".join(form) + key[pos:])
    return forms
