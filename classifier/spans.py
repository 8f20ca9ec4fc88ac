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

    The other spans ``o_*`` must be sorted by group. The same test as ``other[0] < end + window
    and other[1] > start - window and other != span`` over the group's other spans.
    """
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
