"""Reasons for a verdict: the rules that fired (with original-text spans) and top model features."""

from __future__ import annotations

import numpy as np

from classifier.offsets import BatchNormalized
from classifier.rules import HitTable
from classifier.spans import pairs

TOP_FEATURES = 3
MAX_SPANS = 5  # spans shown per rule


def rule_reasons(records: list[dict], table: HitTable, batch: BatchNormalized) -> list[list[dict]]:
    """Return, per listing, one reason per rule hit, spans mapped back to the seller's own text.

    Parameters
    ----------
    records : list of dict
        The listings (``title`` and ``description`` give the field-relative spans).
    table : HitTable
        The rules that fired on the normalised texts.
    batch : BatchNormalized
        The batch's normalisation, which maps normalised spans back to the original.

    Returns
    -------
    list of list of dict
    """
    hit, span = pairs(table.lo, np.minimum(table.hi, table.lo + MAX_SPANS))
    docs = table.doc[hit]
    sizes = np.fromiter(map(len, batch.texts), dtype=np.int64, count=len(batch.texts))
    start, end = batch.span_arrays(docs, table.start[span], np.minimum(table.end[span], sizes[docs]))
    titles = [r.get("title") or "" for r in records]
    descriptions = [r.get("description") or "" for r in records]
    title_len = np.fromiter(map(len, titles), dtype=np.int64, count=len(titles))[docs]
    in_title = start <= title_len  # an offset in "title\ndescription" made field-relative
    base = np.where(in_title, 0, title_len + 1)
    text_len = np.where(in_title, title_len, np.fromiter(map(len, descriptions), dtype=np.int64,
                                                         count=len(descriptions))[docs])
    end = np.minimum(end - base, text_len)
    in_title = in_title.tolist()
    texts = [titles[d] if t else descriptions[d] for d, t in zip(docs.tolist(), in_title)]
    spans = [{"field": "title" if t else "description", "start": a, "end": b, "text": text[a:b]}
             for t, a, b, text in zip(in_title, (start - base).tolist(), end.tolist(), texts)]
    out = [[] for _ in records]
    bounds = np.concatenate(([0], np.cumsum(np.minimum(table.hi - table.lo, MAX_SPANS)))).tolist()
    rules = table.rules
    for doc, rule, lo, hi in zip(table.doc.tolist(), table.rule.tolist(), bounds, bounds[1:]):
        rule = rules[rule]
        out[doc].append({"kind": "rule", "rule_id": rule.id, "description": rule.description,
                         "category": rule.category, "weight": rule.weight, "spans": spans[lo:hi]})
    return out


def feature_reasons(matrix, coef: np.ndarray, names) -> list[list[dict]]:
    """Return, per row, the features that pushed the score up the most.

    Per row: the ``TOP_FEATURES`` largest positive contributions, ties to the lowest
    column; picked for all rows at once, a row maximum at a time (no sort of every entry).
    """
    matrix = matrix.tocsr()
    if not matrix.has_sorted_indices:
        matrix = matrix.sorted_indices()
    contrib = matrix.data * coef[matrix.indices]
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    where = np.flatnonzero(contrib > 0)
    left, rows = contrib[where], rows[where]
    out = [[] for _ in range(matrix.shape[0])]
    if not len(where):
        return out
    starts = np.flatnonzero(np.concatenate(([True], rows[1:] != rows[:-1])))
    sizes = np.diff(np.append(starts, len(rows)))
    index, picked = np.arange(len(left)), []
    for _ in range(TOP_FEATURES):
        best = np.repeat(np.maximum.reduceat(left, starts), sizes)
        # the first (lowest column) entry equal to its row's maximum
        first = np.minimum.reduceat(np.where((left == best) & (left > -np.inf), index, len(left)), starts)
        first = first[first < len(left)]
        picked.append(first)
        left[first] = -np.inf
    picked = np.concatenate(picked)  # by round, so per row in falling contribution
    picked = picked[np.argsort(rows[picked], kind="stable")]
    cols = matrix.indices[where[picked]]
    for row, name, weight in zip(rows[picked].tolist(), np.asarray(names)[cols].tolist(), contrib[where[picked]].tolist()):
        out[row].append({"kind": "feature", "feature": str(name), "weight": round(weight, 3)})
    return out
