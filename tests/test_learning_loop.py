"""The learning loop: analysts' verdicts retrain the model, the gate promotes or refuses, leads roll back."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from classifier.api import load_artifact, load_classifier
from classifier.dataset import load_labelled, split
from facetrade.cli import cli
from findings.db import open_db
from findings.records import record_from_dict
from findings.registry import list_models
from findings.store import Store
from findings.web import demo, review, sync, users

# A code word the seed corpus has never seen: "青团礼盒" (a "green-dumpling gift box") for a full ID kit.
CODE_WORD_TAILS = ["全国可用", "质量保证", "新鲜的 当天发", "多款可选", "支持验货", "量大从优", "老板放心",
                   "价格美丽", "随时补货", "当天出"]


def _code_word_titles(prefix: str, n: int) -> list[str]:
    return [f"{prefix}青团礼盒 {CODE_WORD_TAILS[i % len(CODE_WORD_TAILS)]} {i}号" for i in range(n)]


@pytest.fixture(scope="module")
def world(tmp_path_factory, trained_model):
    root = tmp_path_factory.mktemp("learning")
    active = root / "model" / "classifier.joblib"
    active.parent.mkdir()
    shutil.copyfile(trained_model, active)  # the seed model: the session's, trained from the repository's data
    db = open_db(root / "findings.db")
    demo.add_users(db)
    return {"root": root, "active": active, "db": db, "db_path": str(root / "findings.db"),
            "seed_version": load_artifact(active)["meta"]["version"]}


def _add_listings(db, titles: list[str], tag: str, model_path) -> list[int]:
    """Store listings and the served model's verdicts, and queue them all (as the uncertain mode would)."""
    records = [record_from_dict({"platform": "classifieds_zh", "id": f"{tag}-{i}", "title": t,
                                 "url": f"http://127.0.0.1/{tag}/{i}", "seller_id": f"demo_seller_{i % 7:02d}"})
               for i, t in enumerate(titles)]
    store = Store(db)
    done = store.upsert_listings(records, source="test")
    refs = [done.refs[("classifieds_zh", f"{tag}-{i}")] for i in range(len(titles))]
    clf = load_classifier(model_path)
    results = clf.classify([{"id": str(r), "title": t} for r, t in zip(refs, titles)])
    store.save_classifications(list(zip(refs, results)), model_version=clf.version)
    sync.sync_queue(db, 0.0, full=True)
    return refs


def _decide(db, refs, action, reason, category=None, user="demo_analyst"):
    analyst = users.get_user(db, name=user)
    for ref in refs:
        review.decide(db, analyst, ref, action, reason, category=category)


def _run(world, *args):
    return CliRunner().invoke(cli, [*args, "--db", world["db_path"]], catch_exceptions=False)


def _flag_rate(model_path, titles) -> float:
    results = load_classifier(model_path).classify([{"id": str(i), "title": t} for i, t in enumerate(titles)])
    return sum(r["label"] for r in results) / len(results)


def test_verdicts_on_a_new_code_word_are_learned_and_promoted(world):
    db, active = world["db"], world["active"]
    titles = _code_word_titles("", 50)
    assert _flag_rate(active, titles) < 0.3  # the seed model misses the new code word
    refs = _add_listings(db, titles, "qt", active)
    _decide(db, refs, "violation", "sells_id_documents", "id_kit")

    result = _run(world, "train", "--from-db", "-o", str(active))
    assert result.exit_code == 0, result.output
    assert "PROMOTED" in result.output and "frozen F1" in result.output
    assert "poisoning" not in result.output  # confirming a new code word is no poisoning hint

    new_version = load_artifact(active)["meta"]["version"]
    assert new_version != world["seed_version"]
    # Fresh listings with the code word (never decided) are now caught...
    assert _flag_rate(active, _code_word_titles("出 ", 20)) >= 0.8
    rows = {r["version"]: r for r in list_models(db.conn)}
    promoted = rows[new_version]
    assert promoted["active"] and promoted["promoted_by"] == "gate" and promoted["n_decisions"] == 50
    # ... without getting worse on the frozen split the gate measured.
    checks = {c["name"]: c for c in promoted["gate"]["checks"]}
    assert checks["frozen F1"]["candidate"] >= checks["frozen F1"]["current"] - 0.01
    assert checks["recent agreement"]["candidate"] > checks["recent agreement"]["current"]
    assert rows[world["seed_version"]]["status"] == "promoted" and not rows[world["seed_version"]]["active"]
    world["learned_version"] = new_version


