"""Takedown figures: time from report to removal per platform, listings still live after N days."""

from __future__ import annotations

import statistics
from datetime import datetime

from findings.records import utcnow
from findings.web.itemdata import fetch_all


def _moment(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def _hours(start: str, end: str) -> float:
    return (_moment(end) - _moment(start)).total_seconds() / 3600


def takedown_stats(conn, *, days: float = 7, now: str | None = None) -> list[dict]:
    """One row per platform: reported, removed, hours to takedown (median, mean, max), still live.

    The clock starts when the report was sent (or created, for a report not marked sent).
    "Still live after N days" counts listings reported more than ``days`` ago that the latest
    recheck did not find removed.
    """
    now = now or utcnow()
    rows = fetch_all(conn, (
        "SELECT r.platform, rl.listing_ref, coalesce(r.sent_at, r.created_at) AS reported_at,"
        " rl.takedown_status, rl.removed_at,"
        " (SELECT count(*) FROM relistings x WHERE x.old_ref = rl.listing_ref) AS relisted"
        " FROM report_listings rl JOIN reports r ON r.id = rl.report_ref ORDER BY r.platform"))
    by_platform: dict[str, dict] = {}
    for row in rows:
        entry = by_platform.setdefault(row["platform"], {"platform": row["platform"], "reported": 0,
                                                          "removed": 0, "hours": [], "still_live": 0,
                                                          "unchecked": 0, "relisted": 0})
        entry["reported"] += 1
        entry["relisted"] += 1 if row["relisted"] else 0
        if row["takedown_status"] == "removed" and row["removed_at"]:
            entry["removed"] += 1
            entry["hours"].append(max(0.0, _hours(row["reported_at"], row["removed_at"])))
        elif _hours(row["reported_at"], now) >= days * 24:
            entry["still_live"] += 1
        if row["takedown_status"] == "pending":
            entry["unchecked"] += 1
    out = []
    for entry in by_platform.values():
        hours = entry.pop("hours")
        entry.update(days=days,
                     median_hours=round(statistics.median(hours), 4) if hours else None,
                     mean_hours=round(statistics.fmean(hours), 4) if hours else None,
                     max_hours=round(max(hours), 4) if hours else None)
        out.append(entry)
    return out
