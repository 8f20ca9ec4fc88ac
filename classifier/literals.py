"""Pre-filter for rule patterns: the literals of which every match must contain one."""

from __future__ import annotations

import re
from re import _constants as _c, _parser


def required_literals(pattern: str) -> list[str] | None:
    """Literals of which every match of ``pattern`` contains one, or None when there is no such set.

    An Aho-Corasick scan for them tells which texts a pattern can match at all, so the
    regex only runs over those.
    """
    try:
        parsed = _parser.parse(pattern)
    except re.error:
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    required = _required(list(parsed))
    if not required or "" in required:
        return None
    return sorted(required)


def _required(items: list) -> set[str] | None:
    """Strings one of which any match of the parsed sequence ``items`` contains (the most selective found)."""
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
    candidates = [c for c in candidates if c]
    if not candidates:
        return None
    return max(candidates, key=lambda c: (min(map(len, c)), -len(c)))
