"""Takedown verification: re-fetch reported listings, record what happened, link relistings."""

from __future__ import annotations

import logging

import sqlite_utils

from findings.records import utcnow
from findings.store import Store
from findings.web.itemdata import fetch_all
from findings.web.sync import title_key
from findings.web.txn import immediate

logger = logging.getLogger(__name__)
_OPEN = ("pending", "live", "unreachable")


def targets(conn, *, report_id: int | None = None, platform: str | None = None) -> list[dict]:
    """Reported listings not yet known to be removed (one entry per listing)."""
    sql = ("SELECT DISTINCT l.id AS listing_ref, l.platform, l.listing_id, l.url FROM report_listings rl"
           " JOIN listings l ON l.id = rl.listing_ref JOIN reports r ON r.id = rl.report_ref"
           f" WHERE rl.takedown_status IN ({','.join('?' * len(_OPEN))}) AND l.url IS NOT NULL")
    params: list = list(_OPEN)
    if report_id is not None:
        sql += " AND r.id = ?"
        params.append(report_id)
    if platform:
        sql += " AND l.platform = ?"
        params.append(platform)
    return fetch_all(conn, sql + " ORDER BY l.id", params)


def profiles_for(platforms: set[str]) -> dict:
    """The crawler's site profile for each platform (the first bundled profile that names it)."""
    from crawler.profiles import ProfileError, available_sites, load_profile

    found = {}
    for site in available_sites():
        try:
            profile = load_profile(site)
        except ProfileError:
            continue
        if profile.platform in platforms and profile.platform not in found:
            found[profile.platform] = profile
    return found


def fetch_outcomes(found: list[dict], *, delay: float | None = None, log_level: str = "WARNING",
                   login_state: str | None = None) -> list[dict]:
    """Run the recheck spider over ``found`` in this process and return one outcome per listing.

    Listings only a logged-in browser can read (Goofish) are opened in Chromium with
    ``login_state``; without one they are recorded unreachable, saying so.
    """
    from findings.export.recheck_goofish import NEEDS_LOGIN, needs_browser

    profiles = profiles_for({t["platform"] for t in found})
    browsed = [t for t in found if needs_browser(profiles.get(t["platform"]))]
    results: list[dict] = []
    if browsed and not login_state:
        results += [{**t, "outcome": "unreachable", "detail": NEEDS_LOGIN, "http_status": None,
                     "checked_at": utcnow(), "capture": None} for t in browsed]
        found = [t for t in found if t not in browsed]
    if found:
        results += _crawl(found, profiles, delay=delay, log_level=log_level,
                          login_state=login_state if browsed else None)
    return results


def _crawl(found: list[dict], profiles: dict, *, delay, log_level: str, login_state: str | None) -> list[dict]:
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from findings.export.recheck_goofish import browser_settings
    from findings.export.recheck_spider import RecheckSpider

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    polite = [p.politeness for p in profiles.values()]
    settings.setdict({
        # The slowest site's pace for every site: a recheck is a few requests, never a flood.
        "DOWNLOAD_DELAY": max([float(p["download_delay"]) for p in polite] or [1.0]) if delay is None else delay,
        "CONCURRENT_REQUESTS_PER_DOMAIN": min([int(p["concurrency"]) for p in polite] or [1]),
        "AUTOTHROTTLE_START_DELAY": max(delay if delay is not None else 1.0, 0.01),
        # No crawl run, no listing pipelines: the recheck writes its own results afterwards.
        "ITEM_PIPELINES": {}, "EXTENSIONS": {}, "LOG_LEVEL": log_level, "LOG_INSTALL_ROOT_HANDLER": False,
        **(browser_settings(login_state) if login_state else {}),
    }, priority="cmdline")
    results: list[dict] = []
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(RecheckSpider)
    process.crawl(crawler, targets=found, profiles=profiles, results=results)
    process.start()
    reason = crawler.stats.get_value("blocks/reason")
    answered = {r["listing_ref"] for r in results}
    for target in found:
        if target["listing_ref"] not in answered:
            why = f"not checked: the site blocked the recheck ({reason})" if reason else "not checked"
            results.append({**target, "outcome": "unreachable", "detail": why, "http_status": None,
                            "checked_at": utcnow(), "capture": None})
    return results


def record_outcomes(db: sqlite_utils.Database, outcomes: list[dict]) -> dict:
    """Store checks, move each reported listing's takedown status, keep the answers as evidence."""
    store = Store(db)
    counts = {"live": 0, "removed": 0, "unreachable": 0}
    for result in outcomes:
        capture = result.get("capture")
        if capture is not None:  # the platform's answer is evidence of the takedown (or not)
            store.add_evidence(url=capture.url, body=capture.body, listing_ref=result["listing_ref"],
                               http_status=capture.status, content_type=capture.content_type,
                               captured_at=result["checked_at"], kind="recheck")
    conn = db.conn
    with immediate(conn):
        for r in outcomes:
            counts[r["outcome"]] += 1
            conn.execute("INSERT INTO takedown_checks (listing_ref, checked_at, outcome, http_status, url, detail)"
                         " VALUES (?, ?, ?, ?, ?, ?)",
                         (r["listing_ref"], r["checked_at"], r["outcome"], r["http_status"], r["url"], r["detail"]))
            conn.execute(
                "UPDATE report_listings SET takedown_status = ?, last_checked_at = ?, checks = checks + 1,"
                " check_detail = ?, removed_at = CASE WHEN ? = 'removed' THEN coalesce(removed_at, ?)"
                " ELSE removed_at END, last_live_at = CASE WHEN ? = 'live' THEN ? ELSE last_live_at END"
                " WHERE listing_ref = ? AND takedown_status != 'removed'",
                (r["outcome"], r["checked_at"], r["detail"], r["outcome"], r["checked_at"], r["outcome"],
                 r["checked_at"], r["listing_ref"]))
    for r in outcomes:
        if r["outcome"] == "removed":
            store.mark_removed(r["platform"], [r["listing_id"]], at=r["checked_at"])
    return counts


def link_relistings(db: sqlite_utils.Database) -> int:
    """Link reported listings to newer listings with the same normalised title or a shared contact."""
    conn = db.conn
    reported = fetch_all(conn, "SELECT l.id, l.platform, l.title, min(rl.added_at) AS reported_at"
                         " FROM report_listings rl JOIN listings l ON l.id = rl.listing_ref GROUP BY l.id")
    links = []
    for old in reported:
        key = title_key(old["title"])
        newer = conn.execute("SELECT id, title FROM listings WHERE platform = ? AND last_seen_at >= ?"
                             " AND first_seen_at >= ? AND id != ?",
                             (old["platform"], old["reported_at"], old["reported_at"], old["id"])).fetchall()
        links += [(old["id"], new_id, "text") for new_id, title in newer if key and title_key(title) == key]
        shared = conn.execute(
            "SELECT DISTINCT l.id FROM listing_contacts mine JOIN listing_contacts o ON o.contact_ref = mine.contact_ref"
            " JOIN listings l ON l.id = o.listing_ref WHERE mine.listing_ref = ? AND l.id != ? AND l.first_seen_at >= ?",
            (old["id"], old["id"], old["reported_at"])).fetchall()
        links += [(old["id"], new_id, "contact") for (new_id,) in shared]
    now = utcnow()
    with immediate(conn):
        before = conn.total_changes
        conn.executemany("INSERT OR IGNORE INTO relistings (old_ref, new_ref, match, found_at) VALUES (?, ?, ?, ?)",
                         [(old, new, match, now) for old, new, match in links])
        return conn.total_changes - before
