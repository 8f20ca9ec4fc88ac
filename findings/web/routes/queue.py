"""The queue page (filters, priority order, ages) and "Start reviewing"."""

from __future__ import annotations

from starlette.responses import RedirectResponse
from starlette.routing import Route

from findings.web import queries, uncertain
from findings.records import utcnow
from findings.web.deps import Ctx, endpoint
from findings.web.review import CATEGORIES, claim_next

# Counting 100,000 queue rows costs ~15 ms; a count a few seconds old is good enough.
SUMMARY_TTL = 5.0
MODES = ("priority", "uncertain")  # uncertain: least-sure listings first (active learning)


@endpoint()
def home(ctx: Ctx):
    return RedirectResponse("/queue", status_code=303)


@endpoint()
def queue_page(ctx: Ctx):
    ctx.settings.maybe_sync()
    flt = queries.QueueFilter.from_params(ctx.params)
    mode = ctx.params.get("mode") if ctx.params.get("mode") in MODES else "priority"
    if mode == "uncertain":
        rows = uncertain.page(ctx.db.conn, flt.page, queries.PAGE_SIZE, utcnow())
    else:
        rows = queries.queue_page(ctx.db.conn, flt, ctx.settings.threshold)
    more = len(rows) > queries.PAGE_SIZE
    return ctx.render("pages/queue.html", rows=rows[:queries.PAGE_SIZE], more=more, flt=flt,
                      summary=ctx.settings.cached("summary", SUMMARY_TTL, lambda: queries.queue_summary(
                          ctx.db.conn, ctx.settings.threshold)),
                      platforms=ctx.settings.cached("platforms", SUMMARY_TTL, lambda: queries.platforms(ctx.db.conn)),
                      categories=CATEGORIES,
                      statuses=queries.STATUSES, threshold=ctx.settings.threshold,
                      query=dict(ctx.params), mode=mode,
                      review_mode=ctx.request.session.get("review_mode", "priority"))


def next_item(ctx: Ctx) -> RedirectResponse:
    """Claim the next item for the user and go there (or back to the queue when empty)."""
    ctx.settings.maybe_sync()
    listing = claim_next(ctx.db, ctx.user, threshold=ctx.settings.threshold,
                         mode=ctx.request.session.get("review_mode", "priority"))
    if listing is None:
        ctx.flash("Nothing left to review. Well done.")
        return RedirectResponse("/queue", status_code=303)
    return RedirectResponse(f"/items/{listing}", status_code=303)


@endpoint()
def start(ctx: Ctx):
    # The chosen mode sticks for the session, so "decide and next" keeps serving it.
    ctx.request.session["review_mode"] = ctx.form.get("mode") if ctx.form.get("mode") in MODES else "priority"
    return next_item(ctx)


routes = [
    Route("/", home, methods=["GET"]),
    Route("/queue", queue_page, methods=["GET"]),
    Route("/review/next", start, methods=["POST"]),
]
