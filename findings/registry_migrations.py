"""Schema of the model registry: every trained model, its figures, the gate's verdict and who promoted it.

Append new migrations at the end, never edit an applied one.
"""

from __future__ import annotations

from sqlite_utils import Migrations

migrations = Migrations("facetrade-models")


@migrations()
def m001_model_registry(db):
    """One row per model version; exactly one row is active (the model load_classifier serves)."""
    db.executescript(
        """
        -- status: promoted (served now or earlier), refused (the gate said no),
        -- rolled_back (a lead stepped back from it). metrics and gate are JSON.
        CREATE TABLE model_registry (
            version TEXT PRIMARY KEY,
            artifact_path TEXT NOT NULL,
            data_hash TEXT,
            rules_hash TEXT,
            n_train INTEGER,
            n_decisions INTEGER NOT NULL DEFAULT 0,
            metrics TEXT,
            gate TEXT,
            status TEXT NOT NULL CHECK (status IN ('promoted', 'refused', 'rolled_back')),
            reason TEXT,
            previous_version TEXT,
            created_at TEXT NOT NULL,
            promoted_at TEXT,
            promoted_by TEXT,
            active INTEGER NOT NULL DEFAULT 0
        );
        CREATE UNIQUE INDEX idx_model_registry_active ON model_registry(active) WHERE active = 1;
        CREATE INDEX idx_model_registry_created ON model_registry(created_at);
        """
    )
