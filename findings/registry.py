"""The model registry: record trained models, and switch the active one (promote, rollback) with an audit row.

The active model is a plain file: the artifact at ``classifier.train.default_model_path()``
(``$FACETRADE_MODEL`` or ``var/model/classifier.joblib``) that ``load_classifier`` reads.
Promoting copies ``registry/<version>.joblib`` (beside it) over that file atomically (a
temporary copy, then ``os.replace``), so readers see the old or the new model, never half.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

from findings.records import utcnow
from findings.web import auditlog
from findings.web.txn import immediate

logger = logging.getLogger(__name__)

COLUMNS = ("version", "artifact_path", "data_hash", "rules_hash", "n_train", "n_decisions", "metrics", "gate",
           "status", "reason", "previous_version", "created_at", "promoted_at", "promoted_by", "active")


class RegistryError(ValueError):
    """A registry action that cannot happen; the message says why."""


def registry_dir(active_path) -> Path:
    """Where versioned artifacts live: ``registry/`` beside the active model file."""
    return Path(active_path).resolve().parent / "registry"


def _row(cursor, values) -> dict:
    row = dict(zip([c[0] for c in cursor.description], values))
    for key in ("metrics", "gate"):
        row[key] = json.loads(row[key]) if row.get(key) else {}
    return row


def list_models(conn) -> list[dict]:
    """Every registered model, newest first."""
    cursor = conn.execute("SELECT * FROM model_registry ORDER BY created_at DESC, rowid DESC")
    return [_row(cursor, values) for values in cursor.fetchall()]


def get_model(conn, version: str) -> dict | None:
    cursor = conn.execute("SELECT * FROM model_registry WHERE version = ?", (version,))
    values = cursor.fetchone()
    return _row(cursor, values) if values else None


def active_model(conn) -> dict | None:
    """The registry row of the model being served, if the registry knows it."""
    cursor = conn.execute("SELECT * FROM model_registry WHERE active = 1")
    values = cursor.fetchone()
    return _row(cursor, values) if values else None


def register(conn, entry: dict) -> None:
    """Insert (or refresh) one model row; ``metrics`` and ``gate`` may be dicts."""
    row = {key: entry.get(key) for key in COLUMNS}
    row["metrics"] = json.dumps(entry.get("metrics") or {}, ensure_ascii=False, sort_keys=True)
    row["gate"] = json.dumps(entry.get("gate") or {}, ensure_ascii=False, sort_keys=True)
    row["created_at"] = row["created_at"] or utcnow()
    row["active"] = 0
    row["n_decisions"] = row["n_decisions"] or 0
    with immediate(conn):
        conn.execute(f"INSERT INTO model_registry ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
                     " ON CONFLICT (version) DO UPDATE SET metrics = excluded.metrics, gate = excluded.gate,"
                     " reason = excluded.reason, n_decisions = excluded.n_decisions,"
                     " status = CASE WHEN model_registry.status = 'refused' THEN excluded.status"
                     "   ELSE model_registry.status END",
                     [row[key] for key in COLUMNS])


def install(artifact_path, active_path) -> None:
    """Copy an artifact over the active model file atomically and drop cached classifiers."""
    active_path = Path(active_path)
    active_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = active_path.with_name(f".{active_path.name}.{os.getpid()}.tmp")
    shutil.copyfile(artifact_path, tmp)
    os.replace(tmp, active_path)
    try:
        from classifier.api import _cached
        _cached.cache_clear()  # this process must serve the new model too
    except ImportError:  # pragma: no cover - the classifier package is always installed
        pass


def activate(conn, version: str, user: dict, active_path, *, action: str = "model_promote",
             reason: str | None = None) -> dict:
    """Make ``version`` the served model: copy its artifact, flip the active flag, audit.

    The file is replaced inside the database transaction, so a failed copy leaves the
    registry unchanged.
    """
    model = get_model(conn, version)
    if model is None:
        raise RegistryError(f"no model {version!r} in the registry; see `facetrade model list`")
    if not Path(model["artifact_path"]).exists():
        raise RegistryError(f"the artifact of {version} is missing ({model['artifact_path']})")
    now = utcnow()
    with immediate(conn):
        before = conn.execute("SELECT version FROM model_registry WHERE active = 1").fetchone()
        conn.execute("UPDATE model_registry SET active = 0 WHERE active = 1")
        conn.execute("UPDATE model_registry SET active = 1, status = 'promoted', promoted_at = ?, promoted_by = ?"
                     " WHERE version = ?", (now, user["name"], version))
        auditlog.record(conn, user, action, target_kind="model", target_id=version,
                        before={"active": before[0] if before else None},
                        after={"active": version}, detail=reason, at=now)
        install(model["artifact_path"], active_path)
    logger.info("%s: %s is now the active model", action, version)
    return get_model(conn, version)


def rollback(conn, user: dict, active_path) -> tuple[str, str]:
    """Step back from the active model to the previously promoted one; returns ``(from, to)``."""
    current = active_model(conn)
    if current is None:
        raise RegistryError("no active model in the registry to roll back from")
    previous = conn.execute(
        "SELECT version FROM model_registry WHERE status = 'promoted' AND active = 0 AND version != ?"
        " ORDER BY promoted_at DESC LIMIT 1", (current["version"],)).fetchone()
    if previous is None:
        raise RegistryError(f"{current['version']} is the only promoted model: nothing to roll back to")
    activate(conn, previous[0], user, active_path, action="model_rollback",
             reason=f"rolled back from {current['version']}")
    with immediate(conn):
        conn.execute("UPDATE model_registry SET status = 'rolled_back' WHERE version = ?", (current["version"],))
    return current["version"], previous[0]


def retrain_history(conn, limit: int = 30) -> list[dict]:
    """Retrains for the stats page, oldest first: figures, gain vs the model then active, verdict."""
    rows = []
    for model in reversed(list_models(conn)[:limit]):
        gate = model["gate"]
        cand, curr = gate.get("candidate") or {}, gate.get("current") or {}
        frozen = (cand.get("frozen") or model["metrics"].get("frozen") or {}).get("f1")
        recent = (cand.get("recent") or {}).get("f1")
        base_frozen = (curr.get("frozen") or {}).get("f1")
        rows.append({"version": model["version"], "created_at": model["created_at"], "status": model["status"],
                     "active": bool(model["active"]), "reason": model["reason"] or "",
                     "n_decisions": model["n_decisions"], "frozen_f1": frozen, "recent_f1": recent,
                     "recent_agreement": (cand.get("recent") or {}).get("agreement"),
                     "gain_frozen": None if frozen is None or base_frozen is None else frozen - base_frozen,
                     "gain_recent": _gain(cand, curr, "agreement"),
                     "previous": model["previous_version"]})
    return rows


def _gain(cand: dict, curr: dict, key: str):
    a, b = (cand.get("recent") or {}).get(key), (curr.get("recent") or {}).get(key)
    return None if a is None or b is None else a - b


def _current(active_path):
    from classifier.api import ModelError, load_artifact
    try:
        return load_artifact(active_path)
    except ModelError:
        return None


def adopt_current(conn, artifact: dict, active_path, figures: dict) -> str:
    """Make sure the served model is in the registry and marked active (e.g. after `facetrade train`)."""
    meta = artifact["meta"]
    version = meta["version"]
    if get_model(conn, version) is None:
        keep = registry_dir(active_path) / f"{version}.joblib"
        keep.parent.mkdir(parents=True, exist_ok=True)
        if not keep.exists():
            shutil.copyfile(active_path, keep)
        register(conn, {"version": version, "artifact_path": str(keep), "data_hash": meta.get("data_hash"),
                        "rules_hash": meta.get("rules_hash"), "n_train": meta.get("n_train"),
                        "metrics": figures, "status": "promoted", "reason": "served before the registry knew it",
                        "promoted_by": "facetrade train"})
    with immediate(conn):
        conn.execute("UPDATE model_registry SET active = (version = ?)", (version,))
        conn.execute("UPDATE model_registry SET promoted_at = coalesce(promoted_at, created_at)"
                     " WHERE version = ?", (version,))
    return version


def retrain(conn, *, data_path=None, rules_path=None, active_path=None) -> dict:
    """Train on seed + verdicts, gate against the served model, record it, promote if it passes."""
    from classifier import learning
    from classifier.train import default_model_path

    active_path = Path(active_path or default_model_path())
    run = learning.train_candidate(conn, data_path=data_path, rules_path=rules_path,
                                   out_dir=registry_dir(active_path))
    meta = run["meta"]
    current = _current(active_path)
    cand_fig = learning.measure(_artifact(run["artifact_path"]), run["frozen"], run["recent"])
    curr_fig = learning.measure(current, run["frozen"], run["recent"]) if current else None
    previous = adopt_current(conn, current, active_path, curr_fig) if current else None
    verdict = learning.gate(cand_fig, curr_fig)
    verdict["confident_flips"] = learning.confident_flips(current, run["train_decisions"])
    verdict["n_recent"] = len(run["recent"])
    unchanged = previous == meta["version"]
    register(conn, {"version": meta["version"], "artifact_path": str(run["artifact_path"]),
                    "data_hash": meta["data_hash"], "rules_hash": meta["rules_hash"], "n_train": meta["n_train"],
                    "n_decisions": run["n_decisions"], "metrics": cand_fig, "gate": verdict,
                    "status": "promoted" if verdict["passed"] else "refused",
                    "reason": verdict["reason"], "previous_version": previous})
    if verdict["passed"] and not unchanged:
        from classifier.learning import GATE_USER
        activate(conn, meta["version"], GATE_USER, active_path, reason=verdict["reason"])
    return {"version": meta["version"], "meta": meta, "gate": verdict, "previous": previous,
            "promoted": verdict["passed"] and not unchanged, "unchanged": unchanged,
            "n_decisions": run["n_decisions"], "n_recent": len(run["recent"])}


def _artifact(path) -> dict:
    from classifier.api import load_artifact
    return load_artifact(path)
