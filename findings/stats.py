"""Counts an analyst asks for first: listings by platform, status and label; recent crawl runs."""

from __future__ import annotations

import sqlite_utils

_LATEST_LABEL = """
    SELECT l.platform, l.status, c.label
    FROM listings l
    LEFT JOIN classifications c ON c.id = (
        SELECT id FROM classifications WHERE listing_ref = l.id ORDER BY classified_at DESC, id DESC LIMIT 1)
"""


def listing_counts(db: sqlite_utils.Database) -> list[dict]:
    """Return listing counts grouped by platform, status and latest label."""
    sql = f"""
        SELECT platform, status,
               CASE label WHEN 1 THEN 'flagged' WHEN 0 THEN 'clear' ELSE 'unclassified' END AS label,
               count(*) AS listings
        FROM ({_LATEST_LABEL})
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"""
    return [dict(row) for row in db.query(sql)]


def totals(db: sqlite_utils.Database) -> dict:
    """Return headline totals across the database."""
    row = db.execute(f"""
        SELECT count(*), sum(label = 1), sum(label IS NULL), count(DISTINCT platform)
        FROM ({_LATEST_LABEL})""").fetchone()
    return {"listings": row[0], "flagged": row[1] or 0, "unclassified": row[2] or 0,
            "platforms": row[3], "sellers": db["sellers"].count,
            "versions": db["listing_versions"].count, "evidence": db["evidence"].count,
            "contacts": db["contacts"].count}


def recent_runs(db: sqlite_utils.Database, limit: int = 10) -> list[dict]:
    """Return the latest crawl runs, newest first."""
    return [dict(row) for row in db.query(
        "SELECT id, job, site, query, started_at, finished_at, status, pages, listings_new,"
        " listings_changed, listings_flagged, errors, blocked_reason FROM crawl_runs"
        " ORDER BY id DESC LIMIT ?", [limit])]
