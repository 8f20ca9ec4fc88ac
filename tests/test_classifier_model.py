"""The trained model: held-out quality, robustness to evasions, explanations, determinism."""

import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from classifier.api import Classifier, load_artifact
from classifier.dataset import load_labelled, split
from classifier.evaluate import CORPUS_FILES, SHARED_CORPUS, corpus_report, evaluate_rows
from classifier.rules import CATEGORIES
from classifier.signals import trick_counts
from classifier.train import train

POSITIVES = [
    {"id": "p1", "title": "出售人脸四件套 身份证正反面+手持", "description": "全套 懂的来"},
    {"id": "p2", "title": "照片活化软件 眨眼张嘴摇头", "description": "一张照片过人脸认证 网盘发货"},
    {"id": "p3", "title": "专业代过人脸 微信解封", "description": "不过不收费"},
    {"id": "p4", "title": "已实名微信号出售 可过脸", "description": "老号 稳定"},
]
SEPARATORS = [" ", ".", "-", "\u200b", "*", "·"]


@pytest.fixture(scope="session")
def trained(trained_model):
    """The session's model (conftest), trained once from the repository's data."""
    artifact = load_artifact(trained_model)
    return artifact["meta"], Classifier(artifact)


def test_every_category_has_training_examples():
    rows = load_labelled()
    for category in CATEGORIES:
        assert sum(1 for r in rows if r.get("category") == category) >= 20, category
    assert sum(1 for r in rows if r["label"] == 0 and r.get("hard_negative")) >= 50


def test_held_out_f1(trained):
    meta, clf = trained
    _, holdout = split(load_labelled())
    report = evaluate_rows(clf, holdout)
    # The held-out fifth includes rows by eighty authors; since round 4 (new authors in new
    # voices) it is harder than it was, and the 0.97 is not met (README: classifier).
    # A regression guard: the keyword baseline scores 0.44 here.
    assert report["overall"]["f1"] >= 0.94, report["overall"]
    assert report["overall"]["f1"] > report["baseline"]["f1"] + 0.2
    assert report["hard_negatives"]["flagged_rate"] <= 0.05
    assert meta["metrics"]["f1"] == report["overall"]["f1"]
    # Offers with an honest listing's text appended (cover text): every held-out offer and look-alike
    # is measured (each language has ordinary listings), and the cover costs recall -- 0.94 -> 0.68
    # with this model (README); a guard against it getting worse, not a target.
    cover = report["cover_text"]
    offers = sum(r["label"] for r in holdout)
    assert (cover["offers"], cover["recall"]) == (offers, report["overall"]["recall"])
    assert cover["hard_negatives"] == report["hard_negatives"]["n"]
    assert cover["recall_with_cover"] >= 0.6, cover


def _is_chinese(row: dict) -> bool:
    text = row["title"] + (row.get("description") or "")
    return sum("\u4e00" <= ch <= "\u9fff" for ch in text) > 0.1 * len(text)


def test_ordinary_listings_are_left_alone(trained):
    """Held-out listings that are neither offers nor use the trade's words (a bike, frozen food,
    a bulk lot of phone cases) are almost never flagged, in English as in Chinese: an analyst's
    queue full of them would be ignored. Before round 20 the model flagged 1.6% of English ones.
    Round 25 put harder ones in the split, ordinary listings that end "pm if serious" or "DM to
    order" (7 of 455 English ones flagged, 1.54%); after round 26 (store titles) 5 of 507."""
    _, clf = trained
    _, holdout = split(load_labelled())
    for chinese in (False, True):
        rows = [r for r in holdout if r["label"] == 0 and not r.get("hard_negative") and _is_chinese(r) == chinese]
        flagged = [r["id"] for r, out in zip(rows, clf.classify(rows)) if out["label"]]
        assert len(rows) >= 150
        assert len(flagged) <= 0.015 * len(rows), (chinese, flagged)


