"""Read-only queries behind the queue page: filters, text search, counts and ages."""

from __future__ import annotations

from dataclasses import dataclass

from findings.records import utcnow
from findings.web.review import CATEGORIES
from findings.web.sync import AGE_WEIGHT, day_number

PAGE_SIZE = 50
STATUSES = ("open", "escalated", "confirmed", "rejected", "all")
MAX_QUERY = 200


@dataclass
class QueueFilter:
    """The queue filters, parsed defensively from query parameters."""

    platform: str = ""
    category: str = ""
    status: str = "open"
    min_score: float | None = None
    max_score: float | None = None
    q: str = ""
    page: int = 1

    @classmethod
    def from_params(cls, params) -> "QueueFilter":
        """Build from a query-string mapping; bad values fall back to "no filter"."""
        status = params.get("status") or "open"
        category = params.get("category") or ""
        return cls(
            platform=(params.get("platform") or "")[:64],
            category=category if category in CATEGORIES or category == "none" else "",
            status=status if status in STATUSES else "open",
            min_score=_float(params.get("min_score")),
            max_score=_float(params.get("max_score")),
            q=(params.get("q") or "").strip()[:MAX_QUERY],
            page=max(1, min(int(_float(params.get("page")) or 1), 10_000)),
        )


def _float(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) != float("inf") else None


def escape_like(text: str) -> str:
    """Escape LIKE wildcards so user text matches literally (use with ESCAPE '\\')."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def fts_phrase(text: str) -> str:
    """Quote user text as one FTS5 phrase so no query syntax gets through."""
    return '"' + text.replace('"', '""') + '"'


def _where(flt: QueueFilter, threshold: float) -> tuple[str, list]:
    # The unary "+" keeps SQLite from using the score/platform indexes here: walking the
    # priority index and filtering is far cheaper than sorting a 100,000-row range.
    clauses, params = ["+ri.score >= ?"], [threshold]
    if flt.status != "all":
        clauses.insert(0, "ri.status = ?")
        params.insert(0, flt.status)
    if flt.platform:
        clauses.append("+ri.platform = ?")
        params.append(flt.platform)
    if flt.category == "none":
        clauses.append("ri.category IS NULL")
    elif flt.category:
        clauses.append("+ri.category = ?")
        params.append(flt.category)
    if flt.min_score is not None:
        clauses.append("+ri.score >= ?")
        params.append(flt.min_score)
    if flt.max_score is not None:
        clauses.append("+ri.score <= ?")
        params.append(flt.max_score)
    if flt.q:
        if len(flt.q) >= 3:
            # The trigram index needs three characters; shorter text falls back to LIKE.
            clauses.append("ri.listing_ref IN (SELECT rowid FROM listings_fts WHERE listings_fts MATCH ?)")
            params.append(fts_phrase(flt.q))
        else:
            # Tested on the joined listing row, so the walk in priority order stops early.
            clauses.append("(l.title LIKE ? ESCAPE '\\' OR l.description LIKE ? ESCAPE '\\')")
            pattern = f"%{escape_like(flt.q)}%"
            params += [pattern, pattern]
    return " AND ".join(clauses), params


def queue_page(conn, flt: QueueFilter, threshold: float) -> list[dict]:
    """Return one page of queue rows, highest priority first, with age and claim holder."""
    where, params = _where(flt, threshold)
    cursor = conn.execute(
        "SELECT ri.listing_ref, ri.platform, ri.category, ri.score, ri.status, ri.network_size,"
        " ri.base_priority, ri.first_seen_at, ri.claim_expires_at, u.name AS claimed_by_name,"
        " l.title, l.price_text, l.seller_name"
        " FROM review_items ri JOIN listings l ON l.id = ri.listing_ref"
        " LEFT JOIN review_users u ON u.id = ri.claimed_by"
        f" WHERE {where} ORDER BY ri.base_priority DESC LIMIT ? OFFSET ?",
        [*params, PAGE_SIZE + 1, (flt.page - 1) * PAGE_SIZE])
    cols = [c[0] for c in cursor.description]
    now = utcnow()
    today = day_number(now)
    rows = []
    for values in cursor:
        row = dict(zip(cols, values))
        row["priority"] = row["base_priority"] + AGE_WEIGHT * today
        row["age"] = age_text(row["first_seen_at"], now)
        row["claimed"] = bool(row["claimed_by_name"]) and (row["claim_expires_at"] or "") > now
        rows.append(row)
    return rows


def queue_summary(conn, threshold: float) -> dict:
    """Open and escalated counts and the oldest open item's age."""
    summary = {}
    for status in ("open", "escalated"):
        count, oldest = conn.execute(
            "SELECT count(*), min(first_seen_at) FROM review_items WHERE status = ? AND score >= ?",
            (status, threshold)).fetchone()
        summary[status] = count
        summary[f"{status}_oldest"] = age_text(oldest, utcnow()) if oldest else "—"
    return summary


def platforms(conn) -> list[str]:
    """Platforms present in the queue, for the filter menu."""
    return [row[0] for row in conn.execute(
        "SELECT DISTINCT platform FROM review_items ORDER BY platform")]


def age_text(iso: str | None, now: str) -> str:
    """Human age of a timestamp: "3 d", "5 h", "12 min"."""
    if not iso:
        return "—"
    days = day_number(now) - day_number(iso)
    if days >= 1:
        return f"{int(days)} d"
    if days * 24 >= 1:
        return f"{int(days * 24)} h"
    return f"{max(0, int(days * 1440))} min"
