"""The classifier as other parts of facetrade use it: load once, classify batches, explain."""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import warnings
from pathlib import Path

import joblib
import numpy as np

from classifier.explain import feature_reasons, rule_reasons
from classifier.train import FORMAT, default_model_path

logger = logging.getLogger(__name__)


class ModelError(OSError):
    """The model artifact is missing or unusable; the message says what to run.

    An ``OSError`` so callers that treat "no model file" as "store unclassified" keep working.
    """


class Classifier:
    """A trained model: ``classify(records)`` returns one result dict per record, in order."""

    def __init__(self, artifact: dict):
        self.pipeline = artifact["pipeline"]
        self.meta = artifact["meta"]
        self.version: str = self.meta["version"]
        self.threshold: float = float(self.meta.get("threshold", 0.5))
        self.features = self.pipeline.named_steps["features"]
        self.model = self.pipeline.named_steps["model"]
        self.feature_names = self.features.get_feature_names_out()
        self.coef = np.asarray(self.model.coef_, dtype=float)

    def classify(self, records: list[dict]) -> list[dict]:
        """Score listings.

        Parameters
        ----------
        records : list of dict
            Each with ``id`` and ``title``; optional ``description``, ``price``,
            ``platform``, ``seller``, ``location``.

        Returns
        -------
        list of dict
            ``{"id", "score", "label", "category", "reasons", "contacts"}`` per record.
        """
        if not records:
            return []
        with _gc_paused():
            return self._classify([_clean(r) for r in records])

    def _classify(self, records: list[dict]) -> list[dict]:
        analysis = self.features.analyse(records)
        scores = self.model.predict_proba(analysis.matrix)[:, 1]
        categories = self.model.predict_category(analysis.matrix)
        top = feature_reasons(analysis.matrix, self.coef, self.feature_names)
        rules = rule_reasons(records, analysis.table, analysis.batch)
        results = []
        for record, score, category, reasons, contacts, features in zip(
                records, scores.tolist(), categories.tolist(), rules, analysis.contacts, top):
            label = int(score >= self.threshold)
            reasons += [{"kind": "contact", "contact_kind": c["kind"], "value": c["value"]} for c in contacts]
            reasons += features
            results.append({"id": record["id"], "score": round(score, 4), "label": label,
                            "category": str(category) if label else None,
                            "reasons": reasons, "contacts": contacts})
        return results


@contextlib.contextmanager
def _gc_paused():
    """Pause the cycle collector while a batch is classified.

    A batch allocates tens of thousands of small dicts and lists that all live until it
    returns and form no reference cycles, so collections during it free nothing; they
    cost ~12% of classify's time. The collector's previous state is restored.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _clean(record: dict) -> dict:
    out = dict(record)
    out["id"] = str(record.get("id", ""))
    for key in ("title", "description", "price"):
        value = record.get(key)
        out[key] = "" if value is None else str(value)
    return out


def load_artifact(path) -> dict:
    """Read a model artifact, turning version trouble into a clear :class:`ModelError`."""
    path = Path(path)
    if not path.exists():
        raise ModelError(f"no classifier model at {path}: run `facetrade train` (or `make install`)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # sklearn version warnings: we check FORMAT ourselves
            artifact = joblib.load(path)
    except Exception as exc:  # unpickling fails in many ways across library versions
        raise ModelError(f"cannot load the model at {path} ({exc}): run `facetrade train`") from None
    if not isinstance(artifact, dict) or artifact.get("meta", {}).get("format") != FORMAT:
        raise ModelError(f"the model at {path} has an old format: run `facetrade train`")
    return artifact


@functools.lru_cache(maxsize=4)
def _cached(path: str) -> Classifier:
    return Classifier(load_artifact(path))


def load_classifier(path=None) -> Classifier:
    """Return the classifier at ``path`` (default: the trained model), cached per path."""
    return _cached(str(Path(path or default_model_path()).resolve()))
