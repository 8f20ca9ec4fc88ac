"""Commands for scheduled crawl jobs (`jobs`, `scheduler`) and the distributed crawl's `ingest-worker`."""

from __future__ import annotations

import logging
import signal

import click

from facetrade.options import db_option, example

logger = logging.getLogger(__name__)


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


COMMANDS = [ingest_worker]
