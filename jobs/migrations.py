"""Tables the jobs area owns: which alerts were already delivered, per channel."""

from __future__ import annotations

from sqlite_utils import Migrations

migrations = Migrations("facetrade-jobs")


@migrations()
def m001_alerts_sent(db):
    """One row per alert key (a finding, or a run's block/failure) and channel it reached."""
    db.executescript(
        """
        CREATE TABLE job_alerts (
            key TEXT NOT NULL,          -- finding:PLATFORM:ID, run:N:blocked, run:N:failed
            channel TEXT NOT NULL,      -- the webhook's name, or 'email'
            kind TEXT NOT NULL,         -- finding / blocked / failed
            job TEXT,
            run_ref INTEGER REFERENCES crawl_runs(id),
            sent_at TEXT NOT NULL,
            PRIMARY KEY (key, channel)
        ) WITHOUT ROWID;
        CREATE INDEX idx_job_alerts_run ON job_alerts(run_ref);
        """
    )
