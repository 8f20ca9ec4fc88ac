"""Read labelled listings (data/labelled/*.jsonl) and split them deterministically."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from classifier.rules import CATEGORIES

logger = logging.getLogger(__name__)

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "labelled"
HOLDOUT_BUCKETS = 5  # one bucket in five (by id hash) is held out for evaluation


class DataError(ValueError):
    """Labelled data that cannot be used; the message names the file and line."""


def data_files(path=None) -> list[Path]:
    """Return the labelled files at ``path`` (a file or a folder of ``*.jsonl``)."""
    path = Path(path or DEFAULT_DATA_DIR)
    if path.is_dir():
        return sorted(path.glob("*.jsonl"))
    if not path.exists():
        raise DataError(f"{path}: no such labelled data file or folder")
    return [path]


def _check(row, where: str) -> dict:
    if not isinstance(row, dict) or not str(row.get("id") or "").strip():
        raise DataError(f"{where}: needs an object with an 'id'")
    if not isinstance(row.get("title"), str) or row.get("label") not in (0, 1):
        raise DataError(f"{where}: needs a string 'title' and 'label' 0 or 1")
    if row["label"] == 1 and row.get("category") not in CATEGORIES:
        raise DataError(f"{where}: label 1 needs a category in {', '.join(CATEGORIES)}")
    return row


def load_labelled(path=None) -> list[dict]:
    """Load labelled listings; bad lines are logged with file and line and skipped."""
    rows, seen = [], set()
    for file in data_files(path):
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{file.name}:{number}"
            try:
                row = _check(json.loads(line), where)
            except (json.JSONDecodeError, DataError) as exc:
                logger.warning("skipping %s: %s", where, exc)
                continue
            if row["id"] in seen:
                logger.warning("skipping %s: duplicate id %s", where, row["id"])
                continue
            seen.add(row["id"])
            rows.append(row)
    return rows


def target(row: dict) -> str:
    """Return the training target: the category of an offer, or ``"none"``."""
    return row["category"] if row["label"] == 1 else "none"


def is_holdout(row_id: str) -> bool:
    """Is this listing in the evaluation split? Decided by a hash of its id only."""
    digest = hashlib.sha256(str(row_id).encode("utf-8")).digest()
    return digest[0] % HOLDOUT_BUCKETS == 0


def split(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """Return ``(train, holdout)``."""
    train = [r for r in rows if not is_holdout(r["id"])]
    holdout = [r for r in rows if is_holdout(r["id"])]
    return train, holdout


def data_hash(rows: list[dict]) -> str:
    """Return a hash of the labelled rows (order-independent)."""
    lines = sorted(json.dumps(r, ensure_ascii=False, sort_keys=True) for r in rows)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
