"""Batch normalisation (the classifier's fast path) equals normalising one text at a time, offsets included."""

from hypothesis import given, settings, strategies as st

from classifier.normalize import normalize
from classifier.offsets import BatchNormalized

TRICKY = st.text(alphabet=st.sampled_from(list("人.脸 微-信Ｖ①②臉lian sfz4件套\u200b🅥一三八零壹　\t\n㈱🔟vx加:q1\ue000ab")),
                 max_size=30)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=30), TRICKY), max_size=6))
def test_batch_texts_and_spans_match_one_by_one(texts):
    batch = BatchNormalized(texts)
    for doc, text in enumerate(texts):
        single = normalize(text)
        assert batch.texts[doc] == single.text
        n = len(single.text)
        for start in range(n + 1):
            for end in range(start, min(n, start + 4) + 1):
                assert batch.span(doc, start, end) == single.span(start, end)


def test_offsets_point_back_to_the_seller_text():
    batch = BatchNormalized(["全棉四件套", "出售 人.臉 四件套，加Ｖ：demo"])
    text = batch.texts[1]
    start = text.index("人脸")
    a, b = batch.span(1, start, start + 2)
    assert "出售 人.臉 四件套，加Ｖ：demo"[a:b] == "人.臉"
