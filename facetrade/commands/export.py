"""Commands for takedowns: ``export report|evidence``, ``verify``, ``recheck`` and ``reports``.

Role checks need an acting user: ``--as NAME`` names a review user (its role comes from
review_users); without it the command acts as the pseudonymous, analyst-level ``cli``.
"""

from __future__ import annotations

import logging
import sys

import click

from facetrade.options import db_option, example

FORMATS = ("csv", "jsonl", "html", "pdf", "stix")
STATUSES = ("sent", "acknowledged", "closed")


def as_option(func):
    """Add ``--as NAME``: the review user acting (default: the analyst-level ``cli`` identity)."""
    return click.option("--as", "as_user", metavar="NAME", envvar="FACETRADE_USER",
                        help="Act as this review user (role from `facetrade users`); default: "
                             "pseudonymous 'cli' with the analyst role. Also $FACETRADE_USER.")(func)


def _open(db_path, as_user):
    from findings.db import open_db
    from findings.export.actor import ExportError, acting_user

    db = open_db(db_path)
    try:
        return db, acting_user(db, as_user)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from exc


def _fail(exc) -> click.ClickException:
    return click.ClickException(str(exc))


@click.group(epilog=example("""
facetrade export report --platform classifieds_zh --format csv --format pdf --out var/reports
"""))
def export():
    """Export takedown reports and evidence bundles."""


@export.command("report", epilog=example("""
facetrade export report --platform classifieds_zh --since 2025-01-01 --format pdf --out var/reports
"""))
@click.option("--platform", "-p", help="Platform to report to (needed unless --report is given).")
@click.option("--since", help="Only violations confirmed on or after this date (YYYY-MM-DD).")
@click.option("--category", help="Only this category (id_kit, face_data, photo_activation, ...).")
@click.option("--listing", "listing_ids", multiple=True, help="Report exactly these listing ids (repeatable).")
@click.option("--report", "report_id", type=int, help="Export an existing report again instead of creating one.")
@click.option("--format", "-f", "formats", multiple=True, type=click.Choice(FORMATS), default=("csv",),
              show_default=True, help="Output format (repeatable).")
@click.option("--out", "out_dir", default="var/reports", show_default=True, type=click.Path(file_okay=False),
              help="Directory for the report files.")
@click.option("--unmasked", is_flag=True, help="Keep personal numbers and reviewer names (lead role; audited).")
@click.option("--tlp", type=click.Choice(["clear", "green", "amber", "red"]), default="amber", show_default=True,
              help="Traffic Light Protocol marking of the HTML/PDF/STIX report.")
@as_option
@db_option
def export_report(platform, since, category, listing_ids, report_id, formats, out_dir, unmasked, tlp, as_user,
                  db_path):
    """Create a report over confirmed violations not yet reported, and write it in each format.

    Personal numbers (ID cards, phones, QQ, bank cards) and e-mails are masked and reviewers
    named by pseudonyms unless --unmasked, which needs a lead (--as NAME) and is audited.
    """
    from findings.export import build, reports
    from findings.export.actor import ExportError, require

    db, user = _open(db_path, as_user)
    try:
        if unmasked:
            require(user, "lead", "an unmasked export")
        if report_id is None:
            if not platform:
                raise click.UsageError("give --platform (or --report ID to export an existing report)")
            report_id = reports.create_report(db, user, platform, since=since, category=category,
                                              listing_ids=list(listing_ids))
            click.echo(f"report {report_id}: {reports.get_report(db.conn, report_id)['listings']} listings (drafted)")
        for fmt in formats:
            path = build.write_report(db, user, report_id, fmt, out_dir, masked=not unmasked, tlp=tlp)
            click.echo(str(path))
    except ExportError as exc:
        raise _fail(exc) from exc


@export.command("evidence", epilog=example("""
facetrade export evidence report:3 classifieds_zh:1042 --out var/bundles/report-3.zip --as lead_alice
"""))
@click.argument("subjects", nargs=-1, required=True)
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False), help="The zip file to write.")
@as_option
@db_option
def export_evidence(subjects, out_path, as_user, db_path):
    """Bundle raw captures, WARC records and screenshots with a hashed manifest.

    SUBJECTS are report:ID, PLATFORM:LISTING_ID or listing:ROWID. Raw captures hold
    unmasked personal data, so this needs a lead (--as NAME) and is audited.
    """
    from findings.export.actor import ExportError
    from findings.export.bundle import build_bundle

    db, user = _open(db_path, as_user)
    try:
        manifest = build_bundle(db, user, list(subjects), out_path)
    except ExportError as exc:
        raise _fail(exc) from exc
    click.echo(f"{out_path}: {len(manifest['files'])} files from {len(manifest['listings'])} listings; "
               f"check with: facetrade verify {out_path}")


