"""Active learning: serve the listings the model is least sure about (score nearest 0.5), flagged or not.

A verdict on a listing scored 0.49 or 0.51 teaches the next model far more than one on a
listing scored 0.99, so this queue mode looks past the flag threshold: any classified
listing without a verdict is a candidate. A listing below the threshold gets its
review_items row when it is first claimed, so decisions, skips and undo work as usual.
"""

from __future__ import annotations

from findings.web import sync

CENTRE = 0.5  # a calibrated probability is least sure here (the flag threshold may differ)

_CANDIDATES = (
    "SELECT c.listing_ref, c.id, c.score, c.category, l.platform, l.seller_ref, l.title, l.first_seen_at,"
    " l.seller_name, ri.status, ri.network_size, ri.claim_expires_at, u.name"
    " FROM classifications c JOIN listings l ON l.id = c.listing_ref"
    " LEFT JOIN review_items ri ON ri.listing_ref = c.listing_ref"
    " LEFT JOIN review_users u ON u.id = ri.claimed_by"
    " WHERE c.id = (SELECT max(x.id) FROM classifications x WHERE x.listing_ref = c.listing_ref)"
    " AND (ri.listing_ref IS NULL OR ri.status = 'open')"
    " AND NOT EXISTS (SELECT 1 FROM review_decisions d WHERE d.listing_ref = c.listing_ref AND d.undone_at IS NULL)"
    " AND c.score {side} :centre {extra}"
    " ORDER BY c.score {direction}, c.listing_ref LIMIT :limit")
_FREE = ("AND (ri.claimed_by IS NULL OR ri.claim_expires_at <= :now)"
         " AND NOT EXISTS (SELECT 1 FROM review_skips s WHERE s.listing_ref = c.listing_ref AND s.user_ref = :user)")


def _least_sure(conn, extra: str, params: dict, offset: int, limit: int) -> list[tuple]:
    """Candidates ``offset`` to ``offset + limit`` by distance of the score from the centre.

    Two walks along the score index, upwards from the centre and downwards from it, each
    stopping after ``offset + limit`` rows, merged: the nearest rows overall are the nearest
    of either side, so nothing sorts every classification (the index is ``m003``).
    """
    params = {**params, "centre": CENTRE, "limit": offset + limit}
    above = conn.execute(_CANDIDATES.format(side=">=", direction="ASC", extra=extra), params).fetchall()
    below = conn.execute(_CANDIDATES.format(side="<", direction="DESC", extra=extra), params).fetchall()
    rows = sorted(above + below, key=lambda row: (abs(row[2] - CENTRE), row[0]))
    return rows[offset:offset + limit]


def claim(conn, user: dict, now: str, expires: str) -> int | None:
    """Claim the least-sure free listing for ``user``; the caller holds the write lock."""
    rows = _least_sure(conn, _FREE, {"now": now, "user": user["id"]}, 0, 1)
    if not rows:
        return None
    row = rows[0]
    ref, cid, score, category, platform, seller, title, first_seen = row[:8]
    if row[9] is None:  # below the flag threshold: not queued yet
        net = sync.network_size(conn, seller, ref)
        conn.execute(
            "INSERT INTO review_items (listing_ref, classification_ref, platform, category, score, seller_ref,"
            " network_size, title_key, base_priority, first_seen_at, queued_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (ref, cid, platform, category, float(score), seller, net, sync.title_key(title),
             sync.base_priority(float(score), category, net, first_seen), first_seen, now, now))
    conn.execute("UPDATE review_items SET claimed_by = ?, claim_expires_at = ?, updated_at = ? WHERE listing_ref = ?",
                 (user["id"], expires, now, ref))
    return ref


def page(conn, page_number: int, size: int, now: str) -> list[dict]:
    """One page of unreviewed listings, least sure first, in the queue page's row shape."""
    from findings.web.queries import age_text

    rows = []
    for values in _least_sure(conn, "", {}, (page_number - 1) * size, size + 1):
        ref, _, score, category, platform, _, title, first_seen, seller_name, status, net, expires, holder = values
        rows.append({"listing_ref": ref, "score": score, "category": category, "platform": platform,
                     "title": title, "seller_name": seller_name, "status": status or "not queued",
                     "network_size": net or 0, "age": age_text(first_seen, now),
                     "priority": round(1 - 2 * abs(score - CENTRE), 4),  # shown as "uncertainty"
                     "claimed": bool(holder) and (expires or "") > now, "claimed_by_name": holder})
    return rows
