"""The audit trail for leads: browse with filters, export as CSV or JSON Lines."""

from __future__ import annotations

import csv
import io
import json

from starlette.responses import Response
from starlette.routing import Route

from findings.web import auditlog
from findings.web.deps import Ctx, endpoint
from findings.web.itemdata import fetch_all
from findings.web.txn import immediate

PAGE = 100
EXPORT_LIMIT = 100_000
COLUMNS = ("id", "at", "user_name", "action", "target_kind", "target_id", "before", "after", "detail",
           "remote_addr")


def _query(ctx: Ctx, limit: int) -> list[dict]:
    clauses, params = [], []
    for name, column in (("user", "user_name"), ("action", "action"), ("target", "target_id")):
        value = (ctx.params.get(name) or "").strip()[:100]
        if value:
            clauses.append(f"{column} = ?")
            params.append(value)
    before = ctx.params.get("before_id")
    if before and before.isdigit():
        clauses.append("id < ?")
        params.append(int(before))
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    return fetch_all(ctx.db.conn, f"SELECT {', '.join(COLUMNS)} FROM review_audit {where}"
                     " ORDER BY id DESC LIMIT ?", [*params, limit])


@endpoint(role="lead")
def audit_page(ctx: Ctx):
    rows = _query(ctx, PAGE + 1)
    filters = {k: ctx.params.get(k, "") for k in ("user", "action", "target")}
    return ctx.render("pages/audit.html", rows=rows[:PAGE], more=len(rows) > PAGE, filters=filters,
                      next_before=rows[PAGE - 1]["id"] if len(rows) > PAGE else None)


@endpoint(role="lead")
def audit_export(ctx: Ctx):
    fmt = ctx.params.get("format", "csv")
    rows = _query(ctx, EXPORT_LIMIT)
    with immediate(ctx.db.conn):
        auditlog.record(ctx.db.conn, ctx.user, "audit_export", target_kind="audit",
                        detail={"format": fmt, "rows": len(rows), **dict(ctx.params)}, remote_addr=ctx.remote)
    if fmt == "jsonl":
        body = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        return Response(body, media_type="application/x-ndjson",
                        headers={"content-disposition": 'attachment; filename="audit.jsonl"'})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for row in rows:
        # A leading = + - @ would make spreadsheets run the cell as a formula.
        writer.writerow({k: ("'" + v if isinstance(v, str) and v[:1] in "=+-@" else v) for k, v in row.items()})
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": 'attachment; filename="audit.csv"'})


routes = [
    Route("/audit", audit_page, methods=["GET"]),
    Route("/audit/export", audit_export, methods=["GET"]),
]
