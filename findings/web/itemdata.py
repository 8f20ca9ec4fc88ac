"""Everything the item page shows about one listing, gathered with indexed lookups."""

from __future__ import annotations

import json
import re
import zlib
from html.parser import HTMLParser

from findings.web import highlight
from findings.web.queries import age_text
from findings.records import utcnow

SNAPSHOT_CHARS = 20_000
NEIGHBOURS = 20
CLUSTER_LIMIT = 1000
_IMAGE_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
                (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"))


def fetch_all(conn, sql: str, params=()) -> list[dict]:
    cursor = conn.execute(sql, params)
    cols = [c[0] for c in cursor.description]
    return [dict(zip(cols, row)) for row in cursor]


def fetch_one(conn, sql: str, params=()) -> dict | None:
    rows = fetch_all(conn, sql, params)
    return rows[0] if rows else None


def mask(value: str | None) -> str:
    """Hide the middle of a contact or personal number: 13800000000 → 138*****000."""
    value = value or ""
    if len(value) <= 4:
        return "*" * len(value)
    keep = max(1, len(value) // 4)
    return value[:keep] + "*" * (len(value) - 2 * keep) + value[-keep:]


def listing(conn, listing_ref: int) -> dict | None:
    """The listing with its queue state and latest classification."""
    row = fetch_one(conn, "SELECT l.*, ri.status AS review_status, ri.score AS queue_score, ri.network_size,"
               " ri.title_key, ri.claimed_by, ri.claim_expires_at, u.name AS claimed_by_name"
               " FROM listings l LEFT JOIN review_items ri ON ri.listing_ref = l.id"
               " LEFT JOIN review_users u ON u.id = ri.claimed_by WHERE l.id = ?", (listing_ref,))
    if row is None:
        return None
    row["classification"] = fetch_one(conn, "SELECT * FROM classifications WHERE listing_ref = ?"
                                 " ORDER BY id DESC LIMIT 1", (listing_ref,))
    reasons = highlight.parse_reasons((row["classification"] or {}).get("reasons"))
    texts = {"title": row["title"], "description": row["description"] or ""}
    spans = highlight.spans_by_field(reasons, texts)
    row["reasons"] = [{"label": highlight.reason_label(r), "description": _text(r.get("description")),
                       "weight": r.get("weight"), "matched": _matched(r)} for r in reasons]
    row["title_pieces"] = highlight.segments(row["title"], spans["title"])
    row["description_pieces"] = highlight.segments(row["description"], spans["description"])
    row["age"] = age_text(row["first_seen_at"], utcnow())
    try:
        urls = json.loads(row["image_urls"] or "[]")
    except ValueError:
        urls = []
    row["image_url_list"] = [str(u) for u in urls][:20] if isinstance(urls, list) else []
    return row


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _matched(reason: dict) -> str:
    spans = reason.get("spans")
    if isinstance(spans, list):
        return " · ".join(str(s.get("text")) for s in spans[:5] if isinstance(s, dict) and s.get("text"))
    return ""


def contacts(conn, listing_ref: int, *, unmasked: bool) -> list[dict]:
    """The listing's contacts with how many other sellers use each (masked unless allowed)."""
    rows = fetch_all(conn, "SELECT c.id, c.kind, c.value, (SELECT count(DISTINCT l.seller_ref)"
                 " FROM listing_contacts o JOIN listings l ON l.id = o.listing_ref"
                 " WHERE o.contact_ref = c.id) AS sellers FROM listing_contacts lc"
                 " JOIN contacts c ON c.id = lc.contact_ref WHERE lc.listing_ref = ? ORDER BY c.kind",
                 (listing_ref,))
    for row in rows:
        row["shown"] = row["value"] if unmasked else mask(row["value"])
    return rows


def seller(conn, seller_ref: int | None, exclude: int) -> tuple[dict | None, list[dict]]:
    """The seller and a few of their other listings with their review status."""
    if seller_ref is None:
        return None, []
    info = fetch_one(conn, "SELECT * FROM sellers WHERE id = ?", (seller_ref,))
    others = fetch_all(conn, "SELECT l.id, l.title, l.platform, ri.score, ri.status FROM listings l"
                   " LEFT JOIN review_items ri ON ri.listing_ref = l.id WHERE l.seller_ref = ? AND l.id != ?"
                   " ORDER BY l.id DESC LIMIT ?", (seller_ref, exclude, NEIGHBOURS))
    return info, others


def cluster_refs(conn, listing_ref: int, kind: str, *, open_only: bool = True) -> list[int]:
    """Queue items in the same cluster: same normalised title, or a shared contact."""
    status = " AND ri.status = 'open'" if open_only else ""
    if kind == "title":
        key = conn.execute("SELECT title_key FROM review_items WHERE listing_ref = ?", (listing_ref,)).fetchone()
        if not key or not key[0]:
            return []
        sql = (f"SELECT ri.listing_ref FROM review_items ri WHERE ri.title_key = ?{status}"
               " ORDER BY ri.listing_ref LIMIT ?")
        params = (key[0], CLUSTER_LIMIT)
    elif kind == "contact":
        sql = ("SELECT DISTINCT ri.listing_ref FROM listing_contacts mine"
               " JOIN listing_contacts o ON o.contact_ref = mine.contact_ref"
               f" JOIN review_items ri ON ri.listing_ref = o.listing_ref WHERE mine.listing_ref = ?{status}"
               " ORDER BY ri.listing_ref LIMIT ?")
        params = (listing_ref, CLUSTER_LIMIT)
    else:
        return []
    return [row[0] for row in conn.execute(sql, params)]


def cluster_rows(conn, refs: list[int]) -> list[dict]:
    """Title, seller and status of the first items of a cluster, for the preview."""
    if not refs:
        return []
    marks = ",".join("?" * len(refs[:100]))
    return fetch_all(conn, "SELECT l.id, l.title, l.platform, l.seller_name, ri.score, ri.status"
                 f" FROM listings l JOIN review_items ri ON ri.listing_ref = l.id WHERE l.id IN ({marks})"
                 " ORDER BY l.id", refs[:100])


def near_duplicates(conn, listing_ref: int) -> list[dict]:
    """Other queue items with the same text or the same contacts, any seller."""
    refs = [r for r in cluster_refs(conn, listing_ref, "title", open_only=False) if r != listing_ref][:NEIGHBOURS]
    seen = set(refs)
    for ref in cluster_refs(conn, listing_ref, "contact", open_only=False):
        if ref != listing_ref and ref not in seen and len(refs) < 2 * NEIGHBOURS:
            refs.append(ref)
            seen.add(ref)
    return cluster_rows(conn, refs)


def decisions(conn, listing_ref: int) -> list[dict]:
    """The listing's decision history, newest first."""
    return fetch_all(conn, "SELECT d.*, u.name AS user_name FROM review_decisions d"
                 " JOIN review_users u ON u.id = d.user_ref WHERE d.listing_ref = ? ORDER BY d.id DESC",
                 (listing_ref,))


def evidence(conn, listing_ref: int) -> list[dict]:
    """Evidence metadata (no bodies) for the listing."""
    return fetch_all(conn, "SELECT id, kind, url, captured_at, http_status, content_type, sha256, size"
                 " FROM evidence WHERE listing_ref = ? ORDER BY id DESC LIMIT 20", (listing_ref,))


def image_type(data: bytes) -> str | None:
    """The image type from magic bytes, for the few raster formats we serve (never SVG)."""
    for magic, kind in _IMAGE_MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def evidence_body(conn, evidence_id: int) -> tuple[dict, bytes] | None:
    """An evidence row and its original bytes (inline or file), or None."""
    row = fetch_one(conn, "SELECT * FROM evidence WHERE id = ?", (evidence_id,))
    if row is None:
        return None
    data = row["body"]
    if row["file_path"]:
        try:
            with open(row["file_path"], "rb") as handle:
                data = handle.read()
        except OSError:
            return row, b""
    if row["compression"] == "zlib" and data:
        data = zlib.decompress(data)
    return row, data or b""


class _TextOnly(HTMLParser):
    """Collect the visible text of a page; scripts, styles and markup are dropped."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "noscript", "template", "iframe", "object"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "noscript", "template", "iframe", "object") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def snapshot_text(body: bytes, content_type: str | None) -> str:
    """Readable text of a captured response (HTML reduced to text), never markup."""
    charset = re.search(r"charset=([\w-]+)", content_type or "", re.I)
    text = None
    for encoding in ([charset.group(1)] if charset else []) + ["utf-8", "gb18030"]:
        try:
            text = body[:2_000_000].decode(encoding)
            break
        except (LookupError, UnicodeDecodeError):
            continue
    if text is None:
        text = body[:2_000_000].decode("utf-8", "replace")
    if "html" in (content_type or "").lower() or text.lstrip()[:1] == "<":
        parser = _TextOnly()
        parser.feed(text)
        parser.close()
        text = "\n".join(parser.parts)
    return text[:SNAPSHOT_CHARS]
