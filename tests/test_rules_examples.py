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


def test_english_terms_start_a_word_and_short_ones_are_whole_words():
    # Keys match without a word boundary on the right (plurals, "kyc'd"), but a key that
    # starts with a letter must start a word: "id pack" is not in "paid packages".
    assert not fires("idk.en_id_pack", "Paid packages for the trip include hotel and breakfast")
    assert not fires("idk.en_id_pack", "Bride + 3 maids packages, hair and makeup")
    assert not fires("idk.en_id_pack", "Fresh squid packs, frozen, 1kg")
    assert not fires("ctx.consent", "cleaning for airbnb hosts, same-day turnover")
    assert fires("ctx.consent", "paid study, IRB approved, you can withdraw anytime")
    # A short word must be whole (a plural "s" may follow): the skincare "spa" that cancels a
    # face-data hit is not in "Spanish", and "psa" is not in "psalm".
    assert fires("fd.en_face_data", "Spanish faces pack, real people, 300 persons")
    assert not fires("fd.en_face_data", "faces pack for the spas, skin care models")
    assert not fires("ctx.warning", "psalm 23 wall art print")
    # A phrase ending in a one- or two-letter word ends with it: "holding id" is not in "holding
    # identity", "dm me" not in "dm meeting"; the plural still counts.
    assert not fires("idk.en_id_pack", "Selfie holding identity-theft awareness sign, poster print")
    assert not fires("idk.en_id_pack", "Selfie w/ identity-theft awareness sign, poster print")
    assert fires("idk.en_id_pack", "selfie w/ ID, 100 sets, bulk")
    assert fires("idk.en_id_pack", "selfie holding ID, 100 sets, bulk")
    assert fires("idk.en_id_pack", "selfies holding IDs, bulk")
    assert not fires("sig.dm", "DM meeting notes template, printable planner")
    assert fires("sig.dm", "fresh stock, dm me")
    # After Chinese, a digit or punctuation a Latin key still starts a word.
    assert fires("idk.en_id_pack", "出售selfie with id 一百套")
    assert fires("idk.en_id_pack", "500selfies with ids, bulk")
    assert fires("idk.en_id_pack", "(id pack) 50 sets")
    # Crawled text may hold a lone surrogate (from JSON "\\ud800"): still matched, no crash.
    assert fires("idk.en_id_pack", "buy selfies with ids \ud800 bulk")


def test_inner_words_of_english_terms_match_in_the_plural():
    # "selfie with id" also reads "selfies with IDs", not only "selfie with ids".
    assert fires("idk.en_id_pack", "Got a bunch of selfies w/ IDs from my old job, bulk price")
    assert fires("idk.en_id_pack", "Selfies with IDs, mixed countries, 500 per batch")
    assert fires("fd.en_face_data", "Elderly faces pack (60+) - 300 clips, real people")
    # Function words stay singular, and Chinese terms have no plural.
    assert MATCHER.keys.count("selfies with id") == 1
    assert "selfie withs id" not in MATCHER.keys
