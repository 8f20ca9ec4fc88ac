"""Gather what a report says about each listing: listing, seller, verdict, reasons, evidence."""

from __future__ import annotations

import json

from findings.export.actor import ExportError, pseudonym
from findings.export.masking import mask_contact, mask_record
from findings.web.highlight import parse_reasons, reason_label
from findings.web.itemdata import fetch_all, fetch_one

# The documented columns of the CSV report (README "export"), in order.
COLUMNS = (
    "report_id", "platform", "listing_id", "listing_url", "seller_id", "seller_name", "title",
    "description", "category", "reason_code", "rule_reasons", "first_seen_at", "last_seen_at", "listing_status",
    "evidence_sha256", "evidence_captured_at", "evidence_count", "contacts", "confirmed_by",
    "confirmed_at", "takedown_status", "removed_at",
)

_VERDICT = ("SELECT v.listing_ref FROM review_verdicts v JOIN listings l ON l.id = v.listing_ref"
            " WHERE v.label = 1 AND l.platform = ?")


def candidates(conn, platform: str, *, since: str | None = None, category: str | None = None) -> list[int]:
    """Confirmed violations on ``platform`` that no report names yet."""
    sql, params = _VERDICT, [platform]
    if since:
        sql += " AND v.decided_at >= ?"
        params.append(since)
    if category:
        sql += " AND v.category = ?"
        params.append(category)
    sql += (" AND NOT EXISTS (SELECT 1 FROM report_listings rl WHERE rl.listing_ref = v.listing_ref)"
            " ORDER BY v.listing_ref")
    return [row[0] for row in conn.execute(sql, params)]


def chosen(conn, platform: str, listing_ids: list[str]) -> list[int]:
    """Row ids of the named listings; each must exist and be a confirmed violation."""
    refs = []
    for listing_id in listing_ids:
        row = conn.execute("SELECT id FROM listings WHERE platform = ? AND listing_id = ?",
                           (platform, str(listing_id))).fetchone()
        if row is None:
            raise ExportError(f"no listing {listing_id!r} on {platform}")
        if conn.execute(_VERDICT + " AND v.listing_ref = ?", (platform, row[0])).fetchone() is None:
            raise ExportError(f"listing {listing_id!r} on {platform} is not a confirmed violation")
        refs.append(row[0])
    return refs


def _reasons(raw) -> list[dict]:
    out = []
    for reason in parse_reasons(raw):
        spans = reason.get("spans") if isinstance(reason.get("spans"), list) else []
        matched = [str(s.get("text")) for s in spans[:5] if isinstance(s, dict) and s.get("text")]
        out.append({"rule": reason_label(reason), "description": str(reason.get("description") or ""),
                    "matched": matched})
    return out


def evidence_rows(conn, listing_ref: int) -> list[dict]:
    """Evidence metadata of one listing, oldest first."""
    return fetch_all(conn, "SELECT id, kind, url, captured_at, http_status, content_type, sha256, size,"
                     " warc_path, warc_record_id FROM evidence WHERE listing_ref = ? ORDER BY id", (listing_ref,))


def listing_row(conn, report_id: int, listing_ref: int, *, masked: bool = True) -> dict:
    """Everything a report says about one listing (personal numbers masked unless told)."""
    row = fetch_one(conn, (
        "SELECT l.id AS ref, l.platform, l.listing_id, l.url AS listing_url, s.seller_id, l.seller_name,"
        " l.title, l.description, l.location, l.price_text, l.first_seen_at, l.last_seen_at,"
        " l.status AS listing_status, l.image_urls, v.category, v.reason_code, v.user_ref, v.decided_at,"
        " rl.takedown_status, rl.removed_at, rl.last_checked_at, u.name AS reviewer_name"
        " FROM listings l LEFT JOIN sellers s ON s.id = l.seller_ref"
        " LEFT JOIN review_verdicts v ON v.listing_ref = l.id"
        " LEFT JOIN review_users u ON u.id = v.user_ref"
        " LEFT JOIN report_listings rl ON rl.listing_ref = l.id AND rl.report_ref = ?"
        " WHERE l.id = ?"), (report_id, listing_ref))
    cls = fetch_one(conn, "SELECT score, reasons, model_version FROM classifications WHERE listing_ref = ?"
                    " ORDER BY id DESC LIMIT 1", (listing_ref,)) or {}
    row["report_id"] = report_id
    row["score"] = cls.get("score")
    row["reasons"] = _reasons(cls.get("reasons"))
    row["rule_reasons"] = "; ".join(r["rule"] for r in row["reasons"])
    row["evidence"] = evidence_rows(conn, listing_ref)
    main = _main_evidence(row["evidence"])
    row["evidence_sha256"] = main["sha256"] if main else None
    row["evidence_captured_at"] = main["captured_at"] if main else None
    row["evidence_count"] = len(row["evidence"])
    contacts = fetch_all(conn, "SELECT c.kind, c.value FROM listing_contacts lc JOIN contacts c"
                         " ON c.id = lc.contact_ref WHERE lc.listing_ref = ? ORDER BY c.kind, c.value",
                         (listing_ref,))
    row["contact_list"] = [{"kind": c["kind"], "value": mask_contact(c["kind"], c["value"]) if masked
                            else c["value"]} for c in contacts]
    row["contacts"] = "; ".join(f"{c['kind']}:{c['value']}" for c in row["contact_list"])
    row["confirmed_by"] = row.pop("reviewer_name") if not masked else pseudonym(conn, row["user_ref"])
    row.pop("reviewer_name", None)
    row["confirmed_at"] = row.pop("decided_at")
    row.pop("user_ref")
    row["image_urls"] = _urls(row["image_urls"])
    return mask_record(row) if masked else row


def _main_evidence(evidence: list[dict]) -> dict | None:
    """The listing's own page: the latest detail capture, else the latest capture of any kind."""
    pages = [e for e in evidence if e["kind"] in ("detail_page", "response", "detail_api")]
    chosen_list = pages or evidence
    return chosen_list[-1] if chosen_list else None


def _urls(raw) -> list[str]:
    try:
        urls = json.loads(raw or "[]")
    except ValueError:
        return []
    return [str(u) for u in urls][:20] if isinstance(urls, list) else []
