"""Research commands: ``networks build|list|show|export`` (seller rings) and ``discover`` (new code words)."""

from __future__ import annotations

import json
import sys

import click

from facetrade.commands.export import _open, as_option
from facetrade.options import db_option, example


def _db(db_path):
    from findings.db import open_db

    return open_db(db_path)


def _network(db, network_id: int) -> dict:
    from findings.networks import get_network

    net = get_network(db.conn, network_id)
    if net is None:
        raise click.ClickException(f"no network {network_id}; `facetrade networks list` shows them "
                                   "(after `facetrade networks build`)")
    return net


@click.group(epilog=example("facetrade networks build && facetrade networks list"))
def networks():
    """Seller networks: sellers tied by a shared contact, near-identical text or the same image."""


@networks.command("build", epilog=example("facetrade networks build --text-threshold 0.85"))
@click.option("--text-threshold", type=click.FloatRange(0.3, 1.0), default=0.8, show_default=True,
              help="Estimated Jaccard similarity of title+description above which two sellers are linked.")
@click.option("--image-distance", type=click.IntRange(0, 32), default=4, show_default=True,
              help="Largest dHash distance (of 64 bits) for two evidence images to count as the same picture.")
@db_option
def build(text_threshold, image_distance, db_path):
    """Rebuild every network from the stored listings and set the review queue's network sizes."""
    from findings.networks import build_networks

    built = build_networks(_db(db_path), text_threshold=text_threshold, image_distance=image_distance)
    sellers = sum(n["size"] for n in built)
    click.echo(f"{len(built)} networks, {sellers} sellers; largest: "
               + (", ".join(f"#{n['id']} ({n['size']} sellers)" for n in built[:5]) or "none"))


@networks.command("list", epilog=example("facetrade networks list --limit 20"))
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True)
@db_option
def list_(limit, db_path):
    """The largest networks: sellers, listings and which kinds of evidence link them."""
    from findings.networks import list_networks

    rows = list_networks(_db(db_path).conn, limit)
    if not rows:
        click.echo("no networks (run `facetrade networks build`)")
    for row in rows:
        click.echo(f"#{row['id']}\t{row['size']} sellers\t{row['listings']} listings\t{row['kinds']}")


@networks.command("show", epilog=example("facetrade networks show 3"))
@click.argument("network_id", type=int)
@db_option
def show(network_id, db_path):
    """A network's shared contacts, members and links (contacts masked)."""
    from findings.networks import _masked_detail

    net = _network(_db(db_path), network_id)
    click.echo(f"network #{net['id']}: {net['size']} sellers, {net['listings']} listings, links {net['kinds']}")
    for contact, refs in net["shared_contacts"].items():
        click.echo(f"  shared {_masked_detail(contact, True)}: listings {', '.join(map(str, refs))}")
    for m in net["members"]:
        click.echo(f"  {m['platform']}:{m['listing_id']}\tseller {m['seller_id'] or '-'}\t"
                   f"{m['review_status'] or 'not queued'}\t{m['title']}")


@networks.command("export", epilog=example("facetrade networks export 3 --format graphml --out var/network-3.graphml"))
@click.argument("network_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["graphml", "csv"]), default="graphml", show_default=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False), help="File to write (default: stdout).")
@click.option("--unmasked", is_flag=True, help="Keep contact values whole (lead role, --as NAME; audited).")
@as_option
@db_option
def export_network(network_id, fmt, out_path, unmasked, as_user, db_path):
    """Export one network as GraphML (for Gephi/yEd/networkx) or CSV (one row per link)."""
    from findings.export.actor import ExportError, require
    from findings.networks import export_csv, export_graphml
    from findings.web import auditlog

    db, user = _open(db_path, as_user)
    net = _network(db, network_id)
    try:
        if unmasked:
            require(user, "lead", "an unmasked network export")
    except ExportError as exc:
        raise click.ClickException(str(exc)) from exc
    write = export_graphml if fmt == "graphml" else export_csv
    if out_path:
        with open(out_path, "w", encoding="utf-8", newline="") as out:
            write(net, out, masked=not unmasked)
    else:
        write(net, sys.stdout, masked=not unmasked)
    with db.conn:
        auditlog.record(db.conn, user, "export_network", target_kind="network",
                        target_id=network_id, detail={"format": fmt, "unmasked": unmasked, "as": user["name"]})
    if out_path:
        click.echo(f"{out_path}: network #{network_id}, {net['size']} sellers, {len(net['edges'])} links", err=True)


@click.command(epilog=example("""
facetrade discover --top 10
facetrade discover --accept 雪花包 --rule idk.id_material --example "一手雪花包 批量出" --as lead_alice
"""))
@click.option("--top", type=click.IntRange(1), default=20, show_default=True, help="How many candidates to show.")
@click.option("--min-decisions", type=click.IntRange(0), default=20, show_default=True,
              help="Confirmed violations needed to learn from analysts; fewer: from the classifier's labels.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per candidate.")
@click.option("--accept", "term", help="Accept this term into a rule (lead role).")
@click.option("--rule", "rule_id", help="With --accept: the rule id whose terms get it.")
@click.option("--example", "example_text", help="With --accept: a listing text it must match (becomes a rule example).")
@click.option("--rules-dir", type=click.Path(exists=True), help="Rules folder (default: rules/, or $FACETRADE_RULES).")
@as_option
@db_option
def discover(top, min_decisions, as_json, term, rule_id, example_text, rules_dir, as_user, db_path):
    """Rank candidate new code words: frequent in violations, rare in benign listings, used like known jargon."""
    if term:
        return _accept(term, rule_id, example_text, rules_dir, as_user, db_path)
    from classifier.discover import discover as rank
    from classifier.rules import RuleError

    try:
        candidates, source = rank(_db(db_path).conn, rules_path=rules_dir, top=top, min_decisions=min_decisions)
    except RuleError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"learning from {source}", err=True)
    for c in candidates:
        if as_json:
            click.echo(json.dumps(c.__dict__, ensure_ascii=False))
            continue
        click.echo(f"{c.term}\tscore {c.score:.2f}\tz {c.z:.2f}\tviolations {c.in_violations}\tbenign {c.in_benign}"
                   f"\tnear jargon {c.cooccurrence:.0%}\tcontext {c.context:.2f}")
        for ex in c.examples:
            click.echo(f"    listing {ex['listing']}: {ex['title']}")
    if not candidates:
        click.echo("no candidates (need flagged and benign listings; crawl and classify first)", err=True)


def _accept(term, rule_id, example_text, rules_dir, as_user, db_path):
    from classifier.discover import AcceptError, accept
    from classifier.rules import RuleError
    from findings.export.actor import ExportError, require
    from findings.web import auditlog

    if not rule_id or not example_text:
        raise click.UsageError("--accept needs --rule RULE_ID and --example TEXT")
    db, user = _open(db_path, as_user)
    try:
        require(user, "lead", "accepting a code word into the rules")
        path = accept(term, rule_id, example_text, rules_dir=rules_dir)
    except (ExportError, AcceptError, RuleError) as exc:
        raise click.ClickException(str(exc)) from exc
    with db.conn:
        auditlog.record(db.conn, user, "accept_term", target_kind="rule", target_id=rule_id,
                        after={"term": term, "example": example_text, "file": path})
    click.echo(f"{path}: {term!r} added to {rule_id} with its example; retrain (`facetrade train`) to use it")


COMMANDS = [networks, discover]
