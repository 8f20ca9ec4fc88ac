"""The stats page: queue size and age, decisions per analyst, precision, flagged per platform."""

from __future__ import annotations

from starlette.routing import Route

from findings import registry
from findings.web import charts, metrics, queries
from findings.web.deps import Ctx, endpoint

DAYS = 30


@endpoint()
def stats_page(ctx: Ctx):
    conn, threshold = ctx.db.conn, ctx.settings.threshold
    days = metrics.days_back(DAYS)
    per_analyst = metrics.decisions_per_day(conn, days)
    rules = metrics.rule_precision(conn)
    models = metrics.model_precision(conn, threshold)
    flagged = metrics.flagged_per_platform(conn, days, threshold)
    return ctx.render(
        "pages/stats.html", summary=queries.queue_summary(conn, threshold),
        ages=metrics.age_histogram(conn, threshold), per_analyst=per_analyst, rules=rules, models=models,
        threshold=threshold,
        decisions_chart=charts.stacked_bars(per_analyst, days, "Decisions per day per analyst"),
        precision_chart=charts.precision_bars(models + rules, "Precision against analysts' decisions"),
        flagged_chart=charts.lines(flagged, days, "Flagged listings per platform (by first seen)"),
        flagged_totals={p: sum(v.values()) for p, v in flagged.items()},
        retrains=registry.retrain_history(conn))


routes = [Route("/stats", stats_page, methods=["GET"])]
