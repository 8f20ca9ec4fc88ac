"""The batch fast paths give exactly what the plain one-listing definitions give, on hostile input."""

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

from classifier.api import load_classifier
from classifier.contacts import _PATTERNS as CONTACT_PATTERNS
from classifier.explain import TOP_FEATURES, feature_reasons
from classifier.features import identifier_spans
from classifier.normalize import normalize, normalize_many
from classifier.offsets import BatchNormalized
from classifier.rules import RuleMatcher, load_rules
from classifier.spans import merge, near, unique_spans
from classifier.tables import sounds, syllable_table
from classifier.signals import (_TRICKS, SIGNAL_NAMES, find_contacts, find_contacts_many, listing_signals, original_text,
                                signal_entries, trick_counts)

# Characters sellers use to dodge filters, plus the batch separator and odd Unicode.
HOSTILE = list("人脸.微 信-Ｖ①②臉lian sfz4件套\u200b一三八零壹　\t\n㈱🔟vx加:q1\ue000ab身份证正反面手持照片"
               "活化视频过实名认证代解封扣扣薇企鹅号@_/|~*·•+=#&()丨・➕🪪🤳🐧✈📷0123456789wechattgt.me"
               "http www.com/s/pan出售卖收万张套元块毛5一手量大报警举报回收床被😀\u0301\ufe0f𝟙٣")
TEXT = st.text(alphabet=st.sampled_from(HOSTILE), max_size=60) | st.text(max_size=20)
RECORD = st.fixed_dictionaries({"id": st.text(max_size=3), "title": TEXT},
                               optional={"description": st.none() | TEXT,
                                         "price": st.none() | st.sampled_from(["", "0.5", "5毛", "面议", "10元/张", "1000"])})
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RULES = load_rules()


def reference_match(rules, text):
    """The rules on one normalised text, written plainly: every occurrence, then context, then merging."""
    def spans(terms):
        out = set()
        for term in terms:
            key = normalize_many([term])[0].strip()
            out |= {(m.start(), m.start() + len(key)) for m in re.finditer(f"(?={re.escape(key)})", text)} if key else set()
        return out

    def near(span, others, window):
        return any(o[0] < span[1] + window and o[1] > span[0] - window and o != span for o in others)

    fired = []
    for rule in rules:
        kept = spans(rule.terms) | {m.span() for p in rule.patterns for m in re.finditer(p, text)}
        if rule.context:
            context = spans(rule.context)
            kept = {s for s in kept if near(s, context, rule.context_window)}
        negative = spans(rule.negative)
        kept = {s for s in kept if not near(s, negative, rule.negative_window)}
        merged = []
        for start, end in sorted(kept):
            if merged and start < merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        if merged:
            fired.append((-rule.weight, rule.id, [tuple(m) for m in merged]))
    return [(rule_id, merged) for _, rule_id, merged in sorted(fired)]


@SLOW
@given(st.lists(TEXT, max_size=8))
def test_rule_matching_equals_the_plain_definition(texts):
    normalized = normalize_many(texts)
    got = RuleMatcher(RULES).match_many(normalized)
    for text, hits in zip(normalized, got):
        assert [(h.rule.id, h.spans) for h in hits] == reference_match(RULES, text)


def test_context_windows_and_merging_on_a_small_rule_set(tmp_path):
    path = tmp_path / "r.yml"
    path.write_text(
        "rules:\n  - id: t.set\n    description: d\n    category: id_kit\n    weight: 1\n"
        "    terms: [四件套, 件套, 身份证]\n    patterns: ['身份证[^床]{0,3}四件套']\n"
        "    context: {terms: [身份证, 出售], window: 4}\n"
        "    negative_context: {terms: [床], window: 2}\n", encoding="utf-8")
    rules = load_rules(path)
    texts = normalize_many(["身份证四件套", "四件套 身份证", "出售四件套四件套", "床四件套 出售", "身份证", "", "四件套"])
    got = RuleMatcher(rules).match_many(texts)
    assert [[(h.rule.id, h.spans) for h in hits] for hits in got] == [reference_match(rules, t) for t in texts]
    assert [bool(h) for h in got] == [True, True, True, False, False, False, False]


