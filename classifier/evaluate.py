"""Measure the classifier on held-out listings, beside a plain keyword filter; plot precision-recall."""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from pathlib import Path

import numpy as np

from classifier.rules import CATEGORIES, load_rules

logger = logging.getLogger(__name__)

SHARED_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
# Our own hand labels for corpus files that mix offers and other text (line index -> 0/1).
REAL_LABELS = Path(__file__).resolve().parents[1] / "data" / "real_labels"
# Real texts no one on the project wrote: evaluation only, never training.
CORPUS_FILES = {
    "jd_titles_A": ("jd_gaiic2022_titles_A.txt", 0),
    "jd_titles_B_collisions": ("jd_gaiic2022_titles_B_collisions.txt", 0),
    "multicpr_queries_collisions": ("multicpr_ecom_queries_collisions.txt", 0),
    "xianyu_listing_texts": ("xianyu_listing_texts_pingpong.txt", 0),
    "tumcc_chat_lines": ("tumcc_identity_sim_account_lines.txt", 1),
}


def read_real_labels(corpus_file: Path, labels_dir=None) -> dict[int, int] | None:
    """Hand labels of a corpus file's non-blank lines, or None without a matching labels file.

    The labels file (``data/real_labels/<name>.tsv``) records the sha256 of the text it
    labels; if the corpus file has changed since, its line numbers mean nothing: warn, None.
    """
    path = Path(labels_dir or REAL_LABELS) / f"{Path(corpus_file).stem}.tsv"
    if not path.exists():
        return None
    digest = hashlib.sha256(Path(corpus_file).read_bytes()).hexdigest()
    labels, recorded = {}, None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("# sha256 "):
            recorded = line.split()[2]
        elif line.strip() and not line.startswith("#") and not line.startswith("line\t"):
            try:
                index, label = line.split("\t")
                labels[int(index)] = int(label)
            except ValueError:
                logger.warning("%s:%d: not 'line<TAB>label', skipped", path, number)
    if recorded != digest:
        logger.warning("%s labels a different version of %s (sha256 mismatch): ignored", path, corpus_file)
        return None
    return labels


def prf(y_true, y_pred) -> dict:
    """Return precision, recall, F1 and counts for 0/1 arrays."""
    y_true, y_pred = np.asarray(y_true, bool), np.asarray(y_pred, bool)
    tp = int((y_true & y_pred).sum())
    fp = int((~y_true & y_pred).sum())
    fn = int((y_true & ~y_pred).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4), "n": len(y_true),
            "tp": tp, "fp": fp, "fn": fn}


def keyword_baseline(rows: list[dict], rules_path=None) -> np.ndarray:
    """A plain keyword filter: any rule term in the lower-cased raw text, no context."""
    terms = {t.lower() for r in load_rules(rules_path) if r.category != "signal" for t in r.terms}
    texts = [f"{r.get('title') or ''} {r.get('description') or ''}".lower() for r in rows]
    return np.array([any(t in text for t in terms) for text in texts])


def _classifier(model):
    from classifier.api import Classifier
    return model if isinstance(model, Classifier) else Classifier(model)


def evaluate_rows(model, rows: list[dict], rules_path=None) -> dict:
    """Score labelled rows and break the results down.

    Parameters
    ----------
    model : Classifier or dict
        A loaded classifier or a model artifact.
    rows : list of dict
        Labelled listings (DATA_FORMAT.md).

    Returns
    -------
    dict
        ``overall``, ``baseline``, ``per_category``, ``per_evasion``, ``hard_negatives``,
        ``category_accuracy`` and the raw ``scores``/``labels`` for plotting.
    """
    clf = _classifier(model)
    results = clf.classify([{**r, "id": r["id"]} for r in rows])
    y = np.array([r["label"] for r in rows])
    scores = np.array([res["score"] for res in results])
    pred = np.array([res["label"] for res in results])
    base = keyword_baseline(rows, rules_path)
    report = {"overall": prf(y, pred), "baseline": prf(y, base), "scores": scores.tolist(),
              "labels": y.tolist()}
    per_cat = {}
    for cat in CATEGORIES:
        idx = [i for i, r in enumerate(rows) if r["label"] == 0 or r.get("category") == cat]
        if any(rows[i]["label"] for i in idx):
            per_cat[cat] = prf(y[idx], pred[idx])
    report["per_category"] = per_cat
    by_level = defaultdict(list)
    for i, r in enumerate(rows):
        if r["label"] == 1:
            by_level[r.get("evasion") or "none"].append(i)
    report["per_evasion"] = {lvl: {"recall": round(float(pred[idx].mean()), 4),
                                   "baseline_recall": round(float(base[idx].mean()), 4), "n": len(idx)}
                             for lvl, idx in sorted(by_level.items())}
    hard = [i for i, r in enumerate(rows) if r["label"] == 0 and r.get("hard_negative")]
    report["hard_negatives"] = {"n": len(hard),
                                "flagged_rate": round(float(pred[hard].mean()), 4) if hard else None,
                                "baseline_flagged_rate": round(float(base[hard].mean()), 4) if hard else None}
    found = [i for i, r in enumerate(rows) if r["label"] == 1 and pred[i] == 1]
    right = sum(1 for i in found if results[i]["category"] == rows[i]["category"])
    report["category_accuracy"] = round(right / len(found), 4) if found else None
    report["cover_text"] = cover_text_report(clf, rows, pred)
    return report


