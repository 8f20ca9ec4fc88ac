"""Crawl queries come from rules/: seed queries plus the terms of searchable rules."""

from __future__ import annotations

from pathlib import Path

from crawler.queries import crawl_queries, rule_terms, seed_queries

RULES = Path(__file__).resolve().parents[1] / "rules"


def test_repository_rules_give_seed_queries_and_searchable_rule_terms():
    queries = crawl_queries("classifieds_zh", RULES)
    assert queries[: len(seed_queries(RULES))] == seed_queries(RULES)
    assert set(rule_terms(RULES)) <= set(queries)
    assert "face" not in queries and "face" in crawl_queries("classifieds_en", RULES)
    assert len(queries) == len(set(queries))


def test_only_rules_marked_search_give_queries(tmp_path):
    (tmp_path / "queries.yml").write_text("queries: [seed one, 四件套]\n", encoding="utf-8")
    (tmp_path / "a.yml").write_text(
        "rules:\n"
        "  - {id: a.one, search: true, terms: [四件套, 照片活化]}\n"
        "  - {id: a.two, terms: [不要搜索]}\n", encoding="utf-8")
    (tmp_path / "broken.yml").write_text("rules: [unclosed\n", encoding="utf-8")
    assert crawl_queries(None, tmp_path) == ["seed one", "四件套", "照片活化"]
