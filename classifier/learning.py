"""Learn from analysts: retrain on the seed corpus plus review decisions, and promote only through a gate.

Three sets, none of which leaks into another:

- training: the training split of ``data/labelled`` plus every analyst verdict except the
  most recent ones;
- frozen: the held-out split of ``data/labelled`` (by id hash) that no training ever sees;
  a candidate must not be worse there (F1, recall, hard-negative false-positive rate) — this is
  what refuses a poisoned batch of decisions that flips labels the seed corpus is sure of;
- recent: the newest verdicts (``RECENT_SHARE`` of them), held out from this run; the
  candidate must agree with analysts at least as well as the model it would replace.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

from classifier.dataset import is_holdout, load_labelled, split
from classifier.rules import CATEGORIES

logger = logging.getLogger(__name__)

RECENT_SHARE = 0.2        # newest verdicts held out of each run to judge it
MAX_RECENT = 500
F1_TOLERANCE = 0.01       # frozen-split F1 may drop by at most this much
RECALL_TOLERANCE = 0.01   # and so may its recall: a poisoner wants offers unflagged, which costs
                          # recall while precision rises, so F1 alone can hide it
HARD_NEGATIVE_TOLERANCE = 0.01  # frozen hard-negative flag rate may rise by at most this much
CONFIDENT = 0.9           # a verdict against a score this sure (or 1 - it) is a "confident flip"
GATE_USER = {"id": None, "name": "gate", "role": "lead", "disabled": 0}


def decision_rows(conn) -> list[dict]:
    """Analysts' current verdicts as labelled rows, oldest decision first.

    A violation without a valid category cannot teach the category model and is skipped.
    """
    rows = []
    for ref, label, category, decided_at, title, desc, price, platform, seller, location in conn.execute(
            "SELECT v.listing_ref, v.label, v.category, v.decided_at, l.title, l.description, l.price_text,"
            " l.platform, l.seller_name, l.location FROM review_verdicts v JOIN listings l ON l.id = v.listing_ref"
            " ORDER BY v.decided_at, v.decision_ref"):
        if label == 1 and category not in CATEGORIES:
            logger.warning("verdict on listing %s has no valid category (%s); not used", ref, category)
            continue
        rows.append({"id": _train_id(ref), "listing_ref": ref, "title": title or "", "description": desc or "",
                     "price": price or "", "platform": platform, "seller": seller or "",
                     "location": location or "", "label": int(label),
                     "category": category if label == 1 else None, "decided_at": decided_at,
                     "source": "review"})
    return rows


def _train_id(listing_ref: int) -> str:
    # Training holds out ids by hash; a salted id keeps every used verdict in training.
    row_id, salt = f"review-{listing_ref}", 0
    while is_holdout(row_id):
        salt += 1
        row_id = f"review-{listing_ref}-{salt}"
    return row_id


def split_recent(decisions: list[dict]) -> tuple[list[dict], list[dict]]:
    """Return ``(train, recent)``: the newest ``RECENT_SHARE`` of verdicts are held out."""
    n_recent = min(MAX_RECENT, int(len(decisions) * RECENT_SHARE))
    if n_recent == 0:
        return list(decisions), []
    return decisions[:-n_recent], decisions[-n_recent:]


def write_training_dir(folder, seed: list[dict], decisions: list[dict]) -> Path:
    """Write seed rows and verdict rows as JSONL files ``classifier.train.train`` reads."""
    folder = Path(folder)
    for name, rows in (("seed.jsonl", seed), ("review_decisions.jsonl", decisions)):
        with open(folder / name, "w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps({k: v for k, v in row.items() if k != "listing_ref"},
                                     ensure_ascii=False) + "\n")
    return folder


def measure(model, frozen: list[dict], recent: list[dict]) -> dict:
    """Figures the gate compares: frozen-split F1 and hard-negative rate, agreement on recent verdicts."""
    from classifier.evaluate import evaluate_rows, prf

    report = evaluate_rows(model, frozen)
    figures = {"frozen": {**{k: report["overall"][k] for k in ("precision", "recall", "f1", "n")},
                          "hard_negative_fp_rate": report["hard_negatives"]["flagged_rate"] or 0.0}}
    if recent:
        results = report_classifier(model).classify(recent)
        y = np.array([r["label"] for r in recent])
        pred = np.array([res["label"] for res in results])
        figures["recent"] = {**{k: v for k, v in prf(y, pred).items() if k in ("precision", "recall", "f1", "n")},
                             "agreement": round(float((y == pred).mean()), 4), "positives": int(y.sum())}
    return figures


def report_classifier(model):
    from classifier.api import Classifier
    return model if isinstance(model, Classifier) else Classifier(model)


def gate(candidate: dict, current: dict | None) -> dict:
    """Compare figures; the candidate passes only if every check holds. Returns checks and a reason."""
    if current is None:
        return {"passed": True, "checks": [], "reason": "no current model to compare with",
                "candidate": candidate, "current": None}
    checks = [
        _check("frozen F1", candidate["frozen"]["f1"], current["frozen"]["f1"], -F1_TOLERANCE),
        _check("frozen recall", candidate["frozen"]["recall"], current["frozen"]["recall"], -RECALL_TOLERANCE),
        _check("frozen hard-negative FP rate", candidate["frozen"]["hard_negative_fp_rate"],
               current["frozen"]["hard_negative_fp_rate"], HARD_NEGATIVE_TOLERANCE, lower_is_better=True),
    ]
    if "recent" in candidate and "recent" in current:
        checks.append(_check("recent agreement", candidate["recent"]["agreement"],
                             current["recent"]["agreement"], 0.0))
        if candidate["recent"].get("positives"):  # F1 means nothing without a violation among them
            checks.append(_check("recent F1", candidate["recent"]["f1"], current["recent"]["f1"], 0.0))
    failed = [c for c in checks if not c["ok"]]
    reason = ("; ".join(f"{c['name']} {c['candidate']:.3f} vs {c['current']:.3f}" for c in failed)
              if failed else "not worse on the frozen split, at least as good on recent decisions")
    return {"passed": not failed, "checks": checks, "reason": ("refused: " if failed else "") + reason,
            "candidate": candidate, "current": current}


def _check(name: str, cand: float, curr: float, tolerance: float, lower_is_better: bool = False) -> dict:
    ok = cand <= curr + tolerance if lower_is_better else cand >= curr + tolerance
    return {"name": name, "candidate": cand, "current": curr, "tolerance": tolerance, "ok": bool(ok),
            "delta": round(cand - curr, 4)}


def confident_flips(current, decisions: list[dict]) -> int:
    """How many "not a violation" verdicts clear listings the current model is very sure are offers.

    A poisoning hint: unflagging offers is what a seller planting decisions wants. The
    other direction (a sure "benign" confirmed as a violation) is what a new code word
    looks like, so it is not counted.
    """
    if current is None or not decisions:
        return 0
    results = report_classifier(current).classify(decisions)
    return sum(1 for d, r in zip(decisions, results) if d["label"] == 0 and r["score"] >= CONFIDENT)


def train_candidate(conn, *, data_path=None, rules_path=None, out_dir) -> dict:
    """Train a candidate on seed + verdicts into ``out_dir/<version>.joblib``; return what the gate needs."""
    from classifier.train import train

    seed = load_labelled(data_path)
    frozen = split(seed)[1]
    decisions = decision_rows(conn)
    train_decisions, recent = split_recent(decisions)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    scratch = out_dir / f".candidate-{os.getpid()}.joblib"
    with tempfile.TemporaryDirectory(prefix="facetrade-train-") as tmp:
        meta = train(write_training_dir(tmp, seed, train_decisions), rules_path, scratch)
    artifact_path = out_dir / f"{meta['version']}.joblib"
    os.replace(scratch, artifact_path)
    return {"meta": meta, "artifact_path": artifact_path, "frozen": frozen, "recent": recent,
            "train_decisions": train_decisions, "n_decisions": len(decisions)}