def test_a_penguin_is_not_a_qq_number(trained):
    """企鹅 (and 🐧) is sellers' code for QQ only with a number or 加 beside it; penguin toys, bags
    and books are not pushes off-platform. Before, every 企鹅 counted as an evasion trick and 🐧
    (read as 企鹅) fired sig.offplatform: a penguin crossbody bag scored 0.80."""
    _, clf = trained
    products = [{"id": f"p{i}", "title": t} for i, t in enumerate(
        ["秋田满满企鹅包 斜挎包", "企鹅vip 会员", "企鹅出版社 英文原版 小说 二手", "企鹅玩偶 毛绒公仔 30cm"])]
    offers = [{"id": f"o{i}", "title": t} for i, t in enumerate(
        ["四件套 各地都有 🐧 ①⓪⓪⓪⓪⑥⑥⑥⑦", "手持照 正反面 企鹅一零零零零五七九四八"])]
    for out in clf.classify(products):
        assert out["label"] == 0, out
        assert not any(r.get("rule_id") == "sig.offplatform" for r in out["reasons"]), out
    for out in clf.classify(offers):
        assert out["label"] == 1, out
        assert any(r.get("rule_id") == "sig.offplatform" for r in out["reasons"]), out
    assert trick_counts(["秋田满满企鹅包", "加企鹅 看主页", "企鹅：１０００８６"]) == [0, 1, 1]


def test_everyday_closing_phrases_are_not_offers(trained):
    """How sellers ask buyers to get in touch (有需要的私聊, 需要的拍, DM if interested) is how
    everybody ends a listing; what is sold decides. Before round 25 the phrases appeared almost
    only in offers: "闲置瑜伽垫 有需要的朋友私聊" scored 0.94 and "有需要的私聊" alone 0.999."""
    _, clf = trained
    # Not the examples the data authors were shown (a yoga mat, cat food, eggs; round 28c's
    # brief named rice cookers and microwaves, so those are no longer probes here).
    ordinary = ["家里多的一把折叠椅 便宜出 感兴趣的话私信", "闲置尤克里里 送琴包 有意的戳我", "出闲置儿童自行车，有需要的私聊", "考研数学全套笔记 需要的拍",
                "自家种的砂糖橘 量大从优 有需要的联系", "Used mountain bike, DM if interested", "Textbooks bundle, hmu, PM for price"]
    offers = ["出 身份证正反面+手持 有需要的私聊", "照片活化 眨眼摇头 需要的拍", "Selfie with ID packs, DM if interested"]
    scored = clf.classify([{"id": str(i), "title": t} for i, t in enumerate(ordinary + offers)])
    assert [out["label"] for out in scored] == [0] * len(ordinary) + [1] * len(offers), \
        [(t, out["score"]) for t, out in zip(ordinary + offers, scored)]


def test_a_lone_surrogate_does_not_break_the_batch(trained):
    """Crawled JSON can carry a lone surrogate ("\\ud800"); the listing is scored like any other
    and the rest of the batch is untouched. The rule matcher's word-boundary check once encoded
    the batch to UTF-32 strictly and raised on it, losing the whole batch."""
    _, clf = trained
    rows = [{"id": "s", "title": "buy selfies with ids \ud800 bulk, telegram @demo_kyc_shop"}] + POSITIVES
    out = clf.classify(rows)
    assert [o["id"] for o in out] == ["s"] + [p["id"] for p in POSITIVES]
    assert any(r.get("rule_id") == "idk.en_id_pack" for r in out[0]["reasons"])
    # scored as the same text without the surrogate is: the character changes nothing
    plain = clf.classify([{"id": "s", "title": rows[0]["title"].replace("\ud800", "")}])[0]
    assert (out[0]["score"], out[0]["label"]) == (plain["score"], plain["label"])
    assert out[1:] == clf.classify(POSITIVES)


def test_result_shape_order_and_json(trained):
    _, clf = trained
    records = POSITIVES + [{"id": "n1", "title": "全棉床上四件套 纯棉被套", "price": "¥199"}]
    results = clf.classify(records)
    assert [r["id"] for r in results] == [r["id"] for r in records]
    for res in results:
        assert set(res) == {"id", "score", "label", "category", "reasons", "contacts"}
        assert 0.0 <= res["score"] <= 1.0
        json.dumps(res)
    assert [r["label"] for r in results] == [1, 1, 1, 1, 0]
    assert [r["category"] for r in results[:4]] == ["id_kit", "photo_activation", "verification_bypass",
                                                   "realname_account"]
    assert results[4]["category"] is None


