"""Bring new classifications into the review queue and compute each item's priority.

Priority = score × category severity + network bonus + age bonus. Stored as
``base_priority`` without the "now" part of the age bonus, so the queue order can come
straight from an index yet still favour items that have waited longer.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from datetime import datetime, timezone

import sqlite_utils

from classifier import DEFAULT_THRESHOLD
from findings.records import utcnow
from findings.web.txn import immediate

logger = logging.getLogger(__name__)

SEVERITY = {"id_kit": 3.0, "face_data": 3.0, "verification_bypass": 3.0,
            "photo_activation": 2.5, "realname_account": 2.0}
DEFAULT_SEVERITY = 1.0
NETWORK_WEIGHT = 0.5   # per doubling of the number of other sellers sharing a contact
AGE_WEIGHT = 0.05      # per day waited: a month-old item gains 1.5 points
_BATCH = 2000
_NOT_TEXT = re.compile(r"[\W_]+", re.UNICODE)


def title_key(title: str | None) -> str:
    """Normalise a title for grouping copies: NFKC, lower case, no spaces or punctuation."""
    text = unicodedata.normalize("NFKC", title or "").lower()
    return _NOT_TEXT.sub("", text)[:200]


def day_number(iso: str | None) -> float:
    """Days since the Unix epoch of an ISO-8601 UTC time (0 when missing or unreadable)."""
    if not iso:
        return 0.0
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return 0.0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp() / 86400.0


def base_priority(score: float, category: str | None, network_size: int, first_seen_at: str) -> float:
    """Priority without the age bonus of "now" (add ``AGE_WEIGHT × today`` to display it)."""
    severity = SEVERITY.get(category or "", DEFAULT_SEVERITY)
    return (score * severity + NETWORK_WEIGHT * math.log2(1 + network_size)
            - AGE_WEIGHT * day_number(first_seen_at))


def priority(base: float, now: str | None = None) -> float:
    """The priority shown to analysts at time ``now``."""
    return base + AGE_WEIGHT * day_number(now or utcnow())


def network_size(conn, seller_ref: int | None, listing_ref: int) -> int:
    """Count other sellers in this listing's network (``facetrade networks build``), else sharing a contact."""
    from findings.networks import stored_network_size

    stored = stored_network_size(conn, listing_ref)
    if stored is not None:
        return stored
    if seller_ref is not None:
        mine = "SELECT lc.contact_ref FROM listings s JOIN listing_contacts lc ON lc.listing_ref = s.id" \
               " WHERE s.seller_ref = :seller"
    else:
        mine = "SELECT contact_ref FROM listing_contacts WHERE listing_ref = :listing"
    row = conn.execute(
        f"SELECT count(DISTINCT l.seller_ref) FROM listing_contacts o JOIN listings l ON l.id = o.listing_ref"
        f" WHERE o.contact_ref IN ({mine}) AND l.seller_ref IS NOT NULL"
        f" AND l.seller_ref IS NOT :seller", {"seller": seller_ref, "listing": listing_ref}).fetchone()
    return int(row[0] or 0)


def _state(conn, key: str) -> str | None:
    row = conn.execute("SELECT value FROM review_state WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def _set_state(conn, key: str, value) -> None:
    conn.execute("INSERT INTO review_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE"
                 " SET value = excluded.value", (key, str(value)))


def sync_queue(db: sqlite_utils.Database, threshold: float = DEFAULT_THRESHOLD, *,
               full: bool = False) -> int:
    """Queue every listing whose latest classification scores at least ``threshold``.

    Incremental: only classifications newer than the last sync are read, in short
    batches so a crawl writing at the same time is never blocked for long. Returns the
    number of queue rows added or updated.
    """
    conn = db.conn
    last = int(_state(conn, "synced_classification_id") or 0)
    synced_threshold = _state(conn, "synced_threshold")
    if full or synced_threshold is None or threshold < float(synced_threshold):
        last = 0  # a lower threshold admits older classifications too
    top = conn.execute("SELECT max(id) FROM classifications").fetchone()[0] or 0
    touched = 0
    while last < top:
        upper = min(top, last + _BATCH * 5)
        touched += _sync_range(conn, last, upper, threshold)
        last = upper
    with immediate(conn):
        _set_state(conn, "synced_classification_id", top)
        low = threshold if synced_threshold is None or full else min(threshold, float(synced_threshold))
        _set_state(conn, "synced_threshold", low)
    if touched:
        logger.info("review queue: %s items added or updated", touched)
    return touched


def _sync_range(conn, low: int, high: int, threshold: float) -> int:
    rows = conn.execute(
        "SELECT c.id, c.listing_ref, c.score, c.category, l.platform, l.seller_ref, l.title,"
        " l.first_seen_at, (SELECT 1 FROM review_items ri WHERE ri.listing_ref = c.listing_ref)"
        " FROM classifications c JOIN listings l ON l.id = c.listing_ref"
        " WHERE c.id > ? AND c.id <= ?"
        " AND c.id = (SELECT max(c2.id) FROM classifications c2 WHERE c2.listing_ref = c.listing_ref)",
        (low, high)).fetchall()
    now = utcnow()
    values, networks = [], {}
    for cid, listing, score, category, platform, seller, title, first_seen, queued in rows:
        if score < threshold and not queued:
            continue
        key = seller if seller is not None else ("listing", listing)
        if key not in networks:
            networks[key] = network_size(conn, seller, listing)
        net = networks[key]
        values.append((listing, cid, platform, category, float(score), seller, net, title_key(title),
                       base_priority(float(score), category, net, first_seen), first_seen, now, now))
    with immediate(conn):
        conn.executemany(
            "INSERT INTO review_items (listing_ref, classification_ref, platform, category, score,"
            " seller_ref, network_size, title_key, base_priority, first_seen_at, queued_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (listing_ref) DO UPDATE SET"
            " classification_ref = excluded.classification_ref, category = excluded.category,"
            " score = excluded.score, seller_ref = excluded.seller_ref,"
            " network_size = excluded.network_size, title_key = excluded.title_key,"
            " base_priority = excluded.base_priority, updated_at = excluded.updated_at", values)
    return len(values)
