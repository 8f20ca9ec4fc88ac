"""Versioned schema migrations for the findings database.

Append new migrations at the end, never edit an applied one: every deployed database
replays exactly this list. Each area of the product owns the migrations for its tables.
"""

from __future__ import annotations

from sqlite_utils import Migrations

migrations = Migrations("facetrade")


@migrations()
def m001_core(db):
    """Listings, their history, sellers, contacts, evidence, classifications, crawl runs."""
    db.executescript(
        """
        CREATE TABLE sellers (
            id INTEGER PRIMARY KEY,
            platform TEXT NOT NULL,
            seller_id TEXT NOT NULL,
            name TEXT,
            url TEXT,
            first_seen_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            UNIQUE (platform, seller_id)
        );

        -- AUTOINCREMENT: ids never come back after a delete, which the full-text
        -- index's watermark (fulltext_state) relies on.
        CREATE TABLE listings (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            platform TEXT NOT NULL,
            listing_id TEXT NOT NULL,
            url TEXT,
            title TEXT NOT NULL,
            description TEXT,
            price_cents INTEGER,
            currency TEXT,
            price_text TEXT,
            seller_ref INTEGER REFERENCES sellers(id),
            seller_name TEXT,
            location TEXT,
            posted_at TEXT,
            image_urls TEXT,
            first_seen_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'active'
                CHECK (status IN ('active', 'removed', 'unknown')),
            removed_at TEXT,
            content_hash TEXT NOT NULL,
            source TEXT,
            UNIQUE (platform, listing_id)
        );
        CREATE INDEX idx_listings_seller ON listings(seller_ref);
        CREATE INDEX idx_listings_last_seen ON listings(platform, last_seen_at);

        -- One row per superseded state: what the listing said from valid_from until
        -- valid_to, when a crawl or ingest saw it change. The listings row holds the
        -- current state, so listing + versions is the complete history.
        CREATE TABLE listing_versions (
            id INTEGER PRIMARY KEY,
            listing_ref INTEGER NOT NULL REFERENCES listings(id) ON DELETE CASCADE,
            valid_from TEXT NOT NULL,
            valid_to TEXT NOT NULL,
            title TEXT,
            description TEXT,
            price_cents INTEGER,
            price_text TEXT,
            content_hash TEXT NOT NULL,
            changed_fields TEXT NOT NULL
        );
        CREATE INDEX idx_versions_listing ON listing_versions(listing_ref);

        CREATE TABLE contacts (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL
                CHECK (kind IN ('wechat', 'qq', 'phone', 'telegram', 'email', 'netdisk', 'url')),
            value TEXT NOT NULL,
            first_seen_at TEXT NOT NULL,
            UNIQUE (kind, value)
        );

        CREATE TABLE listing_contacts (
            listing_ref INTEGER NOT NULL REFERENCES listings(id) ON DELETE CASCADE,
            contact_ref INTEGER NOT NULL REFERENCES contacts(id),
            raw TEXT,
            PRIMARY KEY (listing_ref, contact_ref)
        ) WITHOUT ROWID;
        CREATE INDEX idx_listing_contacts_contact ON listing_contacts(contact_ref);

        -- Evidence bytes are stored zlib-compressed in the row (small pages) or as a
        -- content-addressed file under the evidence directory (large bodies); the
        -- SHA-256 is always of the original, uncompressed bytes.
        CREATE TABLE evidence (
            id INTEGER PRIMARY KEY,
            listing_ref INTEGER REFERENCES listings(id) ON DELETE SET NULL,
            run_ref INTEGER REFERENCES crawl_runs(id),
            kind TEXT NOT NULL DEFAULT 'response',
            url TEXT NOT NULL,
            captured_at TEXT NOT NULL,
            http_status INTEGER,
            content_type TEXT,
            sha256 TEXT NOT NULL,
            size INTEGER NOT NULL,
            body BLOB,
            compression TEXT,
            file_path TEXT,
            warc_path TEXT,
            warc_record_id TEXT
        );
        CREATE INDEX idx_evidence_listing ON evidence(listing_ref);
        CREATE INDEX idx_evidence_sha ON evidence(sha256);

        CREATE TABLE classifications (
            id INTEGER PRIMARY KEY,
            listing_ref INTEGER NOT NULL REFERENCES listings(id) ON DELETE CASCADE,
            model_version TEXT NOT NULL,
            content_hash TEXT,
            score REAL NOT NULL,
            label INTEGER NOT NULL CHECK (label IN (0, 1)),
            category TEXT,
            reasons TEXT,
            classified_at TEXT NOT NULL,
            UNIQUE (listing_ref, model_version, content_hash)
        );
        CREATE INDEX idx_classifications_label ON classifications(label, score);

        CREATE TABLE crawl_runs (
            id INTEGER PRIMARY KEY,
            job TEXT,
            site TEXT NOT NULL,
            query TEXT,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            pages INTEGER NOT NULL DEFAULT 0,
            listings_seen INTEGER NOT NULL DEFAULT 0,
            listings_new INTEGER NOT NULL DEFAULT 0,
            listings_changed INTEGER NOT NULL DEFAULT 0,
            listings_flagged INTEGER NOT NULL DEFAULT 0,
            listings_removed INTEGER NOT NULL DEFAULT 0,
            errors INTEGER NOT NULL DEFAULT 0,
            blocked_reason TEXT,
            status TEXT NOT NULL DEFAULT 'running'
                CHECK (status IN ('running', 'ok', 'blocked', 'failed', 'interrupted')),
            stats TEXT
        );
        """
    )


@migrations()
def m002_fulltext(db):
    """Full-text search over titles and descriptions that works for Chinese.

    The trigram tokenizer indexes every 3-character window, so it needs no word
    segmentation; queries shorter than 3 characters fall back to LIKE (see search.py).
    New rows are indexed in bulk (``INSERT ... SELECT`` of every row above a watermark),
    several times cheaper than a per-row insert trigger; edits and deletes keep the index
    in step through the triggers below, which fire only when the indexed text changes.
    """
    db.executescript(
        """
        CREATE TABLE fulltext_state (last_rowid INTEGER NOT NULL);
        INSERT INTO fulltext_state VALUES (0);
        CREATE VIRTUAL TABLE listings_fts USING fts5(
            title, description, content='listings', content_rowid='id', tokenize='trigram'
        );
        CREATE TRIGGER listings_fts_au AFTER UPDATE OF title, description ON listings BEGIN
            INSERT INTO listings_fts(listings_fts, rowid, title, description)
                VALUES ('delete', old.id, old.title, old.description);
            INSERT INTO listings_fts(rowid, title, description) VALUES (new.id, new.title, new.description);
        END;
        CREATE TRIGGER listings_fts_ad AFTER DELETE ON listings BEGIN
            INSERT INTO listings_fts(listings_fts, rowid, title, description)
                VALUES ('delete', old.id, old.title, old.description);
        END;
        """
    )
