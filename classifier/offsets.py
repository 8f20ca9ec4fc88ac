"""Normalise a batch in one pass and map spans back to the original text lazily, from recorded edits."""

from __future__ import annotations

import bisect
import functools

import numpy as np

from classifier.normalize import _MAX_PASSES, _apply
from classifier.steps import STEPS
from classifier.tables import DOC_SEP, char_table


class _Stage:
    """The edits one normalisation step made (old offsets), to map new offsets back to old ones."""

    __slots__ = ("starts", "ends", "lengths", "_new", "_arrays")

    def __init__(self, starts: np.ndarray, ends: np.ndarray, lengths: np.ndarray):
        self.starts, self.ends, self.lengths = starts, ends, lengths
        self._new = None  # new-offset tables, built only when a span is asked for
        self._arrays = None

    def arrays(self):
        """The new-offset tables as numpy arrays (for mapping many spans at once)."""
        if self._arrays is None:
            change = self.lengths - (self.ends - self.starts)
            new_starts = self.starts + np.concatenate(([0], np.cumsum(change)[:-1]))
            self._arrays = (new_starts, new_starts + self.lengths, self.starts, self.ends,
                            self.lengths == self.ends - self.starts)
        return self._arrays

    def _tables(self):
        change = self.lengths - (self.ends - self.starts)
        new_starts = self.starts + np.concatenate(([0], np.cumsum(change)[:-1]))
        self._new = (new_starts.tolist(), (new_starts + self.lengths).tolist(), self.starts.tolist(),
                     self.ends.tolist(), (self.lengths == self.ends - self.starts).tolist())
        return self._new

    def back(self, pos: int, last: bool) -> int:
        """Return the old index of new character ``pos``: its first old char, or its last if ``last``."""
        new_starts, new_ends, starts, ends, same = self._new or self._tables()
        j = bisect.bisect_right(new_starts, pos) - 1
        if j < 0:
            return pos
        if pos >= new_ends[j]:
            return ends[j] + pos - new_ends[j]
        if same[j]:  # a same-length replacement maps char by char
            return starts[j] + pos - new_starts[j]
        return ends[j] - 1 if last else starts[j]


