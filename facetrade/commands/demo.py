"""The ``demo`` command: the whole product on the bundled sandbox marketplace, end to end."""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import click

from facetrade.options import db_option, example

SITES = ("classifieds_zh", "classifieds_en", "taobao", "goofish")


@click.command(epilog=example("""
facetrade demo
facetrade demo --listings 600 --site classifieds_zh --no-serve
"""))
@click.option("--listings", default=1200, show_default=True, help="Size of the sandbox catalogue.")
@click.option("--seed", default=7, show_default=True, help="Sandbox seed (same seed, same catalogue).")
@click.option("--site", "sites", multiple=True, type=click.Choice(SITES), help="Sandbox sites to crawl (default all).")
@click.option("--port", default=8000, show_default=True, help="Port of the review app.")
@click.option("--serve/--no-serve", default=True, show_default=True, help="End by serving the review queue.")
@db_option
def demo(listings, seed, sites, port, serve, db_path):
    """Start the sandbox marketplace, crawl its sites, classify, show what was flagged, open the queue.

    Each step is an ordinary facetrade command run as a subprocess, printed before it runs,
    so the demo doubles as a walkthrough. Crawls stay polite (robots.txt, delays); the
    sandbox's rate limit is raised so the demo takes minutes, not an hour.
    """
    workdir = Path(db_path).resolve().parent / "demo"
    workdir.mkdir(parents=True, exist_ok=True)
    with _sandbox(listings, seed) as base:
        manifest = json.load(urllib.request.urlopen(f"{base}/_sandbox/manifest.json", timeout=30))
        failures = [name for name in (sites or SITES) if not _crawl(name, manifest, workdir, db_path)]
    _run(["classify", "--stored", "--db", db_path], check=False)
    _run(["stats", "--db", db_path], check=False)
    _print_flagged(db_path)
    if failures:
        click.echo(f"\nsites that did not complete: {', '.join(failures)} (see messages above)", err=True)
    if serve:
        _serve(db_path, port)
    elif failures:
        sys.exit(1)


@contextlib.contextmanager
def _sandbox(listings: int, seed: int):
    from sandbox.testing import running_sandbox

    click.secho(f"$ facetrade sandbox serve --port 0 --listings {listings} --seed {seed} --rate 50 --burst 100",
                fg="cyan")
    # A demo-friendly rate limit: far above what the polite crawl asks for, so the demo
    # shows blocks only when something is really wrong.
    try:
        with running_sandbox(listings=listings, seed=seed, subprocess_mode=True, rate=50, burst=100) as base:
            click.echo(f"sandbox marketplace at {base}/ (ground truth: {base}/_sandbox/manifest.json)")
            yield base
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc


def _crawl(site: str, manifest: dict, workdir: Path, db_path: str) -> bool:
    info = manifest["sites"][site]
    args = ["crawl", site, "--base-url", info["base_url"], "--db", db_path, "--delay", "0.05"]
    for query in info["queries"]:
        args += ["--query", query]
    if site == "goofish":
        state = workdir / "goofish-login.json"
        login = ["crawl-login", "goofish", "--base-url", info["base_url"], "--login-state", str(state),
                 "--user", "demo_analyst", "--password", "demo-only", "--headless", "--timeout", "60"]
        if not _run(login, check=False):
            return False
        args += ["--login-state", str(state)]
    return _run(args, check=False)


def _cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "facetrade", *args]


def _run(args: list[str], *, check: bool) -> bool:
    shown = " ".join(a if " " not in a else repr(a) for a in args)
    click.secho(f"\n$ facetrade {shown[:300]}{' …' if len(shown) > 300 else ''}", fg="cyan")
    result = subprocess.run(_cmd(*args))
    if check and result.returncode:
        raise click.ClickException(f"`facetrade {args[0]}` failed with exit status {result.returncode}")
    return result.returncode == 0


def _print_flagged(db_path: str, limit: int = 15) -> None:
    from findings.db import open_db

    db = open_db(db_path)
    rows = list(db.query("""
        SELECT l.platform, l.listing_id, l.title, c.score, c.category
        FROM classifications c JOIN listings l ON l.id = c.listing_ref
        WHERE c.label = 1 AND c.id = (SELECT max(id) FROM classifications WHERE listing_ref = l.id)
        ORDER BY c.score DESC LIMIT ?""", [limit]))
    total = db.execute("""SELECT count(DISTINCT listing_ref) FROM classifications c WHERE label = 1
        AND id = (SELECT max(id) FROM classifications WHERE listing_ref = c.listing_ref)""").fetchone()[0]
    click.secho(f"\nflagged listings: {total} (top {len(rows)} by score)", bold=True)
    for row in rows:
        title = re.sub(r"\s+", " ", row["title"])[:60]
        click.echo(f"  {row['score']:.2f}  {row['category'] or '-':<20} {row['platform']}:{row['listing_id']}  {title}")


def _serve(db_path: str, port: int) -> None:
    import uvicorn

    from findings.db import open_db
    from findings.web.app import create_app
    from findings.web.demo import demo_login

    name, password = demo_login(open_db(db_path))
    click.secho(f"\nreview queue: http://127.0.0.1:{port}/   analyst login: {name} / {password}", bold=True)
    click.echo("(Ctrl-C stops it; `facetrade users add NAME --role lead` adds real accounts)")
    uvicorn.run(create_app(db_path), host="127.0.0.1", port=port, log_level="warning")


COMMANDS = [demo]
