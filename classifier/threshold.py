"""Choose the default threshold by leave-one-author-out cross-validation on the labelled data.

Each labelled file's prefix (``zh``, ``gen``, ``r4a``…) names the person who wrote it. A model
trained without one author's rows scores them as it would score a stranger's listings, which is
what the product meets in the wild. On those out-of-author scores the default threshold
(:data:`classifier.DEFAULT_THRESHOLD`) is the highest whose F1 is within one standard error of
the best F1 (:func:`choose`).

Run: .venv/bin/python -m classifier.threshold [--jobs N]   (one author's model per process)
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from classifier.dataset import data_files, load_labelled, split, target
from classifier.evaluate import prf

logger = logging.getLogger(__name__)

THRESHOLDS = np.round(np.arange(0.20, 0.71, 0.05), 2)


_ROWS: list[dict] = []
_AUTHOR: dict[str, str] = {}


def _load(data_path) -> None:
    _AUTHOR.clear()
    for file in data_files(data_path):
        for row in load_labelled(file):
            _AUTHOR[row["id"]] = Path(file).name.split("_")[0]
    _ROWS[:] = split(load_labelled(data_path))[0]


def _without(name: str) -> tuple[list[float], list[int], list[bool]]:
    """Train on every author but ``name`` and score ``name``'s rows."""
    from classifier.api import Classifier
    from classifier.train import build_pipeline

    train = [r for r in _ROWS if _AUTHOR[r["id"]] != name]
    test = [r for r in _ROWS if _AUTHOR[r["id"]] == name]
    pipeline = build_pipeline()
    pipeline.fit(train, np.array([target(r) for r in train], dtype=object))
    clf = Classifier({"pipeline": pipeline, "meta": {"version": f"without-{name}"}})
    return ([res["score"] for res in clf.classify(test)], [r["label"] for r in test],
            [r["label"] == 0 and bool(r.get("hard_negative")) for r in test])


def out_of_author_scores(data_path=None, jobs: int = 1) -> tuple[np.ndarray, ...]:
    """Return ``(scores, labels, hard_negative, authors)`` of the training split, each author left out in turn.

    ``jobs`` > 1 trains that many authors' models at once in forked processes (the rows are
    loaded once, before the fork); the result is the same as with one job, in the same order.
    """
    _load(data_path)
    names = sorted({_AUTHOR[r["id"]] for r in _ROWS})
    if jobs > 1:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            parts = list(pool.map(_without, names))
    else:
        parts = [_without(name) for name in names]
    scores = [s for part in parts for s in part[0]]
    labels = [y for part in parts for y in part[1]]
    hard = [h for part in parts for h in part[2]]
    authors = [name for name, part in zip(names, parts) for _ in part[0]]
    return np.array(scores), np.array(labels), np.array(hard), np.array(authors)


def _f1(labels: np.ndarray, scores: np.ndarray, thresholds) -> np.ndarray:
    return np.array([prf(labels, scores >= th)["f1"] for th in thresholds])


def choose(scores, labels, hard, authors, thresholds=THRESHOLDS, boots: int = 500, seed: int = 0) -> tuple[float, list[dict]]:
    """Pick the threshold: the highest whose F1 is within one standard error of the best F1.

    Between thresholds, out-of-author F1 is often flat to the third decimal while the false
    alarms differ twofold, so "best F1" alone is decided by noise. The standard error is that
    of the F1 *difference* from the best threshold, measured on the same scores by resampling
    whole authors (``boots`` times, seeded): a difference smaller than that is a tie, and ties
    go to the higher threshold (fewer alerts for the same catch).

    Returns ``(threshold, table)``; each table row holds threshold, precision, recall, f1, se
    (of the difference from the best) and hard (share of hard negatives flagged).
    """
    scores, labels, hard, authors = map(np.asarray, (scores, labels, hard, authors))
    f1 = _f1(labels, scores, thresholds)
    best = int(np.argmax(f1))
    groups = [np.flatnonzero(authors == name) for name in sorted(set(authors.tolist()))]
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(boots):
        idx = np.concatenate([groups[g] for g in rng.integers(0, len(groups), len(groups))])
        sample = _f1(labels[idx], scores[idx], thresholds)
        diffs.append(sample - sample[best])
    se = np.std(diffs, axis=0) if boots else np.zeros(len(thresholds))
    table = []
    for th, f, e in zip(thresholds, f1, se):
        m = prf(labels, scores >= th)
        table.append({"threshold": float(th), "precision": m["precision"], "recall": m["recall"], "f1": float(f),
                      "se": float(e), "hard": float(np.mean(scores[hard] >= th)) if hard.any() else 0.0})
    tied = [row["threshold"] for row in table if row["f1"] >= f1[best] - row["se"] - 1e-12]
    return max(tied), table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1, help="authors' models trained at once (default 1)")
    parser.add_argument("--save", metavar="NPZ", help="also save the out-of-author scores (to choose again with --load)")
    parser.add_argument("--load", metavar="NPZ", help="choose from scores saved by --save instead of training")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.load:
        saved = np.load(args.load)
        scores, labels, hard, authors = (saved[k] for k in ("scores", "labels", "hard", "authors"))
    else:
        scores, labels, hard, authors = out_of_author_scores(jobs=args.jobs)
    if args.save:
        np.savez(args.save, scores=scores, labels=labels, hard=hard, authors=authors)
    chosen, table = choose(scores, labels, hard, authors)
    print(f"{len(set(authors.tolist()))} authors, {len(scores)} listings, each scored by a model trained without its author")
    for row in table:
        print(f"threshold {row['threshold']:.2f}: P {row['precision']:.4f} R {row['recall']:.4f} F1 {row['f1']:.4f} "
              f"(± {row['se']:.4f} against the best) hard negatives flagged {row['hard']:.1%}")
    print(f"chosen: {chosen:.2f} (the highest threshold whose F1 is within one standard error of the best)")


if __name__ == "__main__":
    main()
