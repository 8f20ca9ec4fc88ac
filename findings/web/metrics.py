"""Figures for the stats page: queue age, throughput, and precision of rules and model."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from findings.records import utcnow
from findings.web.sync import day_number

AGE_BUCKETS = ((1, "< 1 day"), (3, "1–3 days"), (7, "3–7 days"), (30, "1–4 weeks"), (None, "older"))
# Rules are named in reasons as rule_id (the classifier's contract) or, defensively, rule.
_RULE = "coalesce(json_extract(r.value, '$.rule_id'), json_extract(r.value, '$.rule'))"
_VERDICT_CLASSIFICATIONS = (
    "FROM review_verdicts v JOIN review_decisions d ON d.id = v.decision_ref"
    " JOIN classifications c ON c.id = coalesce(d.classification_ref,"
    "   (SELECT max(id) FROM classifications x WHERE x.listing_ref = v.listing_ref))")


def days_back(n: int, now: str | None = None) -> list[str]:
    """The last ``n`` dates (YYYY-MM-DD), oldest first."""
    today = datetime.fromisoformat((now or utcnow()).replace("Z", "+00:00")).astimezone(timezone.utc).date()
    return [(today - timedelta(days=i)).isoformat() for i in range(n - 1, -1, -1)]


def age_histogram(conn, threshold: float) -> list[tuple[str, int]]:
    """How long open items have waited, in buckets."""
    today = day_number(utcnow())
    counts = [0] * len(AGE_BUCKETS)
    for (first_seen,) in conn.execute(
            "SELECT first_seen_at FROM review_items WHERE status = 'open' AND score >= ?", (threshold,)):
        age = today - day_number(first_seen)
        for i, (limit, _) in enumerate(AGE_BUCKETS):
            if limit is None or age < limit:
                counts[i] += 1
                break
    return [(label, count) for (_, label), count in zip(AGE_BUCKETS, counts)]


def decisions_per_day(conn, days: list[str]) -> dict[str, dict[str, int]]:
    """Decisions (not undone) per analyst per day."""
    series: dict[str, dict[str, int]] = {}
    for day, name, count in conn.execute(
            "SELECT substr(d.decided_at, 1, 10) AS day, u.name, count(*) FROM review_decisions d"
            " JOIN review_users u ON u.id = d.user_ref WHERE d.undone_at IS NULL AND d.decided_at >= ?"
            " GROUP BY day, u.name", (days[0],)):
        series.setdefault(name, {})[day] = count
    return series


def rule_precision(conn) -> list[tuple[str, float, int]]:
    """Per rule: share of decided listings it fired on that analysts confirmed."""
    rows = conn.execute(
        f"SELECT {_RULE} AS rule, count(DISTINCT v.listing_ref), sum(v.label) {_VERDICT_CLASSIFICATIONS},"
        " json_each(CASE WHEN json_valid(c.reasons) AND json_type(c.reasons) = 'array'"
        "   THEN c.reasons ELSE '[]' END) r"
        " WHERE json_type(r.value) = 'object' AND rule IS NOT NULL GROUP BY rule ORDER BY 2 DESC LIMIT 40"
    ).fetchall()
    return [(str(rule), (confirmed or 0) / n, n) for rule, n, confirmed in rows if n]


def model_precision(conn, threshold: float) -> list[tuple[str, float, int]]:
    """Per model version: share of its flagged (score ≥ threshold) decided listings confirmed."""
    rows = conn.execute(
        f"SELECT c.model_version, count(*), sum(v.label) {_VERDICT_CLASSIFICATIONS}"
        " WHERE c.score >= ? GROUP BY c.model_version ORDER BY c.model_version", (threshold,)).fetchall()
    return [(f"model {version}", (confirmed or 0) / n, n) for version, n, confirmed in rows if n]


def flagged_per_platform(conn, days: list[str], threshold: float) -> dict[str, dict[str, int]]:
    """Flagged listings per platform per day they were first seen."""
    series: dict[str, dict[str, int]] = {}
    for platform, day, count in conn.execute(
            "SELECT platform, substr(first_seen_at, 1, 10) AS day, count(*) FROM review_items"
            " WHERE first_seen_at >= ? AND score >= ? GROUP BY platform, day", (days[0], threshold)):
        series.setdefault(platform, {})[day] = count
    return series
