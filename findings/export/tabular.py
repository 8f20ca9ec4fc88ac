"""CSV and JSON Lines reports: one row (object) per listing, the documented columns."""

from __future__ import annotations

import csv
import io
import json

from findings.export.rows import COLUMNS

# A leading = + - @ (or tab/CR) makes spreadsheets run the cell as a formula.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def to_csv(rows: list[dict]) -> bytes:
    """UTF-8 CSV with a BOM (so spreadsheet programs read Chinese text right)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: _cell(row.get(name)) for name in COLUMNS})
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_jsonl(rows: list[dict]) -> bytes:
    """One JSON object per listing: the CSV columns plus description, reasons, evidence, contacts."""
    lines = []
    for row in rows:
        record = {name: row.get(name) for name in COLUMNS}
        record.update(description=row.get("description"), price_text=row.get("price_text"),
                      score=row.get("score"), reasons=row.get("reasons"),
                      contact_list=row.get("contact_list"),
                      evidence=[{k: e[k] for k in ("kind", "url", "captured_at", "http_status", "content_type",
                                                   "sha256", "size", "warc_record_id")} for e in row["evidence"]])
        lines.append(json.dumps(record, ensure_ascii=False, sort_keys=False))
    return ("\n".join(lines) + "\n").encode("utf-8")
