"""Turn classifier reasons into highlighted pieces of the original title and description.

The text is split at span offsets and each piece is escaped by the template on its own,
so crawled markup can never be interpreted, whatever the spans say.
"""

from __future__ import annotations

import json

FIELDS = ("title", "description")


def parse_reasons(raw) -> list[dict]:
    """Return the reasons as a list of dicts, whatever shape the stored JSON has."""
    if isinstance(raw, (str, bytes)):
        try:
            raw = json.loads(raw)
        except ValueError:
            return []
    if isinstance(raw, dict):
        raw = raw.get("reasons") or [raw]
    if not isinstance(raw, list):
        return []
    reasons = []
    for item in raw:
        if isinstance(item, dict):
            reasons.append(item)
        elif isinstance(item, str):
            reasons.append({"description": item})
    return reasons


def reason_label(reason: dict) -> str:
    """A short name for a reason: its rule id, feature name or kind."""
    for key in ("rule_id", "rule", "id", "feature", "name", "kind"):
        value = reason.get(key)
        if isinstance(value, (str, int)) and str(value):
            return str(value)
    return "reason"


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _place(span: dict, texts: dict[str, str]) -> tuple[str, int, int] | None:
    """Find which field a span points into; trust offsets only when they fit."""
    start, end = _int(span.get("start")), _int(span.get("end"))
    named = span.get("field") or span.get("where")
    text = span.get("text") if isinstance(span.get("text"), str) else None
    candidates = [named] if named in texts else list(FIELDS)
    if start is not None and end is not None and 0 <= start < end:
        for field in candidates:
            value = texts.get(field) or ""
            if end <= len(value) and (text is None or value[start:end] == text):
                return field, start, end
    if text:
        for field in candidates:
            found = (texts.get(field) or "").find(text)
            if found >= 0:
                return field, found, found + len(text)
    return None


def spans_by_field(reasons: list[dict], texts: dict[str, str]) -> dict[str, list[tuple[int, int, str]]]:
    """Collect ``(start, end, rule label)`` per field from every reason's spans."""
    found: dict[str, list[tuple[int, int, str]]] = {field: [] for field in FIELDS}
    for reason in reasons:
        spans = reason.get("spans")
        if isinstance(spans, dict):
            spans = [spans]
        if not isinstance(spans, list):
            continue
        for span in spans[:200]:
            if isinstance(span, (list, tuple)) and len(span) >= 2:
                span = {"start": span[0], "end": span[1]}
            if not isinstance(span, dict):
                continue
            placed = _place(span, texts)
            if placed:
                field, start, end = placed
                found[field].append((start, end, reason_label(reason)))
    return found


def segments(text: str | None, spans: list[tuple[int, int, str]]) -> list[tuple[str, str | None]]:
    """Split ``text`` into ``(piece, rule labels or None)``; overlapping spans merge."""
    text = text or ""
    if not spans:
        return [(text, None)] if text else []
    boundaries = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    pieces = []
    for start, end in zip(boundaries, boundaries[1:]):
        labels = sorted({label for s, e, label in spans if s <= start and end <= e})
        piece = text[start:end]
        if pieces and pieces[-1][1] == (", ".join(labels) or None):
            pieces[-1] = (pieces[-1][0] + piece, pieces[-1][1])
        else:
            pieces.append((piece, ", ".join(labels) or None))
    return pieces