class BatchNormalized:
    """Normalised texts of a batch; ``span(doc, a, b)`` maps a normalised span back to the original.

    Parameters
    ----------
    texts : list of str
        Texts as the sellers wrote them.

    Notes
    -----
    The result equals :func:`classifier.normalize.normalize` on each text, but only the
    edits are recorded (not a map per character), so offsets cost nothing until asked for.
    """

    def __init__(self, texts: list[str]):
        self.originals = texts
        stages = []
        docs = _translate(texts, stages)
        active = list(range(len(docs)))
        for _ in range(_MAX_PASSES):  # repeat until stable, as normalize() does
            if not active:
                break
            active = _one_pass(docs, active, stages)
        self._stages = stages[::-1]
        self.texts = docs
        self._new_base = _bases(docs)
        self._old_base = _bases(texts)

    def span(self, doc: int, start: int, end: int) -> tuple[int, int]:
        """Map normalised ``[start, end)`` of text ``doc`` to original offsets (as ``Normalized.span``)."""
        if end <= start or not self.texts[doc]:
            if start >= len(self.texts[doc]):
                return len(self.originals[doc]), len(self.originals[doc])
            end = start + 1
            a, _ = self.span(doc, start, end)
            return a, a
        first, last = self._new_base[doc] + start, self._new_base[doc] + end - 1
        bisect_right = bisect.bisect_right
        for stage in self._stages:  # stage.back() inlined for both ends: this loop is hot
            new_starts, new_ends, starts, ends, same = stage._new or stage._tables()
            j = bisect_right(new_starts, first) - 1
            if j >= 0:
                first = (ends[j] + first - new_ends[j] if first >= new_ends[j]
                         else starts[j] + first - new_starts[j] if same[j] else starts[j])
            j = bisect_right(new_starts, last) - 1
            if j >= 0:
                last = (ends[j] + last - new_ends[j] if last >= new_ends[j]
                        else starts[j] + last - new_starts[j] if same[j] else ends[j] - 1)
        base = self._old_base[doc]
        return first - base, last + 1 - base


    def spans(self, docs, starts, ends) -> list[tuple[int, int]]:
        """Map many normalised spans at once (same results as :meth:`span` on each)."""
        first, end = self.span_arrays(docs, starts, ends)
        return list(zip(first.tolist(), end.tolist()))

    def span_arrays(self, docs, starts, ends) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`spans` as two arrays: original starts and ends."""
        docs, starts, ends = (np.asarray(a, dtype=np.int64) for a in (docs, starts, ends))
        if not len(docs):
            return docs, docs
        new_len = np.fromiter(map(len, self.texts), dtype=np.int64, count=len(self.texts))[docs]
        simple = (ends > starts) & (new_len > 0)
        new_base = np.asarray(self._new_base, dtype=np.int64)[docs]
        first, last = new_base + starts, new_base + ends - 1
        for stage in self._stages:
            arrays = stage.arrays()
            first, last = _back(first, arrays, False), _back(last, arrays, True)
        old_base = np.asarray(self._old_base, dtype=np.int64)[docs]
        first, end = first - old_base, last + 1 - old_base
        for k in np.flatnonzero(~simple).tolist():  # empty spans and texts: the scalar rules
            first[k], end[k] = self.span(int(docs[k]), int(starts[k]), int(ends[k]))
        return first, end


def _back(pos: np.ndarray, arrays, last: bool) -> np.ndarray:
    """Vectorised ``_Stage.back``: old index of each new position (first or last old char)."""
    new_starts, new_ends, old_starts, old_ends, same = arrays
    j = np.searchsorted(new_starts, pos, side="right") - 1
    jj = np.maximum(j, 0)
    inside = np.where(same[jj], old_starts[jj] + pos - new_starts[jj], old_ends[jj] - 1 if last else old_starts[jj])
    mapped = np.where(pos >= new_ends[jj], old_ends[jj] + pos - new_ends[jj], inside)
    return np.where(j >= 0, mapped, pos)


@functools.lru_cache(maxsize=1)
def _code_table() -> np.ndarray:
    """The 1:1 part of the character table as an array indexed by code point."""
    table = char_table()
    codes = np.arange(max(table) + 1, dtype=np.uint32)
    for cp, rep in table.items():
        if len(rep) == 1:
            codes[cp] = ord(rep)
    return codes


@functools.lru_cache(maxsize=1)
def _non_unit_mask() -> np.ndarray:
    """The characters the table deletes or expands, as a mask indexed by code point."""
    mask = np.zeros(len(_code_table()), dtype=bool)
    mask[[cp for cp, rep in char_table().items() if len(rep) != 1]] = True
    return mask


def _translate(texts: list[str], stages: list) -> list[str]:
    """Apply the character table to every text at numpy speed; record the chars it expands or drops."""
    joined = DOC_SEP.join(texts)
    table, codes = char_table(), _code_table()
    original = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    inside = original < len(codes)
    points = np.where(inside, codes[np.where(inside, original, 0)], original)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    points[np.cumsum(lengths + 1)[:-1] - 1] = ord(DOC_SEP)  # a DOC_SEP inside a text became a space
    text = points.tobytes().decode("utf-32-le", "surrogatepass")
    where = np.flatnonzero(_non_unit_mask()[np.where(inside, original, 0)] & inside)  # as _non_unit() finds
    expand = [(i, i + 1, table[cp]) for i, cp in zip(where.tolist(), original[where].tolist())]
    if expand:
        starts, ends, repls = zip(*expand)
        stages.append(_Stage(np.array(starts), np.array(ends), np.fromiter(map(len, repls), dtype=np.int64)))
        text = _apply(text, expand)[0]
    return text.split(DOC_SEP) if texts else []


def _one_pass(docs: list[str], active: list[int], stages: list) -> list[int]:
    """Run every step once over the ``active`` docs (edited in place); return those to run again.

    Only docs that a step after the first changed can change again: the separator step
    cannot enable itself, and the later steps already saw its result. Each step runs over
    the docs its cheap test selects, joined.
    """
    lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
    again = set()
    for k, step in enumerate(STEPS):
        targets = step.targets(docs, active) if hasattr(step, "targets") else active
        if not targets:
            continue
        done = step(DOC_SEP.join(docs[i] for i in targets))
        if done is None:
            continue
        sub, starts, ends, repl_len = done
        rows = np.asarray(targets, dtype=np.int64)
        sub_base = _base_array(lengths[rows])
        which = np.searchsorted(sub_base, starts, side="right") - 1
        shift = _base_array(lengths)[rows[which]] - sub_base[which]
        stages.append(_Stage(starts + shift, ends + shift, repl_len))
        lengths[rows] += np.bincount(which, repl_len - (ends - starts), minlength=len(rows)).astype(np.int64)
        if k:
            again.update(rows[which].tolist())
        for i, text in zip(targets, sub.split(DOC_SEP)):
            docs[i] = text
    return sorted(again)


def _base_array(lengths: np.ndarray) -> np.ndarray:
    return np.concatenate(([0], np.cumsum(lengths + 1)[:-1])) if len(lengths) else lengths


def _bases(texts: list[str]) -> list[int]:
    out, pos = [], 0
    for text in texts:
        out.append(pos)
        pos += len(text) + 1
    return out
