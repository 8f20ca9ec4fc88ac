"""The model registry from the CLI: ``model list|promote|rollback``, and the learning loop's report.

Promote and rollback change what every classification uses, so they need a lead
(``--as NAME``) and each writes an audit row. ``facetrade train --from-db`` promotes on
its own only when the gate passes.
"""

from __future__ import annotations

import json

import click

from facetrade.commands.export import as_option
from facetrade.options import db_option, example


def _open(db_path, as_user, what: str | None = None):
    from findings.db import open_db
    from findings.export.actor import ExportError, acting_user, require

    db = open_db(db_path)
    try:
        user = acting_user(db, as_user)
        if what:
            require(user, "lead", what)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from None
    return db, user


def _f(value) -> str:
    return "—" if value is None else f"{value:.3f}"


def echo_gate(result: dict) -> None:
    """Print the gate's figures and verdict for one retrain."""
    gate = result["gate"]
    meta = result["meta"]
    click.echo(f"candidate {result['version']}: {meta['n_train']:,} training rows "
               f"({result['n_decisions']:,} analyst verdicts, newest {result['n_recent']:,} held out)")
    click.echo(f"{'check':32} {'candidate':>10} {'current':>10} {'delta':>8}  ok")
    for check in gate["checks"]:
        click.echo(f"{check['name']:32} {check['candidate']:>10.3f} {check['current']:>10.3f} "
                   f"{check['delta']:>+8.3f}  {'yes' if check['ok'] else 'NO'}")
    cand = gate["candidate"]
    click.echo(f"frozen split: F1 {_f(cand['frozen']['f1'])}, hard-negative FP rate "
               f"{_f(cand['frozen']['hard_negative_fp_rate'])} (n={cand['frozen']['n']})")
    if gate.get("confident_flips"):
        click.echo(f"warning: {gate['confident_flips']} 'not a violation' verdicts clear listings the current "
                   f"model scores ≥ 0.9 (possible poisoning)")
    if result["unchanged"]:
        click.echo(f"unchanged: {result['version']} is already the active model")
    elif result["promoted"]:
        click.echo(f"PROMOTED {result['version']} (was {result['previous'] or 'none'}): {gate['reason']}")
    else:
        click.echo(f"REFUSED {result['version']}, still serving {result['previous']}: {gate['reason']}")


def train_from_db(data_path, rules_path, db_path, active_path) -> None:
    """Run the learning loop for ``facetrade train --from-db``; exit 2 when the gate refuses."""
    from classifier.dataset import DataError
    from classifier.rules import RuleError
    from findings.registry import retrain

    db, _ = _open(db_path, None)
    try:
        result = retrain(db.conn, data_path=data_path, rules_path=rules_path, active_path=active_path)
    except (DataError, RuleError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    echo_gate(result)
    if not (result["promoted"] or result["unchanged"]):
        raise SystemExit(2)


@click.group(epilog=example("facetrade model list"))
def model():
    """The model registry: every trained model, its figures, which one is served."""


@model.command("list", epilog=example("facetrade model list --json"))
@click.option("--json", "as_json", is_flag=True, help="Print the registry as JSON.")
@db_option
def list_cmd(as_json, db_path):
    """List models newest first: status, frozen-split F1, recent agreement, who promoted it."""
    from findings.registry import list_models

    db, _ = _open(db_path, None)
    rows = list_models(db.conn)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("the registry is empty: run `facetrade train --from-db`")
        return
    click.echo(f"  {'version':28} {'status':11} {'frozen F1':>9} {'recent agr':>10} {'verdicts':>8}  promoted")
    for row in rows:
        frozen = (row["metrics"].get("frozen") or {}).get("f1")
        recent = (row["metrics"].get("recent") or {}).get("agreement")
        who = f"{row['promoted_at'][:16]} by {row['promoted_by']}" if row["promoted_at"] else "—"
        click.echo(f"{'*' if row['active'] else ' '} {row['version']:28} {row['status']:11} {_f(frozen):>9} "
                   f"{_f(recent):>10} {row['n_decisions']:>8}  {who}")
        if row["status"] == "refused":
            click.echo(f"    {row['reason']}")


@model.command(epilog=example("facetrade model promote facetrade-clf-77fc968eaac9 --as lead_alice"))
@click.argument("version")
@as_option
@click.option("--model", "active_path", type=click.Path(dir_okay=False), help="Active model file (default: var/model).")
@db_option
def promote(version, as_user, active_path, db_path):
    """Serve VERSION from now on (lead role; audited), even one the gate refused."""
    from classifier.train import default_model_path
    from findings.registry import RegistryError, activate

    db, user = _open(db_path, as_user, "promoting a model")
    try:
        row = activate(db.conn, version, user, active_path or default_model_path(), reason="promoted by hand")
    except RegistryError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{row['version']} is now the active model (promoted by {user['name']})")


@model.command(epilog=example("facetrade model rollback --as lead_alice"))
@as_option
@click.option("--model", "active_path", type=click.Path(dir_okay=False), help="Active model file (default: var/model).")
@db_option
def rollback(as_user, active_path, db_path):
    """Go back to the previously promoted model (lead role; audited)."""
    from classifier.train import default_model_path
    from findings.registry import RegistryError, rollback as do_rollback

    db, user = _open(db_path, as_user, "rolling back the model")
    try:
        old, new = do_rollback(db.conn, user, active_path or default_model_path())
    except RegistryError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"rolled back from {old} to {new}")


COMMANDS = [model]