@click.command(epilog=example("""
facetrade verify var/bundles/report-3.zip
"""))
@click.argument("bundle", type=click.Path(dir_okay=False))
def verify(bundle):
    """Check an evidence bundle: names every file altered, added or removed; exits 1 if any."""
    from findings.export.verify import verify_bundle

    verdict = verify_bundle(bundle)
    if verdict.ok:
        click.echo(f"OK: {verdict.checked} files match {bundle}'s manifest, and the manifest its hash")
        return
    for problem in verdict.problems:
        click.echo(problem, err=True)
    click.echo(f"FAILED: {bundle} does not match its manifest ({len(verdict.problems)} problems)", err=True)
    sys.exit(1)


@click.command(epilog=example("""
facetrade recheck --report 3 --login-state var/goofish-state.json
"""))
@click.option("--report", "report_id", type=int, help="Only this report's listings.")
@click.option("--platform", "-p", help="Only listings on this platform.")
@click.option("--delay", type=click.FloatRange(min=0), help="Seconds between requests (default: the site profile's).")
@click.option("--days", default=7.0, show_default=True, help="Stats: count listings still live after this many days.")
@click.option("--login-state", type=click.Path(exists=True, dir_okay=False),
              help="Goofish login state from `facetrade crawl-login goofish` (its pages need a login).")
@db_option
def recheck(report_id, platform, delay, days, login_state, db_path):
    """Re-fetch reported listings: record removed / still live / unreachable, link relistings, show stats."""
    from findings.db import open_db
    from findings.export import recheck as lib
    from findings.export.takedown_stats import takedown_stats

    db = open_db(db_path)
    found = lib.targets(db.conn, report_id=report_id, platform=platform)
    if found:
        level = logging.getLevelName(min(logging.getLogger().getEffectiveLevel(), logging.WARNING))
        outcomes = lib.fetch_outcomes(found, delay=delay, log_level=level, login_state=login_state)
        _warn_needs_login(outcomes)
        counts = lib.record_outcomes(db, outcomes)
        click.echo(f"rechecked {len(found)} listings: {counts['removed']} removed, {counts['live']} still live, "
                   f"{counts['unreachable']} unreachable")
    else:
        click.echo("nothing to recheck: no reported listing that is not already removed")
    click.echo(f"relistings linked: {lib.link_relistings(db)}")
    _print_stats(takedown_stats(db.conn, days=days))


def _warn_needs_login(outcomes) -> None:
    from findings.export.recheck_goofish import NEEDS_LOGIN

    waiting = sorted({o["platform"] for o in outcomes if o["detail"] == NEEDS_LOGIN})
    if waiting:
        click.echo(f"{', '.join(waiting)} listings not checked: their pages need a login. Save one with"
                   " `facetrade crawl-login goofish --login-state FILE` and pass --login-state FILE", err=True)


def _print_stats(rows) -> None:
    for s in rows:
        median = "-" if s["median_hours"] is None else f"{s['median_hours']:.2f} h"
        click.echo(f"{s['platform']}: {s['removed']}/{s['reported']} removed, median time to takedown {median}, "
                   f"{s['still_live']} still live after {s['days']:g} days, {s['relisted']} relisted")


@click.group(epilog=example("""
facetrade reports list
"""))
def reports():
    """List reports, mark them sent/acknowledged/closed, show takedown stats."""


@reports.command("list", epilog=example("""
facetrade reports list --platform classifieds_zh --status sent
"""))
@click.option("--platform", "-p")
@click.option("--status", type=click.Choice(["drafted", *STATUSES]))
@db_option
def reports_list(platform, status, db_path):
    """List reports, newest first, with listing and removal counts."""
    from findings.db import open_db
    from findings.export.reports import list_reports

    for r in list_reports(open_db(db_path).conn, platform=platform, status=status):
        click.echo(f"{r['id']}\t{r['platform']}\t{r['status']}\t{r['listings']} listings\t{r['removed']} removed"
                   f"\tcreated {r['created_at']} by {r['created_by_name']}\tsent {r['sent_at'] or '-'}")


@reports.command("mark", epilog=example("""
facetrade reports mark 3 sent --as lead_alice
"""))
@click.argument("report_id", type=int)
@click.argument("status", type=click.Choice(STATUSES))
@as_option
@db_option
def reports_mark(report_id, status, as_user, db_path):
    """Move a report to sent, acknowledged or closed (lead role; audited)."""
    from findings.export.actor import ExportError
    from findings.export.reports import set_status

    db, user = _open(db_path, as_user)
    try:
        report = set_status(db, user, report_id, status)
    except ExportError as exc:
        raise _fail(exc) from exc
    click.echo(f"report {report_id} is {report['status']}")


@reports.command("stats", epilog=example("""
facetrade reports stats --days 14
"""))
@click.option("--days", default=7.0, show_default=True, help="Count listings still live after this many days.")
@db_option
def reports_stats(days, db_path):
    """Time to takedown per platform and listings still live after N days."""
    from findings.db import open_db
    from findings.export.takedown_stats import takedown_stats

    rows = takedown_stats(open_db(db_path).conn, days=days)
    if not rows:
        click.echo("no reports yet")
    _print_stats(rows)


COMMANDS = [export, verify, recheck, reports]
