"""Normalisation undoes sellers' evasions and keeps a map back to the original text."""

import pytest
from hypothesis import given, settings, strategies as st

from classifier.normalize import normalize, normalize_many, normalize_many_tracked, normalize_text

EVASIONS = {
    "人.脸数据": "人脸数据",
    "人 脸 照 片": "人脸照片",
    "微-信解封": "微信解封",
    "威信 demo_wx_123": "微信 demo_wx_123",
    "加V了解": "加微信了解",
    "绿泡泡联系": "微信联系",
    "扣扣①⓪⓪⓪⓪①②③④": "qq100001234",
    "企鹅号": "qq号",
    "臉照活化": "脸照活化",
    "lian照": "脸照",
    "renlian": "人脸",
    "sfz正反面": "身份证正反面",
    "身分证": "身份证",
    "肆件套": "四件套",
    "4件套": "四件套",
    "ＳＦＺ": "身份证",
    "人\u200b脸": "人脸",
    "一三八零零零零一二三四": "13800001234",
    "實名認證": "实名认证",
    "🅥🅧": "微信",
    "s.f.z 手持": "身份证手持",
    "Shuā liǎn": "刷脸",  # tone-mark pinyin
    "ren lian zhao pian": "人脸照片",  # spaced full pinyin
    "shen-fen-zheng": "身份证",
    "🪪正反面+🤳": "身份证正反面自拍",  # emoji instead of the words
    "f@ce pics, h0lding 1D": "face pics, holding 1d",  # leetspeak inside any English word
    "l!veness ch3ck b!o v!rtual c@m": "liveness check bio virtual cam",
    "cr¥pto acc0unts, p@ssp0rt sc@ns": "crypto accounts, passport scans",
    "d r 0 p s": "drops",
    "c4m sp00f, r00t, n33d": "cam spoof, root, need",
    "𝐒𝐞𝐥𝐟𝐢𝐞 𝐰𝐢𝐭𝐡 𝐈𝐃, 𝓿𝓮𝓻𝓲𝓯𝓲𝓮𝓭 𝕂𝕐ℂ": "selfie with id, verified kyc",  # "fancy font" alphabets
    "ꜱᴇʟꜰɪᴇ ᴡɪᴛʜ ɪᴅ": "selfie with id",  # small capitals
    "ΚΥC ραss": "kyc pass",  # Greek look-alikes
}


def test_evasions_are_undone():
    for raw, expected in EVASIONS.items():
        assert normalize_text(raw) == expected, raw


def test_ordinary_text_keeps_its_words():
    assert normalize_text("全棉床上四件套 1.8m") == "全棉床上四件套 1.8m"
    assert normalize_text("Selfie stick, 2 pcs") == "selfie stick, 2 pcs"
    assert normalize_text("fake_v_888") == "fake_v_888"  # a handle is not "加V"
    assert normalize_text("renting a van") == "renting a van"  # no pinyin read into English words
    # model numbers, emails and handles are not leetspeak
    assert normalize_text("iPhone13Pro Sony A7R PS4 vivoX21s X100V") == "iphone13pro sony a7r ps4 vivox21s x100v"
    assert normalize_text("sales@example.com @demo_01 t.me/demo") == "sales@example.com @demo_01 t.me/demo"


def test_offsets_point_back_to_the_original():
    raw = "出售 人.臉 四件套，加Ｖ：demo"
    norm = normalize(raw)
    start = norm.text.index("人脸")
    assert norm.original_text(start, start + 2) == "人.臉"
    start = norm.text.index("微信")
    assert norm.original_text(start, start + 2) == "Ｖ"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalisation_is_idempotent_and_total(text):
    once = normalize(text)
    assert normalize_text(once.text) == once.text
    assert normalize_text(text) == once.text
    assert len(once.starts) == len(once.text) == len(once.ends)
    for a, b in zip(once.starts, once.ends):
        assert 0 <= a < b <= len(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcdeilosz0134579@$!¥ ._-/:人脸", max_size=30))
def test_leetspeak_undoing_is_idempotent_and_keeps_offsets(text):
    once = normalize(text)
    assert normalize_text(once.text) == once.text
    assert normalize_many([text, text]) == [once.text, once.text]
    (batch,) = normalize_many_tracked([text])
    assert (batch.text, batch.starts, batch.ends) == (once.text, once.starts, once.ends)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=40), max_size=6))
