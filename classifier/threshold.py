"""Choose the default threshold by leave-one-author-out cross-validation on the labelled data.

Each labelled file's prefix (``zh``, ``gen``, ``r4a``…) names the person who wrote it. A model
trained without one author's rows scores them as it would score a stranger's listings, which is
what the product meets in the wild; the threshold that gives the best F1 on those out-of-author
scores (ties: the higher one, fewer alerts) is the default in :mod:`classifier.train`.

Run: .venv/bin/python -m classifier.threshold
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from classifier.dataset import data_files, load_labelled, split, target
from classifier.evaluate import prf

logger = logging.getLogger(__name__)

THRESHOLDS = np.round(np.arange(0.20, 0.71, 0.05), 2)


def out_of_author_scores(data_path=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(scores, labels, hard_negative)`` of the training split, each author left out in turn."""
    from classifier.api import Classifier
    from classifier.train import build_pipeline

    author = {}
    for file in data_files(data_path):
        for row in load_labelled(file):
            author[row["id"]] = Path(file).name.split("_")[0]
    rows, _ = split(load_labelled(data_path))
    scores, labels, hard = [], [], []
    for name in sorted({author[r["id"]] for r in rows}):
        train = [r for r in rows if author[r["id"]] != name]
        test = [r for r in rows if author[r["id"]] == name]
        pipeline = build_pipeline()
        pipeline.fit(train, np.array([target(r) for r in train], dtype=object))
        clf = Classifier({"pipeline": pipeline, "meta": {"version": f"without-{name}"}})
        scores += [res["score"] for res in clf.classify(test)]
        labels += [r["label"] for r in test]
        hard += [r["label"] == 0 and bool(r.get("hard_negative")) for r in test]
    return np.array(scores), np.array(labels), np.array(hard)


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    scores, labels, hard = out_of_author_scores()
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
