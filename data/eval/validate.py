"""Check the challenge set (JSON, ids, fields, fake contacts, counts); --overlap DIR finds leaks."""

import collections
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CATEGORIES = {"id_kit", "face_data", "photo_activation", "verification_bypass", "realname_account"}
EVASIONS = {"none", "light", "heavy"}
REQUIRED = {"id", "title", "description", "price", "label", "category", "evasion", "lang", "style",
            "hard_negative", "note"}
# Anything that looks like a real contact must be one of the obviously fake forms.
EMAIL = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
URL = re.compile(r"(?:https?://)?((?:[\w-]+\.)+(?:com|cn|net|org|io|me))/", re.I)
LONG_DIGITS = re.compile(r"\d{7,}")


def row_problems(row: dict) -> list[str]:
    """Return what is wrong with one row (empty when it is fine)."""
    problems = [f"missing {k}" for k in sorted(REQUIRED - row.keys())]
    if not str(row.get("id", "")).startswith("ch-"):
        problems.append("id must start with ch-")
    if not isinstance(row.get("title"), str) or not row.get("title", "").strip():
        problems.append("empty title")
    if row.get("label") == 1:
        if row.get("category") not in CATEGORIES:
            problems.append(f"bad category {row.get('category')!r}")
        if row.get("evasion") not in EVASIONS:
            problems.append(f"bad evasion {row.get('evasion')!r}")
        if row.get("hard_negative"):
            problems.append("an offer cannot be a hard negative")
    elif row.get("label") == 0:
        if row.get("category") is not None or row.get("evasion") != "none":
            problems.append("label 0 needs category null and evasion none")
        if not row.get("group"):
            problems.append("label 0 needs a group")
    else:
        problems.append(f"bad label {row.get('label')!r}")
    if row.get("lang") not in ("zh", "en"):
        problems.append(f"bad lang {row.get('lang')!r}")
    text = " ".join(str(row.get(k) or "") for k in ("title", "description", "price"))
    problems += [f"real-looking email domain {d}" for d in EMAIL.findall(text) if d != "example.com"]
    problems += [f"real-looking URL host {h}" for h in URL.findall(text)
                 if not h.lower().endswith("example.com")]
    problems += [f"long digit run {d} (use 1380000xxxx / 10000xxxx forms)"
                 for d in LONG_DIGITS.findall(text)]
    return problems


def overlap(rows: list[dict], folder: Path) -> list[str]:
    """Name challenge rows whose title also appears in a training folder (leakage); counts only."""
    seen = set()
    for file in sorted(folder.glob("*.jsonl")):
        for line in file.read_text(encoding="utf-8").splitlines():
            try:
                seen.add(" ".join(str(json.loads(line).get("title", "")).split()).lower())
            except (json.JSONDecodeError, AttributeError):
                continue
    return [r["id"] for r in rows if " ".join(r["title"].split()).lower() in seen]


def main(argv: list[str]) -> int:
    files = sorted(HERE.glob("challenge_*.jsonl"))
    rows, errors, ids, titles = [], [], set(), set()
    for file in files:
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            where = f"{file.name}:{number}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                errors.append(f"{where}: invalid JSON: {exc}")
                continue
            errors += [f"{where}: {p}" for p in row_problems(row)]
            if row.get("id") in ids:
                errors.append(f"{where}: duplicate id {row.get('id')}")
            key = (row.get("title"), row.get("description"))
            if key in titles:
                errors.append(f"{where}: duplicate title+description")
            ids.add(row.get("id"))
            titles.add(key)
            rows.append(row)
    report(rows)
    if len(argv) == 2 and argv[0] == "--overlap":
        shared = overlap(rows, Path(argv[1]))
        print(f"titles also in {argv[1]}: {len(shared)}", " ".join(shared[:20]))
        errors += [f"{i}: title also in training data" for i in shared]
    for error in errors:
        print("ERROR", error, file=sys.stderr)
    return 1 if errors else 0


def report(rows: list[dict]) -> None:
    """Print the counts the challenge set promises."""
    offers = [r for r in rows if r.get("label") == 1]
    negatives = [r for r in rows if r.get("label") == 0]
    count = collections.Counter
    print(f"rows {len(rows)}: offers {len(offers)}, negatives {len(negatives)} "
          f"(hard {sum(1 for r in negatives if r.get('hard_negative'))})")
    print("offers by category:", dict(count(r["category"] for r in offers)))
    ev = count(r["evasion"] for r in offers)
    print("offers by evasion:", {k: f"{v} ({v / max(len(offers), 1):.0%})" for k, v in ev.items()})
    print("offers by lang:", dict(count(r["lang"] for r in offers)))
    print("offers category x evasion:",
          dict(sorted(count((r["category"], r["evasion"]) for r in offers).items())))
    print("negatives by group:", dict(count(r.get("group") for r in negatives).most_common()))
    print("negatives by lang:", dict(count(r["lang"] for r in negatives)))
    print("title-only rows:", sum(1 for r in rows if not r.get("description")))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
