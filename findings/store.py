"""Write listings, versions, sellers, contacts, evidence, classifications and crawl runs.

Every write here is idempotent: seeing the same listing again only moves
``last_seen_at``; a changed title, description or price adds exactly one version row.
Each batch is one transaction, so a process killed mid-write leaves no partial batch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import sqlite_utils

from findings.records import ListingRecord, utcnow
from findings.store_evidence import EvidenceMixin
from findings.store_runs import RunsMixin

_SQL_VARS = 900  # stay under SQLite's bound-parameter limit in IN (...) lookups


@dataclass
class UpsertResult:
    """What one batch did: row ids of new and changed listings, and counts."""

    new: list[int] = field(default_factory=list)
    changed: list[int] = field(default_factory=list)
    unchanged: int = 0
    refs: dict[tuple[str, str], int] = field(default_factory=dict)  # (platform, listing_id) -> row id

    def __iadd__(self, other: "UpsertResult") -> "UpsertResult":
        self.new += other.new
        self.changed += other.changed
        self.unchanged += other.unchanged
        self.refs.update(other.refs)
        return self


class Store(EvidenceMixin, RunsMixin):
    """The one place that writes findings; wraps an open :class:`sqlite_utils.Database`."""

    def __init__(self, db: sqlite_utils.Database, evidence_dir: str | Path | None = None):
        self.db = db
        self.conn = db.conn
        if evidence_dir is None:
            evidence_dir = _db_sidecar(db, "evidence")
        self.evidence_dir = Path(evidence_dir)

    # -- listings ---------------------------------------------------------------

    def upsert_listings(self, records: Iterable[ListingRecord], *, source: str | None = None,
                        seen_at: str | None = None, index: bool = True) -> UpsertResult:
        """Insert new listings, record changes of known ones, in one transaction.

        With ``index=False`` new listings reach full-text search at the next
        :meth:`sync_fulltext` (bulk loaders call it every few batches).
        """
        records = list(_last_wins(records))
        seen_at = seen_at or utcnow()
        result = UpsertResult()
        if not records:
            return result
        with self.db.atomic():
            seller_refs = self._upsert_sellers(records, seen_at)
            existing = self._existing(records)
            inserts, touches, versions, updates = [], [], [], []
            for rec in records:
                key = (rec.platform, rec.listing_id)
                row = existing.get(key)
                seller_ref = seller_refs.get((rec.platform, rec.seller_id))
                if row is None:
                    inserts.append(_listing_row(rec, seller_ref, seen_at, source))
                elif row["content_hash"] == rec.content_hash:
                    touches.append((seen_at, seller_ref, row["id"]))
                else:
                    versions.append(_version_row(row, rec, seen_at))
                    updates.append(_update_row(rec, seller_ref, seen_at, row["id"]))
            (top,) = self.conn.execute("SELECT coalesce(max(id), 0) FROM listings").fetchone()
            self.conn.executemany(_INSERT_LISTING, inserts)
            self.conn.executemany(
                "UPDATE listings SET last_seen_at = ?, seller_ref = coalesce(?, seller_ref),"
                " status = 'active', removed_at = NULL WHERE id = ?", touches)
            self.conn.executemany(_INSERT_VERSION, versions)
            self.conn.executemany(_UPDATE_LISTING, updates)
            # One writer holds the transaction and ids only grow, so the new rows took the
            # ids after the old maximum, in insertion order.
            new_ids = iter(range(top + 1, top + 1 + len(inserts)))
            if index:
                self._index_pending()
        for rec in records:
            key = (rec.platform, rec.listing_id)
            before = existing.get(key)
            if before is None:
                row_id = next(new_ids)
                result.new.append(row_id)
            else:
                row_id = before["id"]
                if before["content_hash"] != rec.content_hash:
                    result.changed.append(row_id)
                else:
                    result.unchanged += 1
            result.refs[key] = row_id
        return result

    def sync_fulltext(self) -> int:
        """Index every listing added since the last sync; return how many."""
        with self.db.atomic():
            return self._index_pending()

    def _index_pending(self) -> int:
        # Listing ids only grow (AUTOINCREMENT), so a watermark finds the unindexed rows.
        (mark,) = self.conn.execute("SELECT last_rowid FROM fulltext_state").fetchone()
        cursor = self.conn.execute(
            "INSERT INTO listings_fts (rowid, title, description) SELECT id, title, description"
            " FROM listings WHERE id > ?", (mark,))
        if cursor.rowcount:
            self.conn.execute("UPDATE fulltext_state SET last_rowid = (SELECT max(id) FROM listings)")
        return cursor.rowcount

    def _existing(self, records: list[ListingRecord]) -> dict[tuple[str, str], dict]:
        sql = ("SELECT listing_id, id, content_hash, title, description, price_cents, price_text,"
               " first_seen_at, (SELECT max(valid_to) FROM listing_versions v WHERE v.listing_ref = listings.id)"
               " AS changed_at FROM listings WHERE platform = ? AND listing_id IN")
        cols = ("listing_id", "id", "content_hash", "title", "description", "price_cents", "price_text",
                "first_seen_at", "changed_at")
        return {key: dict(zip(cols, row)) for key, row in
                self._lookup(sql, [(r.platform, r.listing_id) for r in records])}

    def _lookup(self, sql: str, keys: list[tuple[str, str]]):
        """Yield ``((platform, key), row)`` for ``sql`` ending in ``platform = ? AND col IN``."""
        by_platform: dict[str, list[str]] = {}
        for platform, key in keys:
            by_platform.setdefault(platform, []).append(key)
        for platform, values in by_platform.items():
            for chunk in _chunks(values, _SQL_VARS):
                placeholders = ",".join("?" * len(chunk))
                for row in self.conn.execute(f"{sql} ({placeholders})", [platform, *chunk]):
                    yield (platform, row[0]), row

    def _upsert_sellers(self, records: list[ListingRecord], seen_at: str) -> dict:
        sellers = {}
        for rec in records:
            if rec.seller_id:
                sellers[(rec.platform, rec.seller_id)] = (rec.seller_name, rec.seller_url)
        if not sellers:
            return {}
        self.conn.executemany(
            "INSERT INTO sellers (platform, seller_id, name, url, first_seen_at, last_seen_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (platform, seller_id) DO UPDATE SET"
            " name = coalesce(excluded.name, name), url = coalesce(excluded.url, url),"
            " last_seen_at = excluded.last_seen_at",
            [(p, s, name, url, seen_at, seen_at) for (p, s), (name, url) in sellers.items()])
        sql = "SELECT seller_id, id FROM sellers WHERE platform = ? AND seller_id IN"
        return {key: row[1] for key, row in self._lookup(sql, list(sellers))}

    def mark_removed(self, platform: str, listing_ids: Iterable[str], *, at: str | None = None) -> int:
        """Mark listings that a crawl no longer finds as removed, noting when."""
        at = at or utcnow()
        count = 0
        with self.db.atomic():
            for chunk in _chunks(list(listing_ids), _SQL_VARS):
                cursor = self.conn.execute(
                    "UPDATE listings SET status = 'removed', removed_at = ? WHERE platform = ?"
                    " AND status != 'removed' AND listing_id IN (" + ",".join("?" * len(chunk)) + ")",
                    [at, platform, *chunk])
                count += cursor.rowcount
        return count

    # -- contacts ---------------------------------------------------------------

    def link_contacts(self, listing_ref: int, contacts: Iterable[dict], *, seen_at: str | None = None) -> None:
        """Attach normalised contacts (``{"kind", "value", "raw"?}``) to a listing."""
        self.link_contacts_many([(listing_ref, contacts)], seen_at=seen_at)

    def link_contacts_many(self, pairs: Iterable[tuple[int, Iterable[dict]]], *,
                           seen_at: str | None = None) -> None:
        """Attach contacts to many listings in one transaction."""
        seen_at = seen_at or utcnow()
        with self.db.atomic():
            for listing_ref, contacts in pairs:
                for contact in contacts:
                    kind, value = contact["kind"], str(contact["value"])[:512]
                    self.conn.execute(
                        "INSERT INTO contacts (kind, value, first_seen_at) VALUES (?, ?, ?)"
                        " ON CONFLICT (kind, value) DO NOTHING", (kind, value, seen_at))
                    (contact_ref,) = self.conn.execute(
                        "SELECT id FROM contacts WHERE kind = ? AND value = ?", (kind, value)).fetchone()
                    self.conn.execute(
                        "INSERT OR IGNORE INTO listing_contacts (listing_ref, contact_ref, raw)"
                        " VALUES (?, ?, ?)", (listing_ref, contact_ref, contact.get("raw")))

    # -- classifications --------------------------------------------------------

    def save_classifications(self, rows: Iterable[tuple[int, dict]], *, model_version: str,
                             at: str | None = None) -> int:
        """Store classifier results ``(listing_ref, result)`` for one model version."""
        at = at or utcnow()
        values = []
        for listing_ref, res in rows:
            (content_hash,) = self.conn.execute(
                "SELECT content_hash FROM listings WHERE id = ?", (listing_ref,)).fetchone()
            values.append((listing_ref, model_version, content_hash, float(res["score"]),
                           int(res["label"]), res.get("category"),
                           json.dumps(res.get("reasons", []), ensure_ascii=False), at))
        with self.db.atomic():
            self.conn.executemany(
                "INSERT OR REPLACE INTO classifications (listing_ref, model_version, content_hash,"
                " score, label, category, reasons, classified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                values)
        return len(values)


_INSERT_LISTING = (
    "INSERT INTO listings (platform, listing_id, url, title, description, price_cents, currency,"
    " price_text, seller_ref, seller_name, location, posted_at, image_urls, first_seen_at,"
    " last_seen_at, status, content_hash, source) VALUES"
    " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?)")
_INSERT_VERSION = (
    "INSERT INTO listing_versions (listing_ref, valid_from, valid_to, title, description,"
    " price_cents, price_text, content_hash, changed_fields) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
_UPDATE_LISTING = (
    "UPDATE listings SET url = coalesce(?, url), title = ?, description = ?, price_cents = ?,"
    " currency = coalesce(?, currency), price_text = ?, seller_ref = coalesce(?, seller_ref),"
    " seller_name = coalesce(?, seller_name), location = coalesce(?, location),"
    " posted_at = coalesce(?, posted_at), image_urls = coalesce(?, image_urls), last_seen_at = ?,"
    " status = 'active', removed_at = NULL, content_hash = ? WHERE id = ?")


def _listing_row(rec: ListingRecord, seller_ref, seen_at: str, source) -> tuple:
    return (rec.platform, rec.listing_id, rec.url, rec.title, rec.description, rec.price_cents,
            rec.currency, rec.price_text, seller_ref, rec.seller_name, rec.location, rec.posted_at,
            json.dumps(rec.image_urls) if rec.image_urls else None, seen_at, seen_at,
            rec.content_hash, source)


def _version_row(row: dict, rec: ListingRecord, seen_at: str) -> tuple:
    changed = [name for name, old, new in (
        ("title", row["title"], rec.title),
        ("description", row["description"], rec.description),
        ("price", (row["price_cents"], row["price_text"]), (rec.price_cents, rec.price_text)),
    ) if old != new]
    valid_from = row["changed_at"] or row["first_seen_at"]
    return (row["id"], valid_from, seen_at, row["title"], row["description"], row["price_cents"],
            row["price_text"], row["content_hash"], ",".join(changed))


def _update_row(rec: ListingRecord, seller_ref, seen_at: str, row_id: int) -> tuple:
    return (rec.url, rec.title, rec.description, rec.price_cents, rec.currency, rec.price_text,
            seller_ref, rec.seller_name, rec.location, rec.posted_at,
            json.dumps(rec.image_urls) if rec.image_urls else None, seen_at, rec.content_hash, row_id)


def _last_wins(records: Iterable[ListingRecord]) -> Iterable[ListingRecord]:
    """Collapse repeats of one listing inside a batch to its last occurrence."""
    latest: dict[tuple[str, str], ListingRecord] = {}
    for rec in records:
        key = (rec.platform, rec.listing_id)
        latest.pop(key, None)
        latest[key] = rec
    return latest.values()


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _db_sidecar(db: sqlite_utils.Database, name: str) -> Path:
    row = db.execute("PRAGMA database_list").fetchone()
    path = row[2] if row else ""
    base = Path(path).parent if path else Path("var")
    return base / name
