"""Report records: create from confirmed violations, list, move through drafted → sent → closed."""

from __future__ import annotations

import json

import sqlite_utils

from findings.export import rows as rows_lib
from findings.export.actor import ExportError, require
from findings.records import utcnow
from findings.web import auditlog
from findings.web.itemdata import fetch_all, fetch_one
from findings.web.txn import immediate

STATUSES = ("drafted", "sent", "acknowledged", "closed")
# Which status may follow which: a report only moves forward.
NEXT = {"drafted": ("sent", "closed"), "sent": ("acknowledged", "closed"), "acknowledged": ("closed",),
        "closed": ()}
_TIME_COLUMN = {"sent": "sent_at", "acknowledged": "acknowledged_at", "closed": "closed_at"}


def create_report(db: sqlite_utils.Database, user: dict, platform: str, *, since: str | None = None,
                  category: str | None = None, listing_ids: list[str] | None = None,
                  note: str | None = None) -> int:
    """Record a drafted report over unreported confirmed violations (or the named listings)."""
    conn = db.conn
    with immediate(conn):
        if listing_ids:
            refs = rows_lib.chosen(conn, platform, listing_ids)
        else:
            refs = rows_lib.candidates(conn, platform, since=since, category=category)
        if not refs:
            raise ExportError(f"nothing to report on {platform}: no confirmed violations that are not"
                              " in a report yet (match --since/--category, or name listings)")
        now = utcnow()
        filters = {"since": since, "category": category, "listings": listing_ids or None}
        cursor = conn.execute(
            "INSERT INTO reports (platform, created_by, created_by_name, created_at, filters, note)"
            " VALUES (?, ?, ?, ?, ?, ?)", (platform, user["id"], user["name"], now,
                                           json.dumps(filters, ensure_ascii=False), note))
        report_id = cursor.lastrowid
        conn.executemany(
            "INSERT INTO report_listings (report_ref, listing_ref, decision_ref, added_at) VALUES"
            " (?, ?, (SELECT decision_ref FROM review_verdicts WHERE listing_ref = ?), ?)",
            [(report_id, ref, ref, now) for ref in refs])
        auditlog.record(conn, user, "report_create", target_kind="report", target_id=report_id,
                        after={"platform": platform, "listings": len(refs)}, detail=filters, at=now)
    return report_id


def get_report(conn, report_id: int) -> dict:
    """The report row with counts per takedown status; ExportError when unknown."""
    report = fetch_one(conn, "SELECT * FROM reports WHERE id = ?", (report_id,))
    if report is None:
        raise ExportError(f"no report {report_id}; see `facetrade reports list`")
    counts = dict(conn.execute("SELECT takedown_status, count(*) FROM report_listings WHERE report_ref = ?"
                               " GROUP BY takedown_status", (report_id,)).fetchall())
    report["counts"] = {status: counts.get(status, 0) for status in ("pending", "live", "removed", "unreachable")}
    report["listings"] = sum(counts.values())
    return report


def list_reports(conn, *, platform: str | None = None, status: str | None = None, limit: int = 200) -> list[dict]:
    """Reports newest first, with listing and removal counts."""
    clauses, params = [], []
    if platform:
        clauses.append("r.platform = ?")
        params.append(platform)
    if status:
        clauses.append("r.status = ?")
        params.append(status)
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    return fetch_all(conn, (
        "SELECT r.*, (SELECT count(*) FROM report_listings rl WHERE rl.report_ref = r.id) AS listings,"
        " (SELECT count(*) FROM report_listings rl WHERE rl.report_ref = r.id"
        "  AND rl.takedown_status = 'removed') AS removed"
        f" FROM reports r {where} ORDER BY r.id DESC LIMIT ?"), [*params, limit])


def listing_refs(conn, report_id: int) -> list[int]:
    """The listings a report names, in a stable order."""
    return [r[0] for r in conn.execute("SELECT listing_ref FROM report_listings WHERE report_ref = ?"
                                       " ORDER BY listing_ref", (report_id,))]


def set_status(db: sqlite_utils.Database, user: dict, report_id: int, status: str, *,
               remote_addr: str | None = None) -> dict:
    """Move a report forward (a lead action, audited with before and after)."""
    require(user, "lead", f"marking a report {status}")
    if status not in STATUSES:
        raise ExportError(f"unknown status {status!r}: choose one of {', '.join(STATUSES)}")
    conn = db.conn
    with immediate(conn):
        report = get_report(conn, report_id)
        if status not in NEXT[report["status"]]:
            raise ExportError(f"report {report_id} is {report['status']}; it cannot become {status}")
        now = utcnow()
        conn.execute(f"UPDATE reports SET status = ?, {_TIME_COLUMN[status]} = ? WHERE id = ?",
                     (status, now, report_id))
        auditlog.record(conn, user, f"report_{status}", target_kind="report", target_id=report_id,
                        before={"status": report["status"]}, after={"status": status}, at=now,
                        remote_addr=remote_addr)
    return get_report(conn, report_id)


def record_export(db: sqlite_utils.Database, user: dict, report_id: int, fmt: str, *, masked: bool,
                  remote_addr: str | None = None, path: str | None = None) -> None:
    """Audit one export of a report; an unmasked one needs the lead role."""
    if not masked:
        require(user, "lead", "an unmasked export")
    with immediate(db.conn):
        auditlog.record(db.conn, user, "report_export" if masked else "report_export_unmasked",
                        target_kind="report", target_id=report_id,
                        detail={"format": fmt, "masked": masked, "path": path}, remote_addr=remote_addr)