def test_batch_normalisation_matches_one_by_one(texts):
    assert normalize_many(texts) == [normalize_text(t) for t in texts]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=40), max_size=6))
def test_batch_offsets_match_one_by_one(texts):
    for batch, hinted, single in zip(normalize_many_tracked(texts),
                                     normalize_many_tracked(texts, normalize_many(texts)), map(normalize, texts)):
        assert (batch.text, batch.starts, batch.ends) == (single.text, single.starts, single.ends)
        assert (hinted.text, hinted.starts, hinted.ends) == (single.text, single.starts, single.ends)


@pytest.mark.parametrize("text, expected", [
    ("fаce dаtа, аll аges", "face data, all ages"),      # Cyrillic а inside English words
    ("ⅼіvеnеѕѕ tool", "liveness tool"),                  # Roman numeral ⅼ, Cyrillic і е ѕ
    ("v1rtu4l c4m + 1nj3ct", "virtual cam + inject"),    # leetspeak of key words
    ("b1n4nc3 4cct5 l3v3l 2", "binance accts level 2"),
])
def test_homoglyphs_and_leetspeak_are_undone(text, expected):
    assert normalize_text(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("verified acc*unts, v**ified s#lfie", "verified accounts, verified selfie"),  # a letter starred out
    ("binance acc*ounts", "binance accounts"),                                    # a star put in
    ("veri-fied, live.ness by-pass, self ie pack", "verified, liveness bypass, selfie pack"),  # split in two
])
def test_starred_and_split_key_words_are_joined(text, expected):
    norm = normalize(text)
    assert norm.text == expected
    start = norm.text.index(expected.split()[1])
    assert norm.original_text(start, start + len(expected.split()[1])) == text.split()[1]


def test_two_real_words_are_not_read_as_a_split_key_word():
    text = "entry by pass only, the cam era, pho to go, face-swap app, photo-shoot, rated 4*, c*"
    assert normalize_text(text) == text
    # A dot before a path is a domain in a link, kept whole so the link stays a link.
    link = "album at pho.to/demo123 and live.ness/faq"
    assert normalize_text(link) == link
    assert normalize(link).text == link


def test_leetspeak_leaves_handles_and_numbers_alone():
    text = "wx demo_wx_123, qq 100001234, 4k camera, covid19 test"
    assert normalize_text(text) == "微信 demo_wx_123, qq 100001234, 4k camera, covid19 test"


@pytest.mark.parametrize("text, expected", [
    ("伸纷证 正饭面", "身份证正反面"),
    ("手池伸纷证", "手持身份证"),
    ("微心 解风", "微信解封"),
    ("戴锅仁脸 支负宝", "代过人脸支付宝"),
])
def test_same_sounding_characters_become_the_key_term(text, expected):
    assert normalize_text(text) == expected


def test_characters_split_into_their_parts_are_joined():
    normalized = normalize("加微亻言 照片活ィ匕 手持身イ分讠正")
    assert normalized.text == "加微信照片活化手持身份证"
    start = normalized.text.index("活化")
    assert normalized.original_text(start, start + 2) == "活ィ匕"  # the seller's own spelling, for the reason
    # pairs of real characters that look like split parts stay: 每月金额 is not 每脸额
    assert normalize_text("每月金额, 石马村, 上下铺") == "每月金额, 石马村, 上下铺"


def test_everyday_words_that_share_a_sound_are_left_alone():
    # 十名/实名, 食品/视频, 火花/活化, 黑咖/黑卡, 带过/代过, 人练/人脸, 手吃/手持: too common to rewrite
    text = "前十名 食品 火花塞 黑咖啡 带过去 成人练字 快手吃播"
    assert normalize_text(text) == "前十名食品火花塞黑咖啡带过去成人练字快手吃播"


def test_homophone_spans_point_at_the_sellers_characters():
    norm = normalize("出 伸纷证 正饭面")
    start = norm.text.index("身份证")
    assert norm.original_text(start, start + 3) == "伸纷证"
