"""Reasons for a verdict: the rules that fired (with original-text spans) and top model features."""

from __future__ import annotations

import numpy as np

from classifier.offsets import BatchNormalized
from classifier.rules import RuleHit

TOP_FEATURES = 3


def _field_span(record: dict, start: int, end: int) -> dict:
    """Turn an offset in ``title\\ndescription`` into a field-relative span."""
    title = record.get("title") or ""
    if start <= len(title):
        field, base, text = "title", 0, title
    else:
        field, base, text = "description", len(title) + 1, record.get("description") or ""
    a, b = start - base, min(end - base, len(text))
    return {"field": field, "start": a, "end": b, "text": text[a:b]}


def rule_reasons(records: list[dict], hits: list[list[RuleHit]], batch: BatchNormalized) -> list[list[dict]]:
    """Return, per listing, one reason per rule hit, spans mapped back to the seller's own text.

    Parameters
    ----------
    records : list of dict
        The listings (``title`` and ``description`` give the field-relative spans).
    hits : list of list of RuleHit
        Per listing, the rules that fired on the normalised text.
    batch : BatchNormalized
        The batch's normalisation, which maps normalised spans back to the original.

    Returns
    -------
    list of list of dict
    """
    docs, starts, ends = [], [], []
    for doc, doc_hits in enumerate(hits):  # gather every span first: one vectorised mapping
        size = len(batch.texts[doc]) if doc_hits else 0
        for hit in doc_hits:
            for start, end in hit.spans[:5]:
                docs.append(doc)
                starts.append(start)
                ends.append(min(end, size))
    mapped = iter(batch.spans(docs, starts, ends))
    out = []
    for record, doc_hits in zip(records, hits):
        reasons = []
        for hit in doc_hits:
            spans = [_field_span(record, *next(mapped)) for _ in hit.spans[:5]]
            reasons.append({"kind": "rule", "rule_id": hit.rule.id, "description": hit.rule.description,
                            "category": hit.rule.category, "weight": hit.rule.weight, "spans": spans})
        out.append(reasons)
    return out


def feature_reasons(matrix, coef: np.ndarray, names) -> list[list[dict]]:
    """Return, per row, the features that pushed the score up the most."""
    matrix = matrix.tocsr()
    out = []
    for row in range(matrix.shape[0]):
        lo, hi = matrix.indptr[row], matrix.indptr[row + 1]
        cols = matrix.indices[lo:hi]
        contrib = matrix.data[lo:hi] * coef[cols]
        order = np.lexsort((cols, -contrib))[:TOP_FEATURES]  # ties: lowest column first, stable
        out.append([{"kind": "feature", "feature": str(names[cols[i]]), "weight": round(float(contrib[i]), 3)}
                    for i in order if contrib[i] > 0])
    return out