@SLOW
@given(st.lists(TEXT, max_size=8))
def test_batch_contacts_signals_and_tricks_equal_one_by_one(texts):
    normalized = normalize_many(texts)
    assert find_contacts_many(normalized) == [find_contacts(t) for t in normalized]
    records = [{"title": t, "price": p} for t, p in zip(texts, ["", "5毛", None, "面议", "1000", "0.5", "x", "1元/张"])]
    originals = [original_text(r) for r in records]
    tricks = trick_counts(originals)
    assert tricks == [len(_TRICKS.findall(t)) for t in originals]
    contacts = [find_contacts(t) for t in normalized]
    rows, cols, vals = signal_entries(records, normalized, contacts, tricks, {n: i for i, n in enumerate(SIGNAL_NAMES)})
    got = [{} for _ in texts]
    for row, col, val in zip(rows, cols, vals):
        got[row][SIGNAL_NAMES[col]] = val
    assert got == [listing_signals(r, t, c) for r, t, c in zip(records, normalized, contacts)]


def blank_contacts(text):
    """The text with every contact pattern's value and every word with an underscore replaced
    by spaces (what text features read)."""
    blank = {i for _, pattern in CONTACT_PATTERNS for m in pattern.finditer(text) for i in range(*m.span(1))}
    blank |= {i for m in re.finditer(r"[a-z0-9_]+", text) if "_" in m.group() for i in range(*m.span())}
    return "".join(" " if i in blank else ch for i, ch in enumerate(text))


@pytest.fixture(scope="module")
def classifier(trained_model):
    return load_classifier(trained_model)


@SLOW
@given(st.lists(RECORD, min_size=1, max_size=6))
def test_a_batch_classifies_each_listing_as_it_would_alone(classifier, records):
    together = classifier.classify(records)
    alone = [classifier.classify([r])[0] for r in records]
    assert together == alone


CONTACT_RECORDS = [{"id": "c1", "title": "出四件套 加微信 demo_wx_58", "description": "wangxy@example.com 微信 wangxy@example.com"},
                   {"id": "c2", "title": "qq 100001234 tg @demo_kyc_shop line demo_line_7 联系 a_b", "description": "t.me/demo_x https://pan.example.com/s/abc 13800001234 kyc"}]


@SLOW
@given(st.lists(RECORD, min_size=1, max_size=6))
@example(records=CONTACT_RECORDS)
def test_text_features_are_the_vocabulary_keys_in_the_text(classifier, records):
    features = classifier.features
    matrix = features.transform(records)
    whole = set(features.whole_words_)
    for row, text in enumerate(features.analyse(records).normalized):
        text = blank_contacts(text)
        expected = set()
        for key, col in features.vocabulary_.items():
            if key in whole:
                if re.search(f"(?<![a-z0-9]){re.escape(key)}(?![a-z0-9])", text):
                    expected.add(col)
            elif key in text:
                expected.add(col)
        cols = matrix.indices[matrix.indptr[row]:matrix.indptr[row + 1]]
        assert set(cols[cols < len(features.vocabulary_)].tolist()) == expected
        assert list(cols) == sorted(cols)  # canonical order: the model sums in it


def _rule_example_records():
    texts = sorted({t for r in RULES for key in ("match", "no_match") for t in r.examples.get(key) or []})
    return [{"id": str(i), "title": t} for i, t in enumerate(texts[::3])]


@SLOW
@given(st.lists(RECORD, min_size=1, max_size=6))
@example(records=_rule_example_records())
def test_the_models_one_scan_finds_the_rules_and_contacts_of_the_plain_definitions(classifier, records):
    # classify finds short keys by hash and long ones by Aho-Corasick in one pass over the
    # batch; the rule hits and contacts must be those of the plain one-text definitions
    # (on hostile text and on every third text of the rules' own examples)
    analysis = classifier.features.analyse(records)
    for text, hits, contacts in zip(analysis.normalized, analysis.hits, analysis.contacts):
        assert [(h.rule.id, h.spans) for h in hits] == reference_match(classifier.features.rules_, text)
        assert contacts == find_contacts(text)


@SLOW
@given(st.lists(RECORD, min_size=1, max_size=6))
def test_feature_reasons_are_the_top_contributions_of_each_row(classifier, records):
    matrix = classifier.features.transform(records)
    got = feature_reasons(matrix, classifier.coef, classifier.feature_names)
    for row in range(matrix.shape[0]):
        lo, hi = matrix.indptr[row], matrix.indptr[row + 1]
        cols = matrix.indices[lo:hi]
        contrib = matrix.data[lo:hi] * classifier.coef[cols]
        order = np.lexsort((cols, -contrib))[:TOP_FEATURES]
        assert got[row] == [{"kind": "feature", "feature": str(classifier.feature_names[cols[i]]),
                             "weight": round(float(contrib[i]), 3)} for i in order if contrib[i] > 0]


# Runs the normaliser's gated steps must still find: digits, letters and numerals with
# separators, non-ASCII digits, characters above the exact flag table.
RUNS = st.lists(st.sampled_from(["1", "4567", "-", "--", " ", "  ", "-/", "a", "bc", "x.", "三四五", "零", "٣", "𝟙",
                                  "𠀀", "人", "🀄", "\u2190"]), max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(RUNS | TEXT, max_size=8))
