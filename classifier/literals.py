"""Pre-filter for rule patterns: the literals of which every match must contain one."""

from __future__ import annotations

import itertools
import math
import re
from re import _constants as _c, _parser

import numpy as np

from classifier.spans import sorted_unique


def required_sets(pattern: str) -> list[list[str]]:
    """Sets of literals such that every match of ``pattern`` contains one literal of each set.

    An Aho-Corasick scan for them tells which texts a pattern can match at all (those
    holding a literal of every set), so the regex only runs over those. ``[]``: no such set.
    """
    try:
        parsed = _parser.parse(pattern)
    except re.error:
        return []
    if parsed.state.flags & re.IGNORECASE:
        return []
    return [sorted(c) for c in _candidates(list(parsed)) if "" not in c]


def _required(items: list) -> set[str] | None:
    """Strings one of which any match of the parsed sequence ``items`` contains (the most selective found)."""
    candidates = _candidates(items)
    if not candidates:
        return None
    return max(candidates, key=lambda c: (min(map(len, c)), -len(c)))


def _candidates(items: list) -> list[set[str]]:
    """Every set of strings found such that any match of the parsed sequence contains one of the set."""
    candidates, run = [], ""
    for op, av in items + [(None, None)]:
        if op is _c.LITERAL:
            run += chr(av)
            continue
        if run:
            candidates.append({run})
            run = ""
        if op is _c.IN and av and all(o is _c.LITERAL for o, _ in av):
            candidates.append({chr(a) for _, a in av})
        elif op is _c.SUBPATTERN and not av[1] and not av[2]:
            candidates += _candidates(list(av[3]))
        elif op is _c.BRANCH:
            candidates += _branch(av[1])
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT) and av[0] >= 1:
            candidates += _candidates(list(av[2]))
    return [c for c in candidates if c]


def _branch(alternatives, limit: int = 16) -> list[set[str]]:
    """Sets for ``a|b|...``: one set of each alternative, joined, for every such choice (up to ``limit``)."""
    choices = [_candidates(list(alt)) for alt in alternatives]
    if not all(choices):
        return []
    if math.prod(map(len, choices)) > limit:  # too many: the most selective set of each
        choices = [[max(c, key=lambda x: (min(map(len, x)), -len(x)))] for c in choices]
    return [set().union(*combo) for combo in itertools.product(*choices)]


class LiteralGate:
    """Which texts each of some regexes can match, from where an automaton found their required literals.

    Parameters
    ----------
    patterns : list of re.Pattern
        The regexes; one without required literals (or needing a ``forbidden`` char)
        is never gated: it runs over every text.
    forbidden : str
        A character no literal may contain (the batch separator).

    Notes
    -----
    ``literals`` maps each literal to its requirement numbers; an automaton hit on a
    literal in text ``doc`` satisfies those requirements there. A text is a candidate for
    a pattern when every requirement of the pattern is satisfied in it.
    """

    def __init__(self, patterns, forbidden: str = ""):
        self.n_patterns = len(patterns)
        self.literals: dict[str, list[int]] = {}
        self.n_required, req_pattern = np.zeros(len(patterns), dtype=np.int64), []
        for k, pattern in enumerate(patterns):
            for literals in required_sets(pattern.pattern):
                if forbidden and any(forbidden in lit for lit in literals):
                    continue
                for literal in literals:
                    self.literals.setdefault(literal, []).append(len(req_pattern))
                req_pattern.append(k)
                self.n_required[k] += 1
        self.req_pattern = np.array(req_pattern, dtype=np.int64)

    def candidates(self, n_docs: int, docs: np.ndarray, reqs: np.ndarray) -> list[list[int] | None]:
        """Per pattern, the sorted texts it can match in (``None``: ungated, every text).

        ``docs[i]`` is the text where requirement ``reqs[i]`` was satisfied.
        """
        n = n_docs + 1
        reqs, docs = np.divmod(sorted_unique(reqs * n + docs), n)
        cells = np.sort(self.req_pattern[reqs] * n + docs)
        if len(cells):
            first = np.flatnonzero(np.concatenate(([True], cells[1:] != cells[:-1])))
            count = np.diff(np.append(first, len(cells)))
            cells = cells[first][count == self.n_required[cells[first] // n]]  # every requirement met
        patterns, docs = np.divmod(cells, n)
        bounds = np.searchsorted(patterns, np.arange(self.n_patterns + 1)).tolist()
        docs = docs.tolist()
        return [docs[bounds[k]:bounds[k + 1]] if self.n_required[k] else None for k in range(self.n_patterns)]

