"""Commands for scheduled crawl jobs (`jobs`, `scheduler`) and the distributed crawl's `ingest-worker`."""

from __future__ import annotations

import logging
import signal
import sys

import click

from facetrade.options import db_option, example

logger = logging.getLogger(__name__)



def jobs_file_option(func):
    """Add ``--jobs-file PATH`` (default ``$FACETRADE_JOBS`` or ``jobs.yml``)."""
    return click.option("--jobs-file", "jobs_path", type=click.Path(dir_okay=False), envvar="FACETRADE_JOBS",
                        default="jobs.yml", show_default=True,
                        help="The jobs file (also $FACETRADE_JOBS); see jobs/jobs.example.yml.")(func)


def _load(jobs_path):
    from jobs.config import JobsFileError, load_jobs
    try:
        return load_jobs(jobs_path)
    except JobsFileError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group(epilog=example("facetrade jobs list --jobs-file jobs.yml"))
def jobs():
    """Scheduled crawl jobs: list them, run one now, see their past runs."""


@jobs.command("list", epilog=example("facetrade jobs list --jobs-file jobs.yml"))
@jobs_file_option
def jobs_list(jobs_path):
    """List the jobs of the jobs file with their cadence and next start time."""
    import datetime

    jf = _load(jobs_path)
    now = datetime.datetime.now(datetime.timezone.utc)
    for job in jf.jobs.values():
        nxt = job.trigger(jf.timezone).get_next_fire_time(None, now) if job.enabled else None
        queries = ", ".join(job.queries[:4]) + (" ..." if len(job.queries) > 4 else "") or "(site/rules queries)"
        click.echo(f"{job.name}\t{job.site}\t{job.cron}\t{'enabled' if job.enabled else 'disabled'}\t"
                   f"next {nxt.isoformat(timespec='seconds') if nxt else '-'}\tqueries: {queries}")


@jobs.command("run", epilog=example("facetrade jobs run xianyu-four-piece --jobs-file jobs.yml"))
@click.argument("name")
@jobs_file_option
@db_option
def jobs_run(name, jobs_path, db_path):
    """Run job NAME once now (in the foreground), record the run and send its alerts.

    Exits 2 when the site blocked the crawl, 1 when the run failed, 75 when the
    job is already running elsewhere (scheduler or another `jobs run`).
    """
    from jobs.config import JobsFileError
    from jobs.runner import JobRunner
    from jobs.scheduler import run_and_alert

    jf = _load(jobs_path)
    try:
        job = jf.job(name)
    except JobsFileError as exc:
        raise click.ClickException(str(exc)) from exc
    _log_info()
    result = run_and_alert(JobRunner(db_path), jf, job)
    click.echo(f"job {name}: {result.status}" + (f" (run {result.run_id})" if result.run_id else "")
               + (f" — {result.message}" if result.message else ""))
    sys.exit({"ok": 0, "blocked": 2, "interrupted": 3, "skipped": 75}.get(result.status, 1))


@jobs.command("history", epilog=example("facetrade jobs history xianyu-four-piece --limit 10"))
@click.argument("name", required=False)
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1))
@jobs_file_option
@db_option
def jobs_history(name, limit, jobs_path, db_path):
    """Show the latest runs of every job (or of job NAME): status, pages, new and flagged listings."""
    from findings.db import open_db
    from jobs.runner import run_history

    names = [name] if name else list(_load(jobs_path).jobs)
    db = open_db(db_path)
    rows = run_history(db, names, limit)
    if not rows:
        click.echo("no runs recorded yet")
    for r in rows:
        extra = f" — {r['blocked_reason']}" if r["blocked_reason"] else ""
        click.echo(f"run {r['run']}\t{r['job']}\t{r['started_at']}\t{r['status']}\t{r['pages']} pages\t"
                   f"{r['new']} new\t{r['flagged']} flagged\t{r['errors']} errors{extra}")


@click.command(epilog=example("facetrade scheduler --jobs-file jobs.yml --db var/facetrade.db"))
@jobs_file_option
@db_option
def scheduler(jobs_path, db_path):
    """Run the enabled jobs on their cron schedules, in the foreground, until SIGTERM/Ctrl-C.

    Each run is a `facetrade crawl` subprocess recorded in the crawl runs; a job never
    runs twice at once (not even from two schedulers: a lock file per job), a failing
    job is logged, recorded and alerted, and the others go on. On SIGTERM the running
    crawls finish their current pages and record themselves as interrupted.
    """
    from jobs.scheduler import serve

    jf = _load(jobs_path)
    _log_info()
    serve(jf, db_path)


def _log_info():
    """The scheduler's and jobs' own progress lines are the point of these commands: show them."""
    logging.getLogger().setLevel(min(logging.getLogger().level or logging.INFO, logging.INFO))
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.INFO)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


@click.command("ingest-worker", epilog=example("""
facetrade ingest-worker --redis redis://10.0.0.5:6379/0 --db var/facetrade.db
"""))
@click.option("--redis", "redis_url", required=True, metavar="redis://HOST:PORT/DB",
              help="The Redis the crawl workers (`facetrade crawl --redis`) push their items to.")
@click.option("--until-idle", is_flag=True, help="Exit once no items are queued and no crawl is open.")
@click.option("--batch", default=500, show_default=True, type=click.IntRange(min=1),
              help="Items written per transaction.")
@db_option
def ingest_worker(redis_url, until_idle, batch, db_path):
    """Write the items of distributed crawls into the database: the single SQLite writer.

    Reads the Redis item list the workers fill, stores, classifies and keeps evidence
    exactly as a local crawl does, and records one crawl run per distributed crawl
    (closed when the crawl ends: ok, blocked or interrupted). Run exactly one per
    database, next to it. Stops cleanly on Ctrl-C / SIGTERM.
    """
    from findings.ingest_worker import IngestError, IngestWorker

    try:
        worker = IngestWorker(db_path, redis_url, batch=batch)
    except IngestError as exc:
        raise click.ClickException(str(exc)) from exc

    def stop(signum, frame):
        worker.stopping = True
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo(f"ingest worker: {redis_url} → {db_path}", err=True)
    worker.run_forever(until_idle=until_idle)
    for s in worker.closed:
        click.echo(f"run {s['run']} {s['site']}: {s['status']} — {s['pages']} pages, {s['listings_seen']} listings, "
                   f"{s['listings_new']} new, {s['listings_flagged']} flagged")
    if worker.bad_messages:
        click.echo(f"{worker.bad_messages} unreadable item messages skipped (see the log)", err=True)


COMMANDS = [jobs, scheduler, ingest_worker]