@example(["1--4567", "a -/b", "三四五零٣", "人  脸", "1 𝟙 2 3 4", "𠀀-𠀀 1"])  # each gate's edge, alone in its text
def test_batch_normalisation_equals_one_by_one(texts):
    batch = BatchNormalized(texts)
    for doc, text in enumerate(texts):
        single = normalize(text)
        assert batch.texts[doc] == single.text
        n = len(single.text)
        starts = [s for s in range(n) for _ in range(3)]
        ends = [min(n, s + w) for s in range(n) for w in (1, 2, 5)]
        assert batch.spans([doc] * len(starts), starts, ends) == [single.span(s, e) for s, e in zip(starts, ends)]


@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 30), st.integers(0, 6)), max_size=40),
       st.booleans())
def test_span_helpers_equal_their_plain_definitions(rows, huge):
    scale = 10 ** 9 if huge else 1  # huge offsets take the lexsort path of unique_spans
    group = np.array([g for g, _, _ in rows], dtype=np.int64)
    start = np.array([s * scale for _, s, _ in rows], dtype=np.int64)
    end = start + np.array([w for _, _, w in rows], dtype=np.int64)
    g, s, e = unique_spans(group, start, end)
    assert list(zip(g.tolist(), s.tolist(), e.tolist())) == sorted(set(zip(group.tolist(), start.tolist(), end.tolist())))
    expected = []
    for key in sorted(set(group.tolist())):
        merged = []
        for a, b in sorted({(x, y) for k, x, y in zip(g.tolist(), s.tolist(), e.tolist()) if k == key}):
            if merged and a < merged[-1][2]:
                merged[-1][2] = max(merged[-1][2], b)
            else:
                merged.append([key, a, b])
        expected += [tuple(m) for m in merged]
    mg, ms, me = merge(g, s, e)
    assert list(zip(mg.tolist(), ms.tolist(), me.tolist())) == expected
    others = [(k, a, b) for k, a, b in zip(g.tolist(), s.tolist(), e.tolist()) if (a // scale + b) % 3]
    others += [(k % 3, a // 2 * 2, b + 1) for k, a, b in zip(g.tolist(), s.tolist(), e.tolist())]
    o_group, o_start, o_end = (np.array([o[i] for o in others], dtype=np.int64) for i in range(3))
    window = np.array([(-2, 0, 1, 3, 25)[i % 5] for i in range(len(g))], dtype=np.int64)
    got = near(g, s, e, window, o_group, o_start, o_end)
    assert got.tolist() == [any(k2 == k and a2 < b + w and b2 > a - w and (a2, b2) != (a, b) for k2, a2, b2 in others)
                            for k, a, b, w in zip(g.tolist(), s.tolist(), e.tolist(), window.tolist())]


def test_context_words_repeated_thousands_of_times_stay_cheap(tmp_path):
    path = tmp_path / "r.yml"
    path.write_text("rules:\n  - id: t.set\n    description: d\n    category: id_kit\n    weight: 1\n"
                    "    terms: [四件套]\n    context: {terms: [身份证], window: 5}\n", encoding="utf-8")
    text = normalize_many(["身份证四件套 " * 30000])[0]  # 900 million (term, context) pairs if paired up
    hits = RuleMatcher(load_rules(path)).match_many([text])[0]
    assert [(h.rule.id, len(h.spans)) for h in hits] == [("t.set", 30000)]


@pytest.mark.parametrize("other,is_near", [((5, 7), False), ((5, 8), True), ((15, 20), False), ((14, 20), True),
                                           ((10, 12), False), ((0, 30), True)])
def test_near_window_edges(other, is_near):
    one = np.array([0], dtype=np.int64)
    got = near(one, np.array([10]), np.array([12]), np.array([3]), one, np.array([other[0]]), np.array([other[1]]))
    assert got.tolist() == [is_near]


@given(st.text(alphabet=st.characters(min_codepoint=0x4DF0, max_codepoint=0xA010) | st.characters(), max_size=30))
def test_sounds_equal_the_syllable_table_translation(text):
    assert sounds(text) == text.translate(syllable_table())


@given(st.text(alphabet=st.sampled_from(list("ab1_ -人.@é")), max_size=40))
@example("a_b demo_wx_58 __ x_ _y 人_脸 é_a")
def test_identifier_spans_are_the_words_with_an_underscore(text):
    expected = [m.span() for m in re.finditer(r"[a-z0-9_]+", text) if "_" in m.group()]
    assert identifier_spans(text) == expected
