"""Commands of the classifier: classify, train, evaluate."""

from __future__ import annotations

import json
import sys

import click

from facetrade.options import db_option, example

BATCH = 500


def _load(model_path):
    from classifier.api import ModelError, load_classifier
    try:
        return load_classifier(model_path)
    except ModelError as exc:
        raise click.ClickException(str(exc)) from None


def _parse(line: str, number: int):
    """Return a classifier input from one JSONL line, or raise ValueError saying why not."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg})") from None
    if not isinstance(row, dict):
        raise ValueError("not a JSON object")
    if not isinstance(row.get("id"), (str, int)) or isinstance(row.get("id"), bool) or str(row["id"]) == "":
        raise ValueError("needs a string 'id'")
    if not isinstance(row.get("title"), str):
        raise ValueError("needs a string 'title'")
    for key in ("description", "price", "platform", "seller", "location"):
        if row.get(key) is not None and not isinstance(row[key], (str, int, float)):
            raise ValueError(f"'{key}' must be text")
    row["id"] = str(row["id"])
    return row


def _classify_stream(clf, infile, out) -> tuple[int, int]:
    good = bad = 0
    batch = []
    for number, line in enumerate(infile, 1):
        if not line.strip():
            continue
        try:
            batch.append(_parse(line, number))
        except ValueError as exc:
            bad += 1
            click.echo(f"{getattr(infile, 'name', 'input')}: line {number}: {exc}; skipped", err=True)
            continue
        if len(batch) >= BATCH:
            good += _write(clf, batch, out)
            batch = []
    good += _write(clf, batch, out)
    return good, bad


def _write(clf, batch, out) -> int:
    for result in clf.classify(batch):
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    out.flush()
    return len(batch)


def _classify_stored(clf, db_path) -> tuple[int, int]:
    from findings.db import open_db
    from findings.store import Store

    store = Store(open_db(db_path))
    sql = ("SELECT l.id, l.listing_id, l.platform, l.title, l.description, l.price_text, l.seller_name,"
           " l.location FROM listings l WHERE NOT EXISTS (SELECT 1 FROM classifications c"
           " WHERE c.listing_ref = l.id AND c.model_version = ? AND c.content_hash IS l.content_hash)"
           " AND l.id > ? ORDER BY l.id LIMIT ?")
    done = flagged = last = 0
    while True:
        rows = store.conn.execute(sql, (clf.version, last, BATCH)).fetchall()
        if not rows:
            return done, flagged
        inputs = [{"id": r[1], "platform": r[2], "title": r[3], "description": r[4] or "",
                   "price": r[5] or "", "seller": r[6] or "", "location": r[7] or ""} for r in rows]
        results = clf.classify(inputs)
        store.save_classifications([(r[0], res) for r, res in zip(rows, results)], model_version=clf.version)
        store.link_contacts_many([(r[0], [{**c, "raw": None} for c in res["contacts"]])
                                  for r, res in zip(rows, results)])
        done += len(rows)
        flagged += sum(res["label"] for res in results)
        last = rows[-1][0]


@click.command(epilog=example("""
facetrade classify listings.jsonl -o verdicts.jsonl
facetrade classify - < listings.jsonl > verdicts.jsonl
facetrade classify --stored
"""))
@click.argument("input_file", required=False, type=click.File("r", encoding="utf-8"))
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-",
              help="Write results here (default: stdout).")
@click.option("--stored", is_flag=True, help="Classify stored listings that lack a verdict by this model version.")
@click.option("--model", "model_path", type=click.Path(dir_okay=False), help="Model artifact (default: var/model).")
@db_option
def classify(input_file, output, stored, model_path, db_path):
    """Score listings: one JSON result per input line, in order (no network, no database).

    Input lines: id, title, optional description, price, platform, seller, location.
    Output: {"id", "score", "label", "category", "reasons", "contacts"}. An invalid line
    is named on stderr with its line number and skipped. With --stored, classify the
    listings in the findings database instead.
    """
    if stored == (input_file is not None):
        raise click.UsageError("give an INPUT file (or - for stdin), or --stored")
    clf = _load(model_path)
    if stored:
        done, flagged = _classify_stored(clf, db_path)
        click.echo(f"classified {done:,} stored listings with {clf.version}: {flagged:,} flagged")
        return
    good, bad = _classify_stream(clf, input_file, output)
    if bad:
        click.echo(f"{bad:,} invalid lines skipped, {good:,} classified", err=True)
        sys.exit(1)


@click.command(epilog=example("""
facetrade train --data data/labelled
facetrade train --from-db
"""))
@click.option("--data", "data_path", type=click.Path(exists=True), help="Labelled JSONL file or folder.")
@click.option("--rules", "rules_path", type=click.Path(exists=True), help="Rules YAML file or folder.")
@click.option("-o", "--output", "out_path", type=click.Path(dir_okay=False), help="Model artifact to write.")
@click.option("--from-db", "from_db", is_flag=True,
              help="Also learn from analysts' verdicts in the database; promote only if the gate passes "
                   "(see `facetrade model`).")
@db_option
def train(data_path, rules_path, out_path, from_db, db_path):
    """Rebuild the model deterministically from the labelled listings (training split only)."""
    if from_db:
        from facetrade.commands.models import train_from_db
        return train_from_db(data_path, rules_path, db_path, out_path)
    from classifier.dataset import DataError
    from classifier.rules import RuleError
    from classifier.train import default_model_path, train as train_model

    try:
        meta = train_model(data_path, rules_path, out_path)
    except (DataError, RuleError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    metrics = meta.get("metrics") or {}
    click.echo(f"trained {meta['version']} on {meta['n_train']:,} listings in {meta['train_seconds']}s "
               f"({meta['n_features']:,} features) → {out_path or default_model_path()}")
    if metrics:
        click.echo(f"held-out ({meta['n_holdout']:,}): precision {metrics['precision']:.3f} "
                   f"recall {metrics['recall']:.3f} F1 {metrics['f1']:.3f}")


@click.command(epilog=example("""
facetrade evaluate --plot var/pr.png
facetrade evaluate frozen_eval.jsonl --corpus ../shared/corpus
"""))
@click.argument("data", required=False, type=click.Path(exists=True))
@click.option("--model", "model_path", type=click.Path(dir_okay=False), help="Model artifact (default: var/model).")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False), default="var/eval/pr_curve.png",
              show_default=True, help="Write the precision-recall curve here.")
@click.option("--corpus", "corpus_dir", type=click.Path(file_okay=False),
              help="Also measure flag rates on real titles/queries in this folder (default ../shared/corpus if present).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def evaluate(data, model_path, plot_path, corpus_dir, as_json):
    """Precision, recall, F1 (overall, per category, per evasion level) beside a keyword baseline.

    Without DATA, uses the held-out split of data/labelled that training never sees;
    with DATA (a labelled JSONL file or folder), uses all of it.
    """
    from classifier.dataset import DataError, load_labelled, split
    from classifier.evaluate import SHARED_CORPUS, corpus_report, evaluate_rows, plot_pr
    from classifier.report import format_report

    clf = _load(model_path)
    try:
        rows = load_labelled(data) if data else split(load_labelled())[1]
    except DataError as exc:
        raise click.ClickException(str(exc)) from None
    if not rows:
        raise click.ClickException("no labelled listings to evaluate")
    report = evaluate_rows(clf, rows)
    report["corpus"] = corpus_report(clf, corpus_dir) if (corpus_dir or SHARED_CORPUS.exists()) else {}
    report["plot"] = str(plot_pr(report, plot_path))
    report["model"] = clf.version
    if as_json:
        slim = {k: v for k, v in report.items() if k not in ("scores", "labels")}
        click.echo(json.dumps(slim, ensure_ascii=False, indent=2))
    else:
        click.echo(format_report(report))


COMMANDS = [classify, train, evaluate]
