"""Render a report in one format (checking the role for unmasked output, auditing every export)."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from findings.export import reports as reports_lib
from findings.export.actor import ExportError
from findings.export.rows import listing_row

# format -> (file suffix, media type)
FORMATS = {
    "csv": (".csv", "text/csv; charset=utf-8"),
    "jsonl": (".jsonl", "application/x-ndjson"),
    "html": (".html", "text/html; charset=utf-8"),
    "pdf": (".pdf", "application/pdf"),
    "stix": (".stix.json", "application/stix+json;version=2.1"),
}
TLP_LEVELS = ("clear", "green", "amber", "red")


def report_rows(conn, report_id: int, *, masked: bool = True) -> list[dict]:
    """Every listing of a report as a row (see rows.COLUMNS)."""
    return [listing_row(conn, report_id, ref, masked=masked) for ref in reports_lib.listing_refs(conn, report_id)]


def render(db: sqlite_utils.Database, user: dict, report_id: int, fmt: str, *, masked: bool = True,
           tlp: str = "amber", remote_addr: str | None = None) -> tuple[str, bytes, str]:
    """Return ``(file name, bytes, media type)`` of a report in ``fmt``; audited."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if tlp not in TLP_LEVELS:
        raise ExportError(f"unknown TLP level {tlp!r}: choose one of {', '.join(TLP_LEVELS)}")
    conn = db.conn
    report = reports_lib.get_report(conn, report_id)
    # The role check and the audit row come before any personal data is read.
    reports_lib.record_export(db, user, report_id, fmt, masked=masked, remote_addr=remote_addr)
    rows = report_rows(conn, report_id, masked=masked)
    if fmt == "csv":
        from findings.export.tabular import to_csv
        data = to_csv(rows)
    elif fmt == "jsonl":
        from findings.export.tabular import to_jsonl
        data = to_jsonl(rows)
    elif fmt == "stix":
        from findings.export.stix import to_stix
        data = to_stix(report, rows, tlp=tlp)
    else:
        from findings.export.document import to_html, to_pdf
        data = to_html(conn, report, rows, masked=masked, tlp=tlp)
        if fmt == "pdf":
            data = to_pdf(data)
    suffix, media_type = FORMATS[fmt]
    name = f"report-{report_id}-{report['platform']}{'' if masked else '-UNMASKED'}{suffix}"
    return name, data, media_type


def write_report(db: sqlite_utils.Database, user: dict, report_id: int, fmt: str, out_dir, **options) -> Path:
    """Render and write a report file into ``out_dir``; return its path."""
    name, data, _media = render(db, user, report_id, fmt, **options)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path
