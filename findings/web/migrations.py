"""Schema of the review app: users, the review queue with claims, decisions and the audit log.

Append new migrations at the end, never edit an applied one.
"""

from __future__ import annotations

from sqlite_utils import Migrations

migrations = Migrations("facetrade-review")


@migrations()
def m001_review(db):
    """Users, queue items with leases, decisions for learning and reports, append-only audit."""
    db.executescript(
        """
        CREATE TABLE review_users (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('analyst', 'lead', 'admin')),
            disabled INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            last_login_at TEXT
        );

        -- One row per flagged listing: the queue. Denormalised (platform, category,
        -- score) so the queue page is one index range scan, whatever the listings count.
        -- base_priority = score x severity + network bonus - age weight x first-seen day,
        -- so ordering by it equals ordering by a priority that grows with age.
        CREATE TABLE review_items (
            listing_ref INTEGER PRIMARY KEY REFERENCES listings(id) ON DELETE CASCADE,
            classification_ref INTEGER,
            platform TEXT NOT NULL,
            category TEXT,
            score REAL NOT NULL,
            seller_ref INTEGER,
            network_size INTEGER NOT NULL DEFAULT 0,
            title_key TEXT,
            base_priority REAL NOT NULL,
            first_seen_at TEXT NOT NULL,
            queued_at TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'escalated', 'confirmed', 'rejected')),
            claimed_by INTEGER REFERENCES review_users(id),
            claim_expires_at TEXT,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX idx_review_items_queue ON review_items(status, base_priority);
        CREATE INDEX idx_review_items_age ON review_items(status, score, first_seen_at);
        CREATE INDEX idx_review_items_platform ON review_items(platform);
        CREATE INDEX idx_review_items_title ON review_items(title_key);
        CREATE INDEX idx_review_items_seller ON review_items(seller_ref);

        -- Every analyst or lead decision. label: 1 violation, 0 not a violation,
        -- NULL escalation. The verdict of a listing is its latest decision that is not
        -- undone and has a label (see the review_verdicts view).
        CREATE TABLE review_decisions (
            id INTEGER PRIMARY KEY,
            listing_ref INTEGER NOT NULL REFERENCES listings(id) ON DELETE CASCADE,
            user_ref INTEGER NOT NULL REFERENCES review_users(id),
            role TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('violation', 'not_violation', 'escalate')),
            label INTEGER CHECK (label IN (0, 1)),
            category TEXT,
            reason_code TEXT NOT NULL,
            note TEXT,
            batch_id TEXT,
            classification_ref INTEGER,
            score REAL,
            decided_at TEXT NOT NULL,
            undone_at TEXT,
            undone_by INTEGER REFERENCES review_users(id)
        );
        CREATE INDEX idx_review_decisions_listing ON review_decisions(listing_ref, id);
        CREATE INDEX idx_review_decisions_batch ON review_decisions(batch_id);
        CREATE INDEX idx_review_decisions_time ON review_decisions(decided_at);

        CREATE VIEW review_verdicts AS
        SELECT d.listing_ref, d.id AS decision_ref, d.label, d.category, d.reason_code,
               d.user_ref, d.role, d.action, d.decided_at,
               (d.role IN ('lead', 'admin')) AS by_lead
        FROM review_decisions d
        WHERE d.id = (SELECT max(x.id) FROM review_decisions x
                      WHERE x.listing_ref = d.listing_ref AND x.undone_at IS NULL
                        AND x.label IS NOT NULL);

        -- Items an analyst skipped are not served to them again.
        CREATE TABLE review_skips (
            listing_ref INTEGER NOT NULL REFERENCES listings(id) ON DELETE CASCADE,
            user_ref INTEGER NOT NULL REFERENCES review_users(id),
            skipped_at TEXT NOT NULL,
            PRIMARY KEY (listing_ref, user_ref)
        ) WITHOUT ROWID;

        CREATE TABLE review_state (
            key TEXT PRIMARY KEY,
            value TEXT
        );

        CREATE TABLE review_audit (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            user_ref INTEGER,
            user_name TEXT,
            action TEXT NOT NULL,
            target_kind TEXT,
            target_id TEXT,
            before TEXT,
            after TEXT,
            detail TEXT,
            remote_addr TEXT
        );
        CREATE INDEX idx_review_audit_target ON review_audit(target_kind, target_id);
        CREATE INDEX idx_review_audit_user ON review_audit(user_ref, id);

        -- The audit trail is evidence: nobody, not even the app, may change or delete it.
        CREATE TRIGGER review_audit_no_update BEFORE UPDATE ON review_audit
        BEGIN SELECT RAISE(ABORT, 'review_audit is append-only'); END;
        CREATE TRIGGER review_audit_no_delete BEFORE DELETE ON review_audit
        BEGIN SELECT RAISE(ABORT, 'review_audit is append-only'); END;
        """
    )


@migrations()
def m002_priority_index(db):
    """Serve the "all statuses" queue view in priority order without sorting every item."""
    db.execute("CREATE INDEX IF NOT EXISTS idx_review_items_priority ON review_items(base_priority)")


@migrations()
def m003_uncertain_index(db):
    """Serve the "uncertain first" queue mode by walking scores outwards from 0.5, not sorting them all."""
    db.execute("CREATE INDEX IF NOT EXISTS idx_classifications_score ON classifications(score, listing_ref)")
