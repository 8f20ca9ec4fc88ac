"""The classify/train/evaluate commands as users and other tools call them."""

import json

import pytest
from click.testing import CliRunner

from facetrade.cli import cli
from findings.db import open_db
from findings.records import record_from_dict
from findings.store import Store


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "model.joblib"
    result = CliRunner().invoke(cli, ["train", "-o", str(path)])
    assert result.exit_code == 0, result.output
    assert "held-out" in result.output
    return path


def test_stdin_in_order_with_bad_lines_named(model):
    lines = [json.dumps({"id": "a", "title": "出售人脸四件套 懂的来"}, ensure_ascii=False), "{not json",
             json.dumps({"id": "b", "title": "全棉床上四件套"}, ensure_ascii=False),
             json.dumps({"title": "no id"}), json.dumps({"id": 7, "title": "照片活化 过人脸"}, ensure_ascii=False)]
    result = CliRunner().invoke(cli, ["classify", "-", "--model", str(model)], input="\n".join(lines) + "\n")
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in out] == ["a", "b", "7"]
    assert [r["label"] for r in out] == [1, 0, 1]
    assert "line 2" in result.stderr and "line 4" in result.stderr and "'id'" in result.stderr


def test_file_to_file(model, tmp_path):
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("".join(json.dumps({"id": str(i), "title": t}, ensure_ascii=False) + "\n"
                           for i, t in enumerate(["微信解封 刷脸", "儿童保温杯"])), encoding="utf-8")
    result = CliRunner().invoke(cli, ["classify", str(src), "-o", str(dst), "--model", str(model)])
    assert result.exit_code == 0, result.output
    assert [json.loads(x)["label"] for x in dst.read_text(encoding="utf-8").splitlines()] == [1, 0]


def test_missing_model_is_a_clear_message(tmp_path):
    result = CliRunner().invoke(cli, ["classify", "-", "--model", str(tmp_path / "none.joblib")], input="")
    assert result.exit_code != 0
    assert "facetrade train" in result.output and "Traceback" not in result.output


def test_stored_classifies_each_listing_once_per_version(model, tmp_path):
    db_path = tmp_path / "f.db"
    store = Store(open_db(db_path))
    rows = [{"platform": "xianyu", "id": "1", "title": "出售人脸四件套 加V demo_wx_123"},
            {"platform": "xianyu", "id": "2", "title": "纯棉床上四件套"}]
    store.upsert_listings([record_from_dict(r) for r in rows])
    args = ["classify", "--stored", "--db", str(db_path), "--model", str(model)]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert "classified 2" in first.output and "1 flagged" in first.output
    assert "classified 0" in CliRunner().invoke(cli, args).output
    db = open_db(db_path)
    labels = dict(db.execute("SELECT l.listing_id, c.label FROM classifications c JOIN listings l"
                             " ON l.id = c.listing_ref").fetchall())
    assert labels == {"1": 1, "2": 0}
    assert db.execute("SELECT value FROM contacts").fetchall() == [("demo_wx_123",)]
    store.upsert_listings([record_from_dict({**rows[1], "title": "纯棉床上四件套 新款"})])
    assert "classified 1" in CliRunner().invoke(cli, args).output


def test_evaluate_prints_tables_and_writes_plot(model, tmp_path):
    png = tmp_path / "pr.png"
    result = CliRunner().invoke(cli, ["evaluate", "--model", str(model), "--plot", str(png)])
    assert result.exit_code == 0, result.output
    for text in ("overall", "keywords", "per category", "heavy", "hard negatives", "photo_activation", "cover text"):
        assert text in result.output
    assert png.read_bytes()[:4] == b"\x89PNG"
