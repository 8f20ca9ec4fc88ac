"""Train the model deterministically from data/labelled and save it as one artifact."""

from __future__ import annotations

import hashlib
import logging
import os
import time
from pathlib import Path

import joblib
import numpy as np
import sklearn
from sklearn.pipeline import Pipeline

from classifier import DEFAULT_THRESHOLD
from classifier.dataset import data_hash, load_labelled, split, target
from classifier.features import ListingFeatures
from classifier.model import ListingModel
from classifier.rules import rule_files

logger = logging.getLogger(__name__)

MODEL_NAME = "facetrade-clf"
FORMAT = 1
DEFAULT_MODEL_PATH = Path(__file__).resolve().parents[1] / "var" / "model" / "classifier.joblib"
ENV_MODEL = "FACETRADE_MODEL"


def default_model_path() -> Path:
    """Return the model path from ``FACETRADE_MODEL`` or ``var/model/classifier.joblib``."""
    return Path(os.environ.get(ENV_MODEL) or DEFAULT_MODEL_PATH)


def build_pipeline(rules_path=None) -> Pipeline:
    """Return the untrained pipeline: features → calibrated linear model."""
    return Pipeline([("features", ListingFeatures(rules_path=rules_path)), ("model", ListingModel())])


def code_hash() -> str:
    """Hash the classifier's own code: a normaliser change re-scores stored listings too."""
    digest = hashlib.sha256()
    for file in sorted(Path(__file__).resolve().parent.glob("*.py")):
        digest.update(file.name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def rules_hash(rules_path=None) -> str:
    """Hash the rule files, so a rule edit makes a new model version."""
    digest = hashlib.sha256()
    for file in rule_files(rules_path):
        digest.update(file.name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def train(data_path=None, rules_path=None, out_path=None) -> dict:
    """Train on the training split and save the artifact; return its metadata.

    Parameters
    ----------
    data_path : path-like, optional
        Labelled JSONL file or folder (default ``data/labelled``).
    rules_path : path-like, optional
        Rules file or folder (default ``rules/``).
    out_path : path-like, optional
        Where to write the artifact (default :func:`default_model_path`).

    Returns
    -------
    dict
        The artifact's metadata (version, hashes, counts, holdout metrics).
    """
    from classifier.evaluate import evaluate_rows  # late: evaluate imports the api

    started = time.perf_counter()
    rows = load_labelled(data_path)
    train_rows, holdout = split(rows)
    labels = [target(r) for r in train_rows]
    if len(set(labels)) < 3 or "none" not in labels:
        raise ValueError("training needs offers of several categories and benign listings")
    pipeline = build_pipeline(rules_path)
    pipeline.fit(train_rows, np.array(labels, dtype=object))
    dhash, rhash = data_hash(train_rows), rules_hash(rules_path)
    params = repr(sorted((k, repr(v)) for k, v in pipeline.get_params(deep=True).items() if "__" in k))
    key = dhash + rhash + params + str(FORMAT) + code_hash()
    version = f"{MODEL_NAME}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"
    meta = {"name": MODEL_NAME, "version": version, "format": FORMAT, "data_hash": dhash,
            "rules_hash": rhash, "sklearn": sklearn.__version__, "threshold": DEFAULT_THRESHOLD,
            "n_train": len(train_rows), "n_holdout": len(holdout),
            "n_features": int(pipeline.named_steps["features"].n_features_)}
    artifact = {"pipeline": pipeline, "meta": meta}
    if holdout:
        meta["metrics"] = evaluate_rows(artifact, holdout)["overall"]
    meta["train_seconds"] = round(time.perf_counter() - started, 1)
    out = Path(out_path or default_model_path())
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    joblib.dump(artifact, tmp, compress=3)
    tmp.replace(out)
    logger.info("trained %s on %d listings in %.1fs", version, len(train_rows), meta["train_seconds"])
    return meta
