"""Format an evaluation report as aligned plain-text tables."""

from __future__ import annotations


def _row(name: str, m: dict, base: dict | None = None) -> str:
    line = f"  {name:<22} P {m['precision']:.3f}  R {m['recall']:.3f}  F1 {m['f1']:.3f}  (n={m['n']})"
    if base:
        line += f"   | keywords: P {base['precision']:.3f}  R {base['recall']:.3f}  F1 {base['f1']:.3f}"
    return line


def format_report(report: dict) -> str:
    """Return the report of :func:`classifier.evaluate.evaluate_rows` as text."""
    lines = [f"model {report.get('model', '?')}", "overall:", _row("classifier", report["overall"], report["baseline"])]
    lines.append("per category (offers of that category vs all benign):")
    for cat, m in report["per_category"].items():
        lines.append(_row(cat, m))
    lines.append("recall per evasion level:")
    for level, m in report["per_evasion"].items():
        lines.append(f"  {level:<22} R {m['recall']:.3f}   | keywords: R {m['baseline_recall']:.3f}  (n={m['n']})")
    hard = report["hard_negatives"]
    if hard["n"]:
        lines.append(f"hard negatives flagged: {hard['flagged_rate']:.1%}   | keywords: "
                     f"{hard['baseline_flagged_rate']:.1%}  (n={hard['n']})")
    if report.get("category_accuracy") is not None:
        lines.append(f"category right on flagged offers: {report['category_accuracy']:.1%}")
    cover = report.get("cover_text")
    if cover:
        lines.append(f"with an ordinary listing's text appended (cover text): recall {cover['recall']:.3f} -> "
                     f"{cover['recall_with_cover']:.3f} (n={cover['offers']})")
        if cover["hard_negatives"]:
            lines.append(f"  hard negatives flagged {cover['hard_negatives_flagged']:.1%} -> "
                         f"{cover['hard_negatives_flagged_with_cover']:.1%} (n={cover['hard_negatives']})")
    for name, m in (report.get("corpus") or {}).items():
        lines.append(f"real text {name}: flagged {m['flagged_rate']:.2%}   | keywords: "
                     f"{m['baseline_flagged_rate']:.2%}  (n={m['n']}, {m['expected']})")
        if m.get("labelled"):
            h = m["labelled"]
            others = "" if h["others_flagged_rate"] is None else (
                f", other lines flagged {h['others_flagged_rate']:.1%} (keywords {h['baseline_others_flagged_rate']:.1%})")
            lines.append(f"  hand labels: offers P {h['precision']:.3f} R {h['recall']:.3f} (keywords R "
                         f"{h['baseline_recall']:.3f}; {h['offers']} offers, {h['others']} other lines){others}")
    if report.get("plot"):
        lines.append(f"precision-recall plot: {report['plot']}")
    return "\n".join(lines)
