"""Claims with leases, decisions, escalation, skips and undo — every change audited."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone

import sqlite_utils

from classifier import DEFAULT_THRESHOLD
from findings.records import utcnow
from findings.web import auditlog, uncertain
from findings.web.txn import immediate
from findings.web.users import has_role

LEASE_SECONDS = 600
UNDO_SECONDS = 300
CATEGORIES = ("id_kit", "face_data", "photo_activation", "verification_bypass", "realname_account")
REASONS = {
    "violation": ("sells_id_documents", "sells_face_data", "liveness_bypass_tool",
                  "verification_service", "account_for_sale", "other_violation"),
    "not_violation": ("bedding_set", "skincare", "legitimate_service", "photo_editing",
                      "news_or_warning", "other_benign"),
    "escalate": ("unsure", "needs_translation", "high_impact", "legal_question"),
}
LABELS = {"violation": 1, "not_violation": 0, "escalate": None}
STATUS_AFTER = {"violation": "confirmed", "not_violation": "rejected", "escalate": "escalated"}


class ReviewError(Exception):
    """A review action that cannot happen; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.status = status


def shift(iso: str, seconds: float) -> str:
    """Return the ISO-8601 UTC time ``seconds`` after ``iso``."""
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00")) + timedelta(seconds=seconds)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _item(conn, listing_ref: int) -> dict | None:
    cursor = conn.execute("SELECT * FROM review_items WHERE listing_ref = ?", (listing_ref,))
    row = cursor.fetchone()
    return dict(zip([c[0] for c in cursor.description], row)) if row else None


def _claimable_statuses(user: dict) -> tuple[str, ...]:
    return ("escalated", "open") if has_role(user, "lead") else ("open",)


def claim_next(db: sqlite_utils.Database, user: dict, *, threshold: float = DEFAULT_THRESHOLD,
               lease_seconds: int = LEASE_SECONDS, now: str | None = None, mode: str = "priority") -> int | None:
    """Claim the highest-priority free item for ``user`` and return its listing id.

    The user's own unexpired claim is served first. The choice and the claim happen
    under one write lock, so two analysts can never hold the same item. With
    ``mode="uncertain"`` the least-sure unreviewed listing comes next instead
    (findings.web.uncertain), whatever its score.
    """
    now = now or utcnow()
    expires = shift(now, lease_seconds)
    conn = db.conn
    with immediate(conn):
        mine = conn.execute(
            "SELECT listing_ref FROM review_items WHERE claimed_by = ? AND claim_expires_at > ?"
            " AND status IN ('open', 'escalated') ORDER BY base_priority DESC LIMIT 1",
            (user["id"], now)).fetchone()
        if mine:
            return mine[0]
        if mode == "uncertain":
            ref = uncertain.claim(conn, user, now, expires)
            if ref is not None:
                auditlog.record(conn, user, "claim", target_kind="listing", target_id=ref,
                                after={"claim_expires_at": expires, "mode": mode}, at=now)
            return ref
        for status in _claimable_statuses(user):
            row = conn.execute(
                "UPDATE review_items SET claimed_by = :user, claim_expires_at = :expires, updated_at = :now"
                " WHERE listing_ref = (SELECT ri.listing_ref FROM review_items ri"
                "   WHERE ri.status = :status AND ri.score >= :threshold"
                "   AND (ri.claimed_by IS NULL OR ri.claim_expires_at <= :now)"
                "   AND NOT EXISTS (SELECT 1 FROM review_skips s"
                "                   WHERE s.listing_ref = ri.listing_ref AND s.user_ref = :user)"
                "   ORDER BY ri.base_priority DESC LIMIT 1)"
                " AND (claimed_by IS NULL OR claim_expires_at <= :now) RETURNING listing_ref",
                {"user": user["id"], "expires": expires, "now": now, "status": status,
                 "threshold": threshold}).fetchone()
            if row:
                auditlog.record(conn, user, "claim", target_kind="listing", target_id=row[0],
                                after={"claim_expires_at": expires}, at=now)
                return row[0]
    return None


def release(db: sqlite_utils.Database, user: dict, listing_ref: int, *, skip: bool = False) -> None:
    """Give up a claim; with ``skip`` the item is not served to this user again."""
    conn = db.conn
    now = utcnow()
    with immediate(conn):
        conn.execute("UPDATE review_items SET claimed_by = NULL, claim_expires_at = NULL, updated_at = ?"
                     " WHERE listing_ref = ? AND claimed_by = ?", (now, listing_ref, user["id"]))
        if skip:
            conn.execute("INSERT OR REPLACE INTO review_skips (listing_ref, user_ref, skipped_at)"
                         " VALUES (?, ?, ?)", (listing_ref, user["id"], now))
        auditlog.record(conn, user, "skip" if skip else "release", target_kind="listing",
                        target_id=listing_ref, at=now)


def assign(db: sqlite_utils.Database, lead: dict, listing_ref: int, assignee: dict | None) -> None:
    """Hand an item's claim to another user (or free it); a lead action."""
    now = utcnow()
    with immediate(db.conn):
        item = _item(db.conn, listing_ref)
        if item is None:
            raise ReviewError("this listing is not in the review queue", 404)
        expires = shift(now, LEASE_SECONDS) if assignee else None
        db.conn.execute("UPDATE review_items SET claimed_by = ?, claim_expires_at = ?, updated_at = ?"
                        " WHERE listing_ref = ?", (assignee and assignee["id"], expires, now, listing_ref))
        auditlog.record(db.conn, lead, "reassign", target_kind="listing", target_id=listing_ref,
                        before={"claimed_by": item["claimed_by"]},
                        after={"claimed_by": assignee and assignee["id"]}, at=now)