def test_reasons_point_at_the_sellers_text(trained):
    _, clf = trained
    record = {"id": "x", "title": "出 售 人.臉 肆件套", "description": "加V: demo_wx_123"}
    (res,) = clf.classify([record])
    rules = [r for r in res["reasons"] if r["kind"] == "rule"]
    assert any(r["rule_id"] == "idk.four_piece_set" for r in rules)
    for reason in rules:
        for span in reason["spans"]:
            assert record[span["field"]][span["start"]:span["end"]] == span["text"]
    assert {"kind": "wechat", "value": "demo_wx_123"} in res["contacts"]
    assert any(r["kind"] == "feature" for r in res["reasons"])


def test_the_letters_of_a_contact_handle_do_not_move_the_score(trained):
    # A handle is whatever the seller picked: the model sees that a contact is there, not
    # its letters (the training data's fake handles must not become offer words).
    _, clf = trained
    offers = [("出四件套 正反手持 加V {}", "微信号 {}"), ("照片活化 过人脸 tg @{}", "qq {}"),
              ("Selfie with ID packs, DM @{}", "mail {}@example.com"), ("全套现货 line {}", "联系 {}")]
    handles = [("demo_wx_58", "100001234"), ("lin_x8821", "273918440"), ("fake_v_888", "556677889")]
    for title, description in offers:
        scores = set()
        for handle, number in handles:
            text = description.format(number if "qq" in description else handle)
            (res,) = clf.classify([{"id": "h", "title": title.format(handle), "description": text}])
            scores.add(res["score"])
        assert len(scores) == 1, (title, scores)


def _fancy(text: str, style: str) -> str:
    small = dict(zip("abcdefghijklmnoprstuvwyz", "ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘʀꜱᴛᴜᴠᴡʏᴢ"))
    out = []
    for ch in text:
        if style == "bold" and ch.isascii() and ch.isalpha():
            ch = chr((0x1D41A + ord(ch) - 97) if ch.islower() else (0x1D400 + ord(ch) - 65))
        elif style == "small capitals":
            ch = small.get(ch.lower(), ch)
        out.append(ch)
    return "".join(out)


def test_fancy_font_letters_read_as_plain_letters(trained):
    """Telegram and social sellers write titles in "fancy font" alphabets (𝐒𝐞𝐥𝐟𝐢𝐞, ꜱᴇʟꜰɪᴇ) that
    keyword filters cannot read. They must score as the plain text does: before, bold titles
    hid half of the held-out English offers (recall 0.91 -> 0.54). Benign shops use these fonts
    too, so a fancy font is style, not an evasion trick."""
    _, clf = trained
    offers = [{"id": "e1", "title": "Selfie with ID packs, verified KYC, DM for prices"},
              {"id": "e2", "title": "Liveness bypass tool, virtual camera + tutorial"},
              {"id": "e3", "title": "Verified Binance accounts with ID photos, bulk"}]
    shops = [{"id": "s1", "title": "NEW ARRIVAL vintage denim jacket, size M"},
             {"id": "s2", "title": "Handmade soy candles, free local pickup"}]
    plain = [r["score"] for r in clf.classify(offers + shops)]
    assert all(s >= 0.55 for s in plain[:3]) and all(s < 0.55 for s in plain[3:]), plain
    for style in ("bold", "small capitals"):
        fancy = [r["score"] for r in clf.classify([dict(r, title=_fancy(r["title"], style)) for r in offers + shops])]
        assert fancy == pytest.approx(plain, abs=1e-9), style


