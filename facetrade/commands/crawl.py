"""The ``crawl`` command: collect listings from a marketplace (or the sandbox) into the database."""

from __future__ import annotations

import logging
import sys

import click

from facetrade.options import db_option, example

EXIT_BLOCKED = 2
EXIT_INTERRUPTED = 3


@click.command(epilog=example("""
facetrade crawl classifieds_zh --base-url http://127.0.0.1:8800/classifieds-zh --query 四件套
"""))
@click.argument("site")
@click.option("--query", "-q", "queries", multiple=True,
              help="Search query (repeatable). Default: the site profile's queries, else rules/queries.yml "
                   "plus the search terms of the rules.")
@click.option("--max-pages", type=click.IntRange(min=1), help="Stop each query after N result pages.")
@click.option("--base-url", help="Override the profile's base URL (e.g. the sandbox's).")
@click.option("--jobdir", type=click.Path(file_okay=False),
              help="Job directory for resuming; default var/jobs/SITE-HASH next to the database.")
@click.option("--login-state", type=click.Path(dir_okay=False),
              help="Playwright storage-state JSON with the login cookies (Goofish).")
@click.option("--delay", type=click.FloatRange(min=0),
              help="Seconds between requests, overriding the site profile (keep it polite on real sites).")
@click.option("--redis", "redis_url", metavar="redis://HOST:PORT/DB",
              help="Run as one worker of a distributed crawl sharing this Redis (see README 'jobs'); "
                   "items go to Redis for `facetrade ingest-worker`.")
@click.option("--no-images", is_flag=True,
              help="Do not download flagged listings' pictures as evidence (by default the first 4 are kept).")
@click.option("--max-images", type=click.IntRange(min=1), metavar="N",
              help="Pictures kept per flagged listing (default 4).")
@click.option("--max-image-mb", type=click.FloatRange(min=0.01), metavar="MB",
              help="Refuse pictures larger than this; the download is cut off there (default 8).")
@db_option
def crawl(site, queries, max_pages, base_url, jobdir, login_state, delay, redis_url, no_images, max_images,
          max_image_mb, db_path):
    """Crawl one SITE (a profile in crawler/sites/: goofish, taobao, classifieds_zh, ...).

    Politely (robots.txt, per-site delay) searches every query through all result pages,
    stores listings with evidence, classifies them, keeps the pictures of flagged listings
    as evidence (checked to be real images), and prints a summary. A killed crawl
    resumes where it stopped when run again. Exits 2 when the site blocked the crawl
    (captcha, rate limit, login wall) and 3 when it was interrupted.
    """
    from crawler.profiles import ProfileError
    from crawler.runner import CrawlError, run_crawl

    level = logging.getLogger().getEffectiveLevel()
    try:
        summary = run_crawl(site, db_path=db_path, queries=list(queries), max_pages=max_pages,
                            base_url=base_url, jobdir=jobdir, login_state=login_state, delay=delay,
                            log_level=logging.getLevelName(min(level, logging.WARNING)), redis_url=redis_url,
                            images=0 if no_images else max_images,
                            image_maxsize=int(max_image_mb * 1024 * 1024) if max_image_mb else None)
    except (ProfileError, CrawlError) as exc:
        raise click.ClickException(str(exc)) from exc
    if redis_url:
        from crawler.distributed import worker_summary
        click.echo(worker_summary(summary))
        sys.exit({"blocked": EXIT_BLOCKED, "interrupted": EXIT_INTERRUPTED}.get(summary["status"], 0))
    _print_summary(summary)
    if summary["status"] == "blocked":
        click.echo(_blocked_message(summary), err=True)
        sys.exit(EXIT_BLOCKED)
    if summary["status"] != "ok":
        click.echo(f"{site}: crawl {summary['status']}; run the same command again to resume.", err=True)
        sys.exit(EXIT_INTERRUPTED)


def _print_summary(s: dict) -> None:
    state = "BLOCKED" if s["status"] == "blocked" else s["status"]
    click.echo(f"{s['site']}: {state}{' (resumed)' if s['resumed'] else ''} — {len(s['queries'])} queries, "
               f"{s['pages']} pages, {s['requests']} requests")
    click.echo(f"listings: {s['listings_seen']} seen, {s['listings_new']} new, {s['listings_changed']} changed, "
               f"{s['listings_flagged']} flagged, {s['listings_removed']} removed; {s['errors']} unusable pages/items")
    if s.get("images_stored") or s.get("images_refused"):
        click.echo(f"images of flagged listings: {s['images_stored']} stored as evidence, "
                   f"{s['images_refused']} refused")
    for note in s.get("notes") or []:
        click.echo(f"note: {note}")
    click.echo(f"crawl run {s['run']} recorded")


def _blocked_message(s: dict) -> str:
    reason = s["blocked_reason"] or "unknown"
    hint = "wait before crawling again, crawl more slowly (politeness in the site profile)"
    if any(word in reason.lower() for word in ("login", "session", "token")):
        hint = "refresh the login state (--login-state FILE) and run again"
    return (f"{s['site']}: BLOCKED — {reason}. Stopped crawling this site after {s['pages']} pages; "
            f"this is not '0 results'. To continue: {hint}; the crawl resumes where it stopped.")


@click.command("crawl-login", epilog=example("""
facetrade crawl-login goofish --login-state var/goofish-state.json
"""))
@click.argument("site")
@click.option("--login-state", required=True, type=click.Path(dir_okay=False),
              help="Where to save the Playwright storage state (cookies).")
@click.option("--base-url", help="Override the profile's base URL (e.g. the sandbox's).")
@click.option("--user", help="Fill the login form with this account (else log in by hand in the window).")
@click.option("--password", envvar="FACETRADE_LOGIN_PASSWORD", help="Password (also $FACETRADE_LOGIN_PASSWORD).")
@click.option("--headless", is_flag=True, help="No browser window (only with --user/--password).")
@click.option("--timeout", default=300, show_default=True, help="Seconds to wait for the login.")
def crawl_login(site, login_state, base_url, user, password, headless, timeout):
    """Log in to SITE in Chromium and save the login state for `facetrade crawl --login-state`.

    Without --user/--password a browser window opens and you log in by hand (captchas
    included: facetrade never solves them). The file holds session cookies: keep it private.
    """
    from crawler.login import LoginError, save_login_state
    from crawler.profiles import ProfileError, load_profile

    if headless and not (user and password):
        raise click.UsageError("--headless needs --user and --password")
    try:
        path = save_login_state(load_profile(site, base_url=base_url), login_state, user=user,
                                password=password, headless=headless, timeout=timeout)
    except (ProfileError, LoginError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"login state saved to {path}; use: facetrade crawl {site} --login-state {path}")


COMMANDS = [crawl, crawl_login]
