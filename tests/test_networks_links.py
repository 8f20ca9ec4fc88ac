"""Links beyond contacts: near-duplicate text and the same picture join sellers; bad images do not stop a build."""

from __future__ import annotations

import io

from PIL import Image

from findings.db import open_db
from findings.network_links import dhash, recovered_contacts
from findings.networks import build_networks, get_network
from findings.records import record_from_dict
from findings.store import Store

TEXT = "真人人脸照片和视频，五十组，稳定，可过支付宝人脸认证，正脸侧脸眨眼摇头全套动作，老客户优先，售后无忧"


def _png(shade: int, size=(64, 48)) -> bytes:
    img = Image.new("RGB", size)
    img.putdata([((x * 4 + shade) % 256, (y * 5) % 256, (x * y) % 256) for y in range(size[1]) for x in range(size[0])])
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def _add(store, n, seller, title, description=""):
    rec = record_from_dict({"platform": "classifieds_zh", "id": str(n), "url": f"https://example.invalid/{n}",
                            "title": title, "description": description, "seller_id": seller})
    return store.upsert_listings([rec], source="test").refs[("classifieds_zh", str(n))]


def test_near_duplicate_text_and_same_image_link_sellers(db_path):
    db = open_db(db_path)
    store = Store(db)
    a = _add(store, 1, "demo_seller_01", "人脸数据出售", TEXT + "。电话 13800001111")
    b = _add(store, 2, "demo_seller_02", "人脸数据 出售", TEXT + "。电话 13800002222")   # copied text, own phone
    c = _add(store, 3, "demo_seller_03", "旧手机回收", "高价回收旧手机，上门取件，当面付款，全城最快，欢迎来电咨询")
    d = _add(store, 4, "demo_seller_04", "二手自行车", "九成新山地车，自提，价格可谈，诚心要的联系")
    e = _add(store, 5, "demo_seller_05", "自行车配件", "全新车灯车铃，包邮到家，买二送一，售完即止")
    store.add_evidence(url="https://example.invalid/4.png", body=_png(0), listing_ref=d, content_type="image/png")
    big = Image.open(io.BytesIO(_png(0))).resize((128, 96))  # the same picture re-encoded larger
    out = io.BytesIO()
    big.convert("RGB").save(out, format="JPEG", quality=80)
    store.add_evidence(url="https://example.invalid/5.jpg", body=out.getvalue(), listing_ref=e, content_type="image/jpeg")
    store.add_evidence(url="https://example.invalid/bad.png", body=b"\x89PNG not really", listing_ref=c,
                       content_type="image/png")
    built = build_networks(db)
    assert sorted(n["size"] for n in built) == [2, 2]
    members = {n["kinds"] and next(iter(n["kinds"])): {m["id"] for m in get_network(db.conn, n["id"])["members"]}
               for n in built}
    assert members == {"text": {a, b}, "image": {d, e}}


def test_dhash_ignores_scale_and_rejects_garbage():
    assert dhash(b"not an image") is None
    out = io.BytesIO()
    Image.open(io.BytesIO(_png(0))).resize((256, 192)).save(out, format="PNG")
    assert (dhash(_png(0)) ^ dhash(out.getvalue())).bit_count() <= 4
    assert (dhash(_png(0)) ^ dhash(_png(90))).bit_count() > 4


def test_spaced_out_handles_are_recovered():
    assert recovered_contacts("下单前先加V d e m o _ w x _ 5 8 k b n r") == [("wechat", "demo_wx_58kbnr")]
    assert recovered_contacts("主页有v demo_wx_abcdef 谢谢") == [("wechat", "demo_wx_abcdef")]
    assert recovered_contacts("v 1 2 3 4 5 6 型号") == []


def test_naming_the_same_app_does_not_join_sellers(db_path):
    # "Telegram channels" and "WeChat accounts" are words, not a handle two sellers share: read as
    # contacts they joined every seller who wrote them into one network.
    db = open_db(db_path)
    store = Store(db)
    _add(store, 1, "demo_seller_01", "Verified WeChat accounts for sale", "aged, real-name, dm me")
    _add(store, 2, "demo_seller_02", "WeChat accounts unlocked by face", "fast, any region")
    _add(store, 3, "demo_seller_03", "ID selfie packs", "updates on our Telegram channel daily")
    _add(store, 4, "demo_seller_04", "KYC done for you", "join the Telegram channel for prices")
    a = _add(store, 5, "demo_seller_05", "人脸四件套", "加tg demo_tg_shop01")
    b = _add(store, 6, "demo_seller_06", "手持照 现货", "飞机号: demo_tg_shop01")
    assert recovered_contacts("join the Telegram channel for prices") == []
    built = build_networks(db)
    assert [n["size"] for n in built] == [2]  # only the two that share a real handle
    assert {m["id"] for m in get_network(db.conn, built[0]["id"])["members"]} == {a, b}
