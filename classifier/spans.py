"""Span arithmetic for a whole batch at numpy speed: key hits to rule hits, context windows, merging."""

from __future__ import annotations

import numpy as np


def pairs(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every ``(i, j)`` with ``lo[i] <= j < hi[i]``, as two arrays (a CSR row expansion)."""
    counts = hi - lo
    row = np.repeat(np.arange(len(lo)), counts)
    return row, np.repeat(lo, counts) + np.arange(len(row)) - np.repeat(np.cumsum(counts) - counts, counts)


def near(group, start, end, window, o_group, o_start, o_end) -> np.ndarray:
    """Per span: is another span of its group (not the same span) within ``window`` chars of it.

    The same test as ``other[0] < end + window and other[1] > start - window and other !=
    span`` over the group's other spans ``o_*`` (any order), without pairing every span
    with every other (a hostile text repeats a word thousands of times): with a positive
    window, the others ending at or before ``start - window`` are exactly those starting
    before ``end + window`` that are not near, so two counts by binary search decide.
    """
    out = np.zeros(len(group), dtype=bool)
    if not len(group) or not len(o_group):
        return out
    positive = window > 0
    if not positive.all():  # a window of 0 or less: pair the few such spans with their group's others
        out[~positive] = _near_pairs(group[~positive], start[~positive], end[~positive], window[~positive],
                                     o_group, o_start, o_end)
        group, start, end, window = group[positive], start[positive], end[positive], window[positive]
        if not len(group):
            return out
    low = int(min(start.min() - window.max(), o_start.min(), o_end.min()))
    size = int(max(end.max() + window.max(), o_start.max(), o_end.max())) - low + 1
    if int(max(group.max(), o_group.max())) + 1 > (1 << 62) // size:  # keys would overflow: pair them
        out[positive] = _near_pairs(group, start, end, window, o_group, o_start, o_end)
        return out
    base = group * size - low
    starts, ends = np.sort(o_group * size + o_start - low), np.sort(o_group * size + o_end - low)
    before = np.searchsorted(starts, base + end + window, side="left") - np.searchsorted(starts, group * size)
    far = np.searchsorted(ends, base + start - window, side="right") - np.searchsorted(ends, group * size)
    out[positive] = before - far - _same(group, start, end, o_group, o_start, o_end) > 0
    return out


def _same(group, start, end, o_group, o_start, o_end) -> np.ndarray:
    """How many of the other spans equal each span (near it by the window test, but not counted)."""
    low = int(min(start.min(), end.min(), o_start.min(), o_end.min()))
    size = int(max(start.max(), end.max(), o_start.max(), o_end.max())) - low + 1
    if int(max(group.max(), o_group.max())) + 1 <= (1 << 62) // (size * size):
        keys = np.sort((o_group * size + o_start - low) * size + o_end - low)
        mine = (group * size + start - low) * size + end - low
        return np.searchsorted(keys, mine, side="right") - np.searchsorted(keys, mine, side="left")
    counts: dict = {}
    for span in zip(o_group.tolist(), o_start.tolist(), o_end.tolist()):
        counts[span] = counts.get(span, 0) + 1
    return np.array([counts.get(span, 0) for span in zip(group.tolist(), start.tolist(), end.tolist())], dtype=np.int64)


def _near_pairs(group, start, end, window, o_group, o_start, o_end) -> np.ndarray:
    """:func:`near` by pairing each span with every other span of its group."""
    order = np.argsort(o_group, kind="stable")
    o_group, o_start, o_end = o_group[order], o_start[order], o_end[order]
    row, other = pairs(np.searchsorted(o_group, group, side="left"), np.searchsorted(o_group, group, side="right"))
    os_, oe = o_start[other], o_end[other]
    s, e, w = start[row], end[row], window[row]
    hit = (os_ < e + w) & (oe > s - w) & ((os_ != s) | (oe != e))
    return np.bincount(row[hit], minlength=len(group)) > 0


def unique_spans(group, start, end):
    """Sort spans by (group, start, end) and drop repeats: ``kept = set(spans)`` per group."""
    if not len(group):
        return group, start, end
    size = int(max(start.max(), end.max())) + 1
    if int(group.max()) < (1 << 62) // (size * size):  # one int64 key: a plain sort beats lexsort
        keys = sorted_unique((group * size + start) * size + end)
        rest, end = np.divmod(keys, size)
        group, start = np.divmod(rest, size)
        return group, start, end
    order = np.lexsort((end, start, group))
    group, start, end = group[order], start[order], end[order]
    new = np.concatenate(([True], (np.diff(group) != 0) | (np.diff(start) != 0) | (np.diff(end) != 0)))
    return group[new], start[new], end[new]


def merge(group, start, end):
    """Merge overlapping spans within each group; input sorted by (group, start, end).

    Returns the merged ``(group, start, end)``, in the same order: the vectorised form of
    sorting a group's spans and joining each to the previous one when it starts before that ends.
    """
    if len(group) < 2:
        return group, start, end
    first = np.concatenate(([True], np.diff(group) != 0))
    # A running maximum of ends that restarts at each group: lift each group above the last.
    lift = np.cumsum(first) * (int(end.max()) + 1)
    reach = np.maximum.accumulate(end + lift)
    new = first.copy()
    new[1:] |= start[1:] + lift[1:] >= reach[:-1]
    begin = np.flatnonzero(new)
    return group[begin], start[begin], np.maximum.reduceat(end, begin)


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` of an int array by sorting (numpy 2's hashing unique is ~5x slower here)."""
    values = np.sort(values)
    return values[np.concatenate(([True], values[1:] != values[:-1]))] if len(values) else values
