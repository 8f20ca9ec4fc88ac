"""Takedown reports in the review app: list, detail with takedown status, download, mark sent (lead)."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from findings.export import build, reports as reports_lib
from findings.export.actor import ExportError, PermissionDenied
from findings.export.takedown_stats import takedown_stats
from findings.web.deps import Ctx, endpoint
from findings.web.itemdata import fetch_all

MARKABLE = ("sent", "acknowledged", "closed")


@endpoint()
def reports_page(ctx: Ctx):
    status = ctx.params.get("status") or None
    rows = reports_lib.list_reports(ctx.db.conn, status=status if status in reports_lib.STATUSES else None)
    return ctx.render("pages/reports.html", reports=rows, stats=takedown_stats(ctx.db.conn),
                      statuses=reports_lib.STATUSES, chosen_status=status or "")


def _listings(conn, report_id: int) -> list[dict]:
    return fetch_all(conn, "SELECT l.id, l.platform, l.listing_id, l.url, l.title, rl.takedown_status,"
                     " rl.last_checked_at, rl.removed_at, rl.checks, rl.check_detail,"
                     " (SELECT group_concat(x.new_ref) FROM relistings x WHERE x.old_ref = l.id) AS relisted_as"
                     " FROM report_listings rl JOIN listings l ON l.id = rl.listing_ref"
                     " WHERE rl.report_ref = ? ORDER BY l.id", (report_id,))


@endpoint()
def report_page(ctx: Ctx):
    report_id = ctx.path_int("report")
    try:
        report = reports_lib.get_report(ctx.db.conn, report_id)
    except ExportError:
        return ctx.render("pages/error.html", status=404, code=404, message="No such report.")
    return ctx.render("pages/reports_detail.html", report=report, listings=_listings(ctx.db.conn, report_id),
                      next_statuses=[s for s in reports_lib.NEXT[report["status"]] if s in MARKABLE],
                      formats=list(build.FORMATS))


@endpoint()
def download(ctx: Ctx):
    report_id = ctx.path_int("report")
    fmt = ctx.params.get("format", "csv")
    masked = ctx.params.get("unmasked") != "1"
    try:
        name, data, media_type = build.render(ctx.db, ctx.user, report_id, fmt, masked=masked,
                                              remote_addr=ctx.remote)
    except PermissionDenied as exc:
        return ctx.render("pages/error.html", status=403, code=403, message=str(exc))
    except ExportError as exc:
        return ctx.render("pages/error.html", status=400, code=400, message=str(exc))
    return Response(data, media_type=media_type,
                    headers={"content-disposition": f'attachment; filename="{name}"'})


@endpoint(role="lead")
def mark(ctx: Ctx):
    report_id = ctx.path_int("report")
    status = ctx.form.get("status", "")
    try:
        report = reports_lib.set_status(ctx.db, ctx.user, report_id, status, remote_addr=ctx.remote)
        ctx.flash(f"Report {report_id} is now {report['status']}.")
    except ExportError as exc:
        ctx.flash(str(exc))
    return RedirectResponse(f"/reports/{report_id}", status_code=303)


routes = [
    Route("/reports", reports_page, methods=["GET"]),
    Route("/reports/{report}", report_page, methods=["GET"]),
    Route("/reports/{report}/download", download, methods=["GET"]),
    Route("/reports/{report}/status", mark, methods=["POST"]),
]
