"""Tables of listing-image evidence: what became of each flagged listing's picture URLs."""

from __future__ import annotations

from sqlite_utils import Migrations

migrations = Migrations("facetrade-images")


@migrations()
def m001_listing_images(db):
    """One row per listing picture URL the crawler fetched: stored as evidence, or refused."""
    db.executescript(
        """
        -- Keyed by the URL the listing shows (not where a redirect ended), so a re-crawl
        -- knows what it already has. Refused pictures (too large, not an image, a
        -- decompression bomb) are kept here too: fetching them again would only repeat
        -- the refusal. Failures that may pass (timeouts, 404) leave no row.
        CREATE TABLE listing_images (
            listing_ref INTEGER NOT NULL REFERENCES listings(id) ON DELETE CASCADE,
            url TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('stored', 'refused')),
            reason TEXT,
            evidence_ref INTEGER REFERENCES evidence(id) ON DELETE SET NULL,
            checked_at TEXT NOT NULL,
            PRIMARY KEY (listing_ref, url)
        ) WITHOUT ROWID;
        """
    )
