"""Pre-filter for rule patterns: the literals of which every match must contain one."""

from __future__ import annotations

import re
from re import _constants as _c, _parser


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
            candidates.append(_required(list(av[3])))
        elif op is _c.BRANCH:
            alternatives = [_required(list(alt)) for alt in av[1]]
            candidates.append(None if None in alternatives else set().union(*alternatives))
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT) and av[0] >= 1:
            candidates.append(_required(list(av[2])))
    return [c for c in candidates if c]
