"""Schema of exports: reports with their listings and takedown status, checks, relistings.

Append new migrations at the end, never edit an applied one.
"""

from __future__ import annotations

import secrets

from sqlite_utils import Migrations

migrations = Migrations("facetrade-export")


@migrations()
def m001_reports(db):
    """Reports, per-listing takedown status, the history of rechecks, relisting links."""
    db.executescript(
        """
        CREATE TABLE export_state (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );

        -- One report = one submission to one platform (or to police): the listings it
        -- names never change once it is sent; its status follows the platform's answer.
        CREATE TABLE reports (
            id INTEGER PRIMARY KEY,
            platform TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'drafted'
                CHECK (status IN ('drafted', 'sent', 'acknowledged', 'closed')),
            created_by INTEGER REFERENCES review_users(id),
            created_by_name TEXT NOT NULL,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            acknowledged_at TEXT,
            closed_at TEXT,
            filters TEXT,
            note TEXT
        );
        CREATE INDEX idx_reports_platform ON reports(platform, created_at);

        -- takedown_status: pending (never rechecked), live, removed, unreachable.
        -- removed_at is the first recheck that found the listing gone.
        CREATE TABLE report_listings (
            report_ref INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
            listing_ref INTEGER NOT NULL REFERENCES listings(id),
            decision_ref INTEGER,
            added_at TEXT NOT NULL,
            takedown_status TEXT NOT NULL DEFAULT 'pending'
                CHECK (takedown_status IN ('pending', 'live', 'removed', 'unreachable')),
            last_checked_at TEXT,
            last_live_at TEXT,
            removed_at TEXT,
            checks INTEGER NOT NULL DEFAULT 0,
            check_detail TEXT,
            PRIMARY KEY (report_ref, listing_ref)
        ) WITHOUT ROWID;
        CREATE INDEX idx_report_listings_listing ON report_listings(listing_ref);

        CREATE TABLE takedown_checks (
            id INTEGER PRIMARY KEY,
            listing_ref INTEGER NOT NULL REFERENCES listings(id),
            checked_at TEXT NOT NULL,
            outcome TEXT NOT NULL CHECK (outcome IN ('live', 'removed', 'unreachable')),
            http_status INTEGER,
            url TEXT,
            detail TEXT
        );
        CREATE INDEX idx_takedown_checks_listing ON takedown_checks(listing_ref, id);

        -- A reported listing that came back under a new id: same normalised text or a
        -- shared contact.
        CREATE TABLE relistings (
            old_ref INTEGER NOT NULL REFERENCES listings(id),
            new_ref INTEGER NOT NULL REFERENCES listings(id),
            match TEXT NOT NULL CHECK (match IN ('text', 'contact')),
            found_at TEXT NOT NULL,
            PRIMARY KEY (old_ref, new_ref)
        ) WITHOUT ROWID;
        CREATE INDEX idx_relistings_new ON relistings(new_ref);
        """
    )
    # Pseudonyms of reviewers in exports are HMACs under this per-database key, so they
    # are stable within one deployment but cannot be matched to names elsewhere.
    db.execute("INSERT INTO export_state (key, value) VALUES ('pseudonym_key', ?)", [secrets.token_hex(32)])
