"""Every rule's examples hold, every category has rules, and rule files fail clearly."""

from pathlib import Path

import pytest

from classifier.normalize import normalize_many
from classifier.rules import CATEGORIES, RULE_FIELDS, RuleError, RuleMatcher, load_rules

RULES = load_rules()
MATCHER = RuleMatcher(RULES)
CASES = [(rule.id, kind, text) for rule in RULES for kind in ("match", "no_match")
         for text in rule.examples.get(kind, [])]


def fires(rule_id, text):
    return any(h.rule.id == rule_id for h in MATCHER.match_many(normalize_many([text]))[0])


@pytest.mark.parametrize("rule_id,kind,text", CASES)
def test_rule_examples(rule_id, kind, text):
    assert fires(rule_id, text) == (kind == "match")


def test_every_rule_has_examples_both_ways():
    for rule in RULES:
        assert rule.examples.get("match") and rule.examples.get("no_match"), rule.id


def test_every_category_has_rules_and_search_terms():
    for category in CATEGORIES:
        rules = [r for r in RULES if r.category == category]
        assert rules, category
        assert any(r.search and r.terms for r in rules), category


def test_rules_readme_documents_every_field():
    readme = (Path(__file__).resolve().parents[1] / "rules" / "README.md").read_text(encoding="utf-8")
    for field in RULE_FIELDS:
        assert f"`{field}`" in readme, field


def test_bad_rule_files_are_named(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("rules:\n  - id: x.one\n    description: d\n    category: nonsense\n    weight: 1\n"
                   "    terms: [a]\n", encoding="utf-8")
    with pytest.raises(RuleError, match="bad.yml.*x.one.*category"):
        load_rules(bad)
    bad.write_text("rules: [", encoding="utf-8")
    with pytest.raises(RuleError, match="bad.yml"):
        load_rules(bad)


def test_context_and_negative_context(tmp_path):
    path = tmp_path / "r.yml"
    path.write_text(
        "rules:\n  - id: t.set\n    description: d\n    category: id_kit\n    weight: 1\n"
        "    terms: [四件套]\n    context: {terms: [身份证], window: 5}\n"
        "    negative_context: {terms: [床], window: 3}\n", encoding="utf-8")
    matcher = RuleMatcher(load_rules(path))
    hits = matcher.match_many(normalize_many(["身份证四件套", "四件套", "身份证 床四件套", "身份证很多很多很多字四件套"]))
    assert [bool(h) for h in hits] == [True, False, False, False]