COVER_CHARS = 240


def cover_text_report(clf, rows: list[dict], pred: np.ndarray) -> dict | None:
    """Flag rates when an ordinary listing's text is appended to each offer and hard negative.

    A seller can bury an offer under an honest listing's boilerplate ("九成新 无磕碰 支持验货",
    "great condition, comes with the box"). Each offer and hard negative gets the title and
    description (first 240 characters) of one of ``rows``' ordinary listings in its language
    (not a hard negative, not an offer; chosen by a hash of ids) appended to its description.
    None when ``rows`` hold no ordinary listing in a language of their offers.
    """
    ordinary: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        if r["label"] == 0 and not r.get("hard_negative"):
            ordinary[r.get("lang") or ""].append(r)
    picked = [i for i, r in enumerate(rows) if (r["label"] == 1 or r.get("hard_negative"))
              and ordinary.get(r.get("lang") or "")]
    if not any(rows[i]["label"] for i in picked):
        return None
    covered = []
    for i in picked:
        row = rows[i]
        pool = ordinary[row.get("lang") or ""]
        digest = hashlib.sha256(f"eval-cover:{row['id']}".encode("utf-8")).digest()
        cover = pool[int.from_bytes(digest[:4], "big") % len(pool)]
        text = f"{cover['title']} {cover.get('description') or ''}".strip()[:COVER_CHARS]
        covered.append({**row, "description": f"{row.get('description') or ''} {text}".strip()})
    flagged = np.array([res["label"] for res in clf.classify(covered)], bool)
    offers = np.array([rows[i]["label"] == 1 for i in picked])
    return {"offers": int(offers.sum()), "hard_negatives": int((~offers).sum()),
            "recall": round(float(pred[picked][offers].mean()), 4),
            "recall_with_cover": round(float(flagged[offers].mean()), 4),
            "hard_negatives_flagged": round(float(pred[picked][~offers].mean()), 4) if (~offers).any() else None,
            "hard_negatives_flagged_with_cover": round(float(flagged[~offers].mean()), 4) if (~offers).any() else None}


def corpus_report(model, corpus_dir=None, rules_path=None, labels_dir=None) -> dict:
    """Flag rates on real retail titles/queries and underground chat lines (if present).

    Where ``data/real_labels`` holds our hand labels for a file, also precision and recall
    on its offers and the share of its other lines flagged, beside the keyword filter's.
    """
    clf = _classifier(model)
    corpus_dir = Path(corpus_dir or SHARED_CORPUS)
    out = {}
    for name, (filename, expected) in CORPUS_FILES.items():
        path = corpus_dir / filename
        if not path.exists():
            continue
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        rows = [{"id": str(i), "title": line} for i, line in enumerate(lines)]
        flagged = np.array([res["label"] for res in clf.classify(rows)], bool)
        base = keyword_baseline(rows, rules_path)
        out[name] = {"n": len(rows), "expected": "offers" if expected else "benign",
                     "flagged_rate": round(float(flagged.mean()), 4),
                     "baseline_flagged_rate": round(float(base.mean()), 4),
                     "flagged_examples": [lines[i] for i in np.flatnonzero(flagged)[:5]] if not expected else []}
        labels = read_real_labels(path, labels_dir)
        if labels:
            known = np.array(sorted(i for i in labels if i < len(rows)))
            truth = np.array([labels[i] for i in known], bool)
            model_m, base_m = prf(truth, flagged[known]), prf(truth, base[known])
            out[name]["expected"] = "hand-labelled"
            out[name]["labelled"] = {
                "offers": int(truth.sum()), "others": int((~truth).sum()),
                "precision": model_m["precision"], "recall": model_m["recall"],
                "others_flagged_rate": round(float(flagged[known][~truth].mean()), 4) if (~truth).any() else None,
                "baseline_recall": base_m["recall"],
                "baseline_others_flagged_rate": round(float(base[known][~truth].mean()), 4) if (~truth).any() else None}
    return out


def plot_pr(report: dict, path) -> Path:
    """Write the precision-recall curve of a report as a PNG."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import precision_recall_curve

    precision, recall, _ = precision_recall_curve(report["labels"], report["scores"])
    base = report["baseline"]
    fig, ax = plt.subplots(figsize=(5, 4), dpi=100)
    ax.plot(recall, precision, label="facetrade classifier")
    ax.scatter([base["recall"]], [base["precision"]], color="red", label="keyword baseline")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_title("Held-out precision-recall")
    ax.legend(loc="lower left")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