def validate(action: str, reason_code: str, category: str | None) -> None:
    """Raise ReviewError(400) unless the action, reason code and category fit together."""
    if action not in REASONS:
        raise ReviewError(f"unknown decision {action!r}", 400)
    if reason_code not in REASONS[action]:
        raise ReviewError(f"choose a reason code for {action.replace('_', ' ')}", 400)
    if action == "violation" and category not in CATEGORIES:
        raise ReviewError("choose the category of the violation", 400)


def _check_may_decide(item: dict | None, user: dict, now: str, bulk: bool) -> None:
    if item is None:
        raise ReviewError("this listing is not in the review queue", 404)
    if item["status"] == "escalated" and not has_role(user, "lead"):
        raise ReviewError("this item is escalated: a lead decides it", 403)
    if item["status"] in ("confirmed", "rejected") and not has_role(user, "lead"):
        raise ReviewError("this item is already decided; undo the decision or ask a lead")
    held_by_other = (item["claimed_by"] not in (None, user["id"])
                     and (item["claim_expires_at"] or "") > now)
    if held_by_other and not (bulk or has_role(user, "lead")):
        raise ReviewError("another analyst holds this item")


def _apply(conn, user: dict, item: dict, action: str, reason_code: str, category, note,
           batch_id, now: str) -> int:
    category = category if action == "violation" else (category or item["category"])
    cursor = conn.execute(
        "INSERT INTO review_decisions (listing_ref, user_ref, role, action, label, category, reason_code,"
        " note, batch_id, classification_ref, score, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (item["listing_ref"], user["id"], user["role"], action, LABELS[action], category, reason_code,
         (note or "").strip()[:4000] or None, batch_id, item["classification_ref"], item["score"], now))
    status = STATUS_AFTER[action]
    conn.execute("UPDATE review_items SET status = ?, claimed_by = NULL, claim_expires_at = NULL,"
                 " updated_at = ? WHERE listing_ref = ?", (status, now, item["listing_ref"]))
    auditlog.record(conn, user, "decide", target_kind="listing", target_id=item["listing_ref"],
                    before={"status": item["status"]},
                    after={"status": status, "decision": cursor.lastrowid, "action": action,
                           "reason_code": reason_code, "category": category, "batch": batch_id},
                    at=now)
    return cursor.lastrowid


def decide(db: sqlite_utils.Database, user: dict, listing_ref: int, action: str, reason_code: str, *,
           category: str | None = None, note: str | None = None) -> int:
    """Record one decision on one item and return the decision id."""
    validate(action, reason_code, category)
    now = utcnow()
    with immediate(db.conn):
        item = _item(db.conn, listing_ref)
        _check_may_decide(item, user, now, bulk=False)
        return _apply(db.conn, user, item, action, reason_code, category, note, None, now)


def decide_many(db: sqlite_utils.Database, user: dict, listing_refs: list[int], action: str,
                reason_code: str, *, category: str | None = None, note: str | None = None) -> tuple[str, int]:
    """Decide a cluster in one transaction: one decision and one audit row per item.

    Items that were decided, escalated or claimed by someone else meanwhile are left
    alone. Returns ``(batch_id, number decided)``.
    """
    validate(action, reason_code, category)
    batch_id = secrets.token_hex(8)
    now = utcnow()
    done = 0
    with immediate(db.conn):
        for ref in listing_refs:
            item = _item(db.conn, ref)
            if item is None or item["status"] != "open":
                continue
            if item["claimed_by"] not in (None, user["id"]) and (item["claim_expires_at"] or "") > now:
                continue
            _apply(db.conn, user, item, action, reason_code, category, note, batch_id, now)
            done += 1
    return batch_id, done


def undo(db: sqlite_utils.Database, user: dict, *, decision_id: int | None = None,
         batch_id: str | None = None, window: int = UNDO_SECONDS) -> int:
    """Undo a decision (or a whole bulk batch) within the undo window; returns how many."""
    conn = db.conn
    now = utcnow()
    with immediate(conn):
        column, key = ("batch_id", batch_id) if batch_id else ("id", decision_id)
        rows = conn.execute(
            f"SELECT id, listing_ref, user_ref, decided_at, action FROM review_decisions"
            f" WHERE {column} = ? AND undone_at IS NULL", (key,)).fetchall()
        if not rows:
            raise ReviewError("nothing to undo (already undone or unknown)", 404)
        for decision, listing, owner, decided_at, action in rows:
            if owner != user["id"] and not has_role(user, "lead"):
                raise ReviewError("only the analyst who decided (or a lead) can undo", 403)
            if shift(decided_at, window) < now and not has_role(user, "lead"):
                raise ReviewError(f"the undo window ({window // 60} min) has passed; ask a lead", 403)
            conn.execute("UPDATE review_decisions SET undone_at = ?, undone_by = ? WHERE id = ?",
                         (now, user["id"], decision))
            status = _status_from_decisions(conn, listing)
            conn.execute("UPDATE review_items SET status = ?, updated_at = ? WHERE listing_ref = ?",
                         (status, now, listing))
            auditlog.record(conn, user, "undo", target_kind="listing", target_id=listing,
                            before={"decision": decision, "action": action}, after={"status": status},
                            at=now)
    return len(rows)


def _status_from_decisions(conn, listing_ref: int) -> str:
    row = conn.execute("SELECT action FROM review_decisions WHERE listing_ref = ? AND undone_at IS NULL"
                       " ORDER BY id DESC LIMIT 1", (listing_ref,)).fetchone()
    return STATUS_AFTER[row[0]] if row else "open"