def _obfuscate(text, data):
    out = []
    for ch in text:
        if "\u4e00" <= ch <= "\u9fff" and data.draw(st.booleans()):
            ch = ch + data.draw(st.sampled_from(SEPARATORS))
        elif "!" <= ch <= "~" and data.draw(st.booleans()):
            ch = chr(ord(ch) + 0xFEE0)  # full-width form
        out.append(ch)
    return "".join(out)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_inserted_separators_keep_offers_positive(trained, data):
    _, clf = trained
    record = data.draw(st.sampled_from(POSITIVES))
    noisy = {**record, "title": _obfuscate(record["title"], data),
             "description": _obfuscate(record["description"], data)}
    assert clf.classify([noisy])[0]["label"] == 1, noisy


def test_training_is_deterministic(trained, tmp_path):
    meta, clf = trained
    again = train(out_path=tmp_path / "again.joblib")
    assert again["version"] == meta["version"]
    other = Classifier(load_artifact(tmp_path / "again.joblib"))
    _, holdout = split(load_labelled())
    assert [r["score"] for r in other.classify(holdout[:200])] == [r["score"] for r in clf.classify(holdout[:200])]


def test_real_retail_titles_and_xianyu_listings_are_left_alone(trained):
    """The issue's bar for real text: at most 0.2% of real retail product titles flagged.

    Measured on text no one on the project wrote (``../shared/corpus``, evaluation only,
    present in CI): 10,000 real JD titles; JD titles holding a collision word (四件套, 手持,
    摄像头, 人脸 ...), held to 0.5% since every one of them is a hard case; and real Xianyu
    listing texts (title and description, in the market's own voice), held to one of 91.
    """
    if not all((SHARED_CORPUS / CORPUS_FILES[name][0]).exists()
               for name in ("jd_titles_A", "jd_titles_B_collisions", "xianyu_listing_texts")):
        pytest.skip(f"{SHARED_CORPUS} is absent")
    _, clf = trained
    report = corpus_report(clf)
    assert report["jd_titles_A"]["n"] == 10_000
    assert report["jd_titles_A"]["flagged_rate"] <= 0.002, report["jd_titles_A"]["flagged_examples"]
    assert report["jd_titles_B_collisions"]["flagged_rate"] <= 0.005, report["jd_titles_B_collisions"]["flagged_examples"]
    xianyu = report["xianyu_listing_texts"]
    assert xianyu["n"] >= 90 and xianyu["flagged_rate"] * xianyu["n"] <= 1, xianyu["flagged_examples"]


def test_real_text_hand_labels_give_recall_and_are_ignored_once_the_text_changes(trained, tmp_path, caplog):
    import hashlib
    _, clf = trained
    lines = ["出售 四件套 一手 飞机 demo_tg_01", "卖黑卡 一张八十 私", "", "前几天群里有人用黑卡被抓了", "早上好"]
    corpus, labels = tmp_path / "corpus", tmp_path / "labels"
    corpus.mkdir(), labels.mkdir()
    text = corpus / "tumcc_identity_sim_account_lines.txt"
    text.write_text("\n".join(lines) + "\n", encoding="utf-8")
    digest = hashlib.sha256(text.read_bytes()).hexdigest()
    (labels / "tumcc_identity_sim_account_lines.tsv").write_text(
        f"# sha256 {digest}\nline\tlabel\n0\t1\n1\t1\n2\t0\n3\t0\n", encoding="utf-8")
    flagged = [r["label"] for r in clf.classify([{"id": str(i), "title": t} for i, t in enumerate(x for x in lines if x)])]
    report = corpus_report(clf, corpus, labels_dir=labels)["tumcc_chat_lines"]
    hand = report["labelled"]
    assert (hand["offers"], hand["others"]) == (2, 2)
    assert hand["recall"] == sum(flagged[:2]) / 2
    assert hand["others_flagged_rate"] == sum(flagged[2:]) / 2
    text.write_text("\n".join(lines[1:]) + "\n", encoding="utf-8")  # a line dropped: indices shift
    report = corpus_report(clf, corpus, labels_dir=labels)["tumcc_chat_lines"]
    assert "labelled" not in report and report["n"] == 3
    assert "sha256 mismatch" in caplog.text and "tumcc_identity_sim_account_lines.tsv" in caplog.text
