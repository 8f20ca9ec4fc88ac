"""Commands over the findings database: ingest, search, stats."""

from __future__ import annotations

import json
import sys

import click

from facetrade.options import db_option, example
from findings import ingest as ingest_mod
from findings.db import open_db
from findings.search import search_listings
from findings.stats import listing_counts, recent_runs, totals
from findings.store import Store


@click.command(epilog=example("""
facetrade ingest exports/xianyu-2026-11.jsonl exports/shop.csv --platform xianyu
"""))
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--platform", help="Platform for rows that do not name one.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), help="File format (default: by extension).")
@click.option("--no-classify", is_flag=True, help="Store only; classify later with `facetrade classify --stored`.")
@db_option
def ingest(files, platform, fmt, no_classify, db_path):
    """Load listings exported from a platform (JSONL or CSV) into the findings database.

    Keys: platform, id, url, title, description, price, seller_id, seller_name,
    location, posted_at, image_urls. Rows already stored update last_seen_at; a changed
    title, description or price adds a version. Bad rows are named on stderr with file
    and line and skipped; the exit status is 1 when any row was rejected.
    """
    from findings.classify import ingest_classifier, load_classifier_or_none

    store = Store(open_db(db_path))
    classify = None if no_classify else ingest_classifier(load_classifier_or_none())
    bar = _progress_bar()

    def on_error(error):
        if bar is not None:
            bar.write(f"rejected {error}", file=sys.stderr)
        else:
            click.echo(f"rejected {error}", err=True)

    try:
        report = ingest_mod.ingest_files(store, list(files), platform=platform, fmt=fmt, classify=classify,
                                         on_error=on_error, progress=bar.update if bar else None)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        if bar is not None:
            bar.close()
    click.echo(f"ingested {report.rows:,} rows: {report.new:,} new, {report.changed:,} changed, "
               f"{report.unchanged:,} unchanged; {report.classified:,} classified, {report.flagged:,} flagged")
    if report.rejected:
        click.echo(f"{report.rejected:,} rows rejected (see messages above)", err=True)
        sys.exit(1)


def _progress_bar():
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm
    return tqdm(unit=" rows", unit_scale=True, file=sys.stderr)


@click.command(epilog=example("""
facetrade search 四件套
facetrade search "人脸 同城" --platform goofish --json
"""))
@click.argument("query")
@click.option("--limit", default=50, show_default=True, help="Most rows to show.")
@click.option("--platform", help="Only this platform.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@db_option
def search(query, limit, platform, as_json, db_path):
    """Full-text search of listing titles and descriptions (Chinese works; every term must match)."""
    store = Store(open_db(db_path))
    store.sync_fulltext()  # rows a killed bulk load left unindexed become searchable now
    rows = search_listings(store.db, query, limit=limit, platform=platform)
    for row in rows:
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False))
        else:
            score = "  -  " if row["score"] is None else f"{row['score']:.2f}"
            click.echo(f"{score}  {row['platform']}:{row['listing_id']}  {row['title'][:80]}")
    if not rows and not as_json:
        click.echo("no listings match", err=True)


@click.command(epilog=example("""
facetrade stats --db var/facetrade.db
"""))
@click.option("--runs", default=10, show_default=True, help="How many recent crawl runs to list.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@db_option
def stats(runs, as_json, db_path):
    """Counts by platform, status and label, and the last crawl runs."""
    db = open_db(db_path)
    data = {"totals": totals(db), "listings": listing_counts(db), "runs": recent_runs(db, runs)}
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    t = data["totals"]
    click.echo(f"{t['listings']:,} listings on {t['platforms']} platforms: {t['flagged']:,} flagged, "
               f"{t['unclassified']:,} unclassified; {t['sellers']:,} sellers, {t['versions']:,} "
               f"earlier versions, {t['evidence']:,} evidence snapshots, {t['contacts']:,} contacts")
    click.echo("\nplatform          status    label           listings")
    for row in data["listings"]:
        click.echo(f"{row['platform'][:16]:<17} {row['status']:<9} {row['label']:<15} {row['listings']:>8,}")
    if data["runs"]:
        click.echo("\nrecent crawl runs")
        for run in data["runs"]:
            blocked = f"  blocked: {run['blocked_reason']}" if run["blocked_reason"] else ""
            click.echo(f"#{run['id']:<4} {run['started_at'][:19]}  {run['site']:<15} {run['status']:<8} "
                       f"pages {run['pages']}, new {run['listings_new']}, changed {run['listings_changed']}, "
                       f"flagged {run['listings_flagged']}{blocked}")


COMMANDS = [ingest, search, stats]