def test_a_poisoned_batch_of_verdicts_is_refused_by_the_frozen_split(world):
    db, active = world["db"], world["active"]
    train_rows = split(load_labelled())[0]
    offers = [r["title"] + " " + (r.get("description") or "") for r in train_rows if r["label"] == 1][:400]
    refs = _add_listings(db, offers, "poison", active)
    _decide(db, refs, "not_violation", "other_benign", user="demo_analyst2")

    result = _run(world, "train", "--from-db", "-o", str(active))
    assert result.exit_code == 2, result.output
    assert "REFUSED" in result.output and "frozen recall" in result.output and "NO" in result.output
    assert load_artifact(active)["meta"]["version"] == world["learned_version"]  # still serving the good model
    refused = [r for r in list_models(db.conn) if r["status"] == "refused"]
    assert len(refused) == 1 and not refused[0]["active"]
    failed = [c["name"] for c in refused[0]["gate"]["checks"] if not c["ok"]]
    # Unflagging offers costs recall while precision rises: F1 alone may stay within its tolerance.
    assert "frozen recall" in failed
    assert refused[0]["gate"]["confident_flips"] > 100  # the figure that points at poisoning
    assert "possible poisoning" in result.output
    world["refused_version"] = refused[0]["version"]


def test_model_list_promote_and_rollback_are_lead_only_and_audited(world):
    db, active = world["db"], world["active"]
    listing = _run(world, "model", "list")
    assert listing.exit_code == 0
    assert world["learned_version"] in listing.output and "refused" in listing.output
    assert json.loads(_run(world, "model", "list", "--json").output)[0]["status"] == "refused"

    denied = _run(world, "model", "rollback", "--as", "demo_analyst", "--model", str(active))
    assert denied.exit_code != 0 and "lead" in denied.output
    assert load_artifact(active)["meta"]["version"] == world["learned_version"]

    back = _run(world, "model", "rollback", "--as", "demo_lead", "--model", str(active))
    assert back.exit_code == 0, back.output
    assert load_artifact(active)["meta"]["version"] == world["seed_version"]
    assert load_classifier(active).version == world["seed_version"]  # no stale cached model

    again = _run(world, "model", "promote", world["learned_version"], "--as", "demo_lead", "--model", str(active))
    assert again.exit_code == 0, again.output
    assert load_artifact(active)["meta"]["version"] == world["learned_version"]
    missing = _run(world, "model", "promote", "facetrade-clf-000000000000", "--as", "demo_lead",
                   "--model", str(active))
    assert missing.exit_code != 0 and "no model" in missing.output
    audit = db.execute("SELECT user_name, action, target_id FROM review_audit WHERE target_kind = 'model'"
                       " ORDER BY id").fetchall()
    assert audit[-2:] == [("demo_lead", "model_rollback", world["seed_version"]),
                          ("demo_lead", "model_promote", world["learned_version"])]
    assert ("gate", "model_promote", world["learned_version"]) in audit


def test_stats_page_shows_what_each_retrain_gained(world):
    from starlette.testclient import TestClient

    from findings.web.app import create_app

    client = TestClient(create_app(world["db_path"], secret="s" * 40))
    demo.login(client, "demo_analyst")
    page = client.get("/stats").text
    table = page[page.index('id="retrains-table"'):]
    learned = table[table.index(world["learned_version"]):]
    learned_row = learned[:learned.index("</tr>")]
    assert "(active)" in learned_row and "promoted" in learned_row and "+" in learned_row
    refused = table[table.index(world["refused_version"]):]
    refused_row = refused[:refused.index("</tr>")]
    assert "refused: frozen" in refused_row and "-0." in refused_row
