"""Reasons for a verdict: the rules that fired (with original-text spans) and top model features."""

from __future__ import annotations

import numpy as np

from classifier.normalize import Normalized
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


def rule_reasons(record: dict, norm: Normalized | None, hits: list[RuleHit]) -> list[dict]:
    """Return one reason per rule hit, spans mapped back to the seller's own text."""
    reasons = []
    for hit in hits:
        spans = []
        for start, end in hit.spans[:5]:
            a, b = norm.span(start, min(end, len(norm.text)))
            spans.append(_field_span(record, a, b))
        reasons.append({"kind": "rule", "rule_id": hit.rule.id, "description": hit.rule.description,
                        "category": hit.rule.category, "weight": hit.rule.weight, "spans": spans})
    return reasons


def feature_reasons(matrix, coef: np.ndarray, names) -> list[list[dict]]:
    """Return, per row, the features that pushed the score up the most."""
    matrix = matrix.tocsr()
    out = []
    for row in range(matrix.shape[0]):
        lo, hi = matrix.indptr[row], matrix.indptr[row + 1]
        cols = matrix.indices[lo:hi]
        contrib = matrix.data[lo:hi] * coef[cols]
        order = np.argsort(-contrib)[:TOP_FEATURES]
        out.append([{"kind": "feature", "feature": str(names[cols[i]]), "weight": round(float(contrib[i]), 3)}
                    for i in order if contrib[i] > 0])
    return out
