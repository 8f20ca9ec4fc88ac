"""`facetrade search` finds Chinese listings by any part of their text."""

from __future__ import annotations

import json
import subprocess

from conftest import facetrade_cmd
from findings.db import open_db
from findings.records import record_from_dict
from findings.search import search_listings
from findings.store import Store

TITLES = {"s1": "出售人脸四件套 懂的来", "s2": "全棉四件套 床上用品", "s3": "照片活化教程 眨眼摇头",
          "s4": "肌肤活化精华", "s5": "iPhone 13 自用 100% 新"}


def build(db_path):
    store = Store(open_db(db_path))
    store.upsert_listings([record_from_dict({"platform": "xianyu", "id": k, "title": v}) for k, v in TITLES.items()])
    return store.db


def ids(rows):
    return {row["listing_id"] for row in rows}


def test_three_character_term_uses_the_index(db_path):
    db = build(db_path)
    assert ids(search_listings(db, "四件套")) == {"s1", "s2"}


def test_two_character_and_mixed_terms(db_path):
    db = build(db_path)
    assert ids(search_listings(db, "活化")) == {"s3", "s4"}
    assert ids(search_listings(db, "活化 教程")) == {"s3"}
    assert ids(search_listings(db, "人脸 四件套")) == {"s1"}


def test_wildcards_and_quotes_are_literal(db_path):
    db = build(db_path)
    assert ids(search_listings(db, "100%")) == {"s5"}
    assert ids(search_listings(db, "%")) == {"s5"}  # a literal percent sign, not "anything"
    assert search_listings(db, "_") == []
    assert search_listings(db, '" OR 1=1 --') == []


def test_search_command_prints_matches(db_path, cli_env):
    build(db_path).conn.close()
    result = subprocess.run(facetrade_cmd("search", "四件套", "--json"), env=cli_env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {row["listing_id"] for row in rows} == {"s1", "s2"}
