"""Contact extraction finds off-platform handles, obfuscated forms included."""

from classifier.contacts import _PATTERNS, extract_contacts
from classifier.literals import required_sets


def kinds(text):
    return {(c["kind"], c["value"]) for c in extract_contacts(text)}


def test_finds_each_kind_of_contact():
    assert ("wechat", "demo_wx_123") in kinds("加V: demo_wx_123")
    assert ("wechat", "fake_v_888") in kinds("威信 fake_v_888")
    assert ("qq", "100001234") in kinds("扣扣①⓪⓪⓪⓪①②③④")
    assert ("phone", "13800001234") in kinds("电话 138 0000 1234")
    assert ("phone", "13800001234") in kinds("手机 一三八零零零零一二三四")
    assert ("telegram", "demo_kyc_shop") in kinds("DM @demo_kyc_shop")
    assert ("telegram", "demo_kyc_shop") in kinds("飞机号: demo_kyc_shop")
    assert ("email", "demo@example.com") in kinds("mail demo@example.com")
    assert ("netdisk", "pan.example.com/s/abcd") in kinds("网盘 https://pan.example.com/s/abcd 提取码 1234")
    assert ("url", "www.example.com/shop") in kinds("see www.example.com/shop")


def test_raw_is_the_sellers_own_text():
    (contact,) = extract_contacts("扣扣①⓪⓪⓪⓪①②③④")
    assert contact["raw"] == "①⓪⓪⓪⓪①②③④"


def test_plain_listings_have_no_contacts():
    assert extract_contacts("全棉床上四件套 1.8m床 包邮") == []
    assert extract_contacts("iPhone 13 手机壳 5.4寸 2 pcs") == []
    assert extract_contacts("") == []


def test_tg_inside_a_word_is_not_telegram():
    # a card game, not a handle; handles after a real "TG" or "telegram" still are
    assert extract_contacts("MTG Commander collection, 12 decks") == []
    assert extract_contacts("Selling mtg commons bulk lot") == []
    assert kinds("TG: demo_kyc_shop") == {("telegram", "demo_kyc_shop")}
    assert kinds("加tg demo_kyc_shop 发货") == {("telegram", "demo_kyc_shop")}
    assert kinds("contact telegram demo_kyc_shop") == {("telegram", "demo_kyc_shop")}
    # the word check must not cost the pattern its literal gate (every text holding a "t" would pass)
    (pattern,) = [p for kind, p in _PATTERNS if kind == "telegram" and "tg" in p.pattern]
    assert required_sets(pattern.pattern) == [["telegram", "tg", "电报", "纸飞机", "飞机"]]


def test_spaced_out_handles_and_a_bare_v_before_a_handle():
    assert [(c["kind"], c["value"]) for c in extract_contacts("下单前先加V d e m o _ w x _ 5 8 k b n r")] == \
        [("wechat", "demo_wx_58kbnr")]
    assert [(c["kind"], c["value"]) for c in extract_contacts("主页有v demo_wx_abcdef 谢谢")] == \
        [("wechat", "demo_wx_abcdef")]
    assert extract_contacts("复古vintage风格 v 1 2 3 4 5 6 型号, 1 2 days") == []


def test_an_english_word_after_the_apps_name_is_not_a_handle():
    # Reports and warnings name the apps ("63 Telegram channels", "WeChat accounts frozen"):
    # read as contacts, they gave the text one of the strongest offer signals it can carry.
    assert extract_contacts("analysts tracked 63 Telegram channels selling ID selfies") == []
    assert extract_contacts("Overseas users had WeChat accounts frozen after a face check") == []
    assert extract_contacts("found a TG group selling SIMs") == []
    assert extract_contacts("遥控飞机 boeing 747 航模 全新") == []
    # a handle still reads as one after a colon, 号, "@", written straight on, or with a digit or "_"
    assert kinds("Telegram: demoshop") == {("telegram", "demoshop")}
    assert kinds("飞机号 demoshop") == {("telegram", "demoshop")}
    assert kinds("tg @demoshop") == {("telegram", "demoshop")}
    assert kinds("微信zhangsan 备注来意") == {("wechat", "zhangsan")}
    assert kinds("加微信 zhangsan88") == {("wechat", "zhangsan88")}
    assert kinds("微信 13800001234") == {("wechat", "13800001234")}
