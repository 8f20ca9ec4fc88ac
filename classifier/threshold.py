"""Choose the default threshold by leave-one-author-out cross-validation on the labelled data.

Each labelled file's prefix (``zh``, ``gen``, ``r4a``…) names the person who wrote it. A model
trained without one author's rows scores them as it would score a stranger's listings, which is
what the product meets in the wild; the threshold that gives the best F1 on those out-of-author
scores (ties: the higher one, fewer alerts) is the default in :mod:`classifier.train`.

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


def out_of_author_scores(data_path=None, jobs: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(scores, labels, hard_negative)`` of the training split, each author left out in turn.

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
    return np.array(scores), np.array(labels), np.array(hard)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1, help="authors' models trained at once (default 1)")
    parser.add_argument("--save", metavar="NPZ", help="also save the out-of-author scores, labels and hard flags")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    scores, labels, hard = out_of_author_scores(jobs=args.jobs)
    if args.save:
        np.savez(args.save, scores=scores, labels=labels, hard=hard)
    best = None
    for th in THRESHOLDS:
        m = prf(labels, scores >= th)
        print(f"threshold {th:.2f}: P {m['precision']:.3f} R {m['recall']:.3f} F1 {m['f1']:.3f} "
              f"hard negatives flagged {np.mean(scores[hard] >= th):.1%}")
        if best is None or m["f1"] >= best[1] - 0.002:
            best = (th, max(m["f1"], best[1] if best else 0))
    print(f"best (ties within 0.002 F1 go to the higher threshold): {best[0]:.2f}")


if __name__ == "__main__":
    main()
