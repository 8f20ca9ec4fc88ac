"""Goofish (Xianyu) mtop API answers, shaped exactly like the real captures."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

SEARCH_API = "mtop.taobao.idlemtopsearch.pc.search"
DETAIL_API = "mtop.taobao.idle.pc.detail"
USER_HEAD_API = "mtop.idle.web.user.page.head"
USER_ITEMS_API = "mtop.idle.web.xyh.item.list"
PAGE_SIZE = 30
SELLER_PAGE_SIZE = 20
OK = ["SUCCESS::调用成功"]
SESSION_EXPIRED = ["FAIL_SYS_SESSION_EXPIRED::Session过期"]
ITEM_GONE = ["FAIL_BIZ_ITEM_DEL_NOT_FOUND::您要看的宝贝不存在或已被删除啦!"]
BLOCKED = ["FAIL_SYS_USER_VALIDATE", "RGV587_ERROR::SM::哎哟喂,被挤爆啦,请稍后重试"]
NO_API = ["FAIL_SYS_API_NOT_FOUNDED::请求API不存在"]
_CN = timezone(timedelta(hours=8))


def envelope(api: str, data: dict, ret: list[str]) -> dict:
    """Wrap ``data`` the way every mtop answer is wrapped."""
    return {"api": api, "data": data, "ret": list(ret), "v": "1.0"}


def punish_url(base: str, api: str, session: str) -> str:
    """Return the captcha URL of a block, as real blocks give it (note the double slash)."""
    token = hashlib.blake2b(f"{api}|{session}".encode(), digest_size=12).hexdigest()
    return f"{base}/goofish//h5/{api}/1.0/_____tmd_____/punish?x5secdata={token}&x5step=1"


def blocked(api: str, base: str, session: str) -> dict:
    return envelope(api, {"url": punish_url(base, api, session)}, BLOCKED)


def _digest(value) -> bytes:
    return hashlib.blake2b(str(value).encode(), digest_size=8).digest()


def pic_url(base: str, item, number: int = 1) -> str:
    return f"{base}/goofish/img/bao/uploaded/i{number}/{item.seller_id}/O1CN01Sb{item.id}x{number}_!!{item.seller_id}-0-xy_item.jpg"


def avatar_url(base: str, seller) -> str:
    return f"{base}/goofish/img/avatar/{seller.id}.jpg"


def _shop_label(seller) -> dict:
    reviews = len(seller.listing_ids) * 3
    ratio = 90 + _digest(seller.id)[0] % 11
    return {"tagList": [{"data": {"content": f"{reviews}条评价"}}, {"data": {"content": f"好评率{ratio}%"}}]}


def search_row(item, seller, base: str, keyword: str, page: int, index: int) -> dict:
    """Return one ``resultList`` entry for a listing."""
    sid, digest = str(item.id), _digest(item.id)
    width, height = ("1440", "1920") if digest[0] % 2 else ("720", "1272")
    ex = {
        "area": seller.area,
        "detailParams": {"picWidth": width, "itemId": sid, "itemType": "detailCommonBuy",
                         "picHeight": height, "userNick": seller.nick, "soldPrice": item.price,
                         "isVideo": "true" if digest[1] % 5 == 0 else "false", "title": item.title},
        "fishTags": {"r2": {"tagList": [{"data": {"content": "刚刚发布" if index < 3 else "包邮"}}]}},
        "itemId": sid, "picUrl": pic_url(base, item),
        "price": [{"text": "¥"}, {"text": item.price}], "title": item.title.replace("\n", ""),
        "userAvatarUrl": avatar_url(base, seller), "userFishShopLabel": _shop_label(seller),
        "userIdentityShow": "", "userIsUseFishShopCard": False, "userNickName": seller.nick,
        "want": f"{item.want}人想要" if item.want > 5 else "",
    }
    if digest[2] % 10 == 0:
        # The trap the real data shows: oriPrice is the old price, not what it sells for.
        ex["oriPrice"] = f"¥{round(float(item.price) * 1.3)}"
    args = {"price": item.price, "id": sid, "seller_id": seller.enc_id, "displayPrice": item.price,
            "item_id": sid, "publishTime": str(item.posted_ms), "wantNum": str(item.want),
            "keyword": keyword, "page": str(page), "index": str(index)}
    target = f"fleamarket://item?id={sid}&referPageArgs={quote(keyword)}&gulSource=search"
    return {"data": {"item": {"main": {"exContent": ex,
                                        "clickParam": {"arg1": "Item", "args": args, "page": "Page_xySearchResult"},
                                        "targetUrl": target}}}}


def search_data(rows: list, has_next: bool) -> dict:
    return {"resultInfo": {"hasNextPage": has_next}, "needDecryptKeys": [], "resultList": rows}


def detail_data(item, seller, base: str) -> dict:
    """Return ``data`` of a detail answer: ``itemDO`` and ``sellerDO``."""
    created = datetime.fromtimestamp(item.posted_ms / 1000, _CN).strftime("%Y-%m-%d %H:%M:%S")
    item_do = {
        "soldCnt": 0, "soldPrice": item.price, "browseCnt": item.browse,
        "imageInfos": [{"url": pic_url(base, item, n)} for n in range(1, item.images + 1)],
        "itemId": item.id, "GMT_CREATE_DATE_KEY": created, "commonTags": [{"text": "包邮"}],
        "desc": item.description, "originalPrice": "0", "transportFee": "0.00",
        "itemStatusStr": "在线",
        "cpvLabels": [{"propertyName": "分类", "valueName": item.group},
                      {"propertyName": "成色", "valueName": "几乎全新" if item.want % 2 else "轻微使用痕迹"}], "title": item.title, "itemStatus": 0,
        "quantity": 1, "collectCnt": item.want // 2, "gmtCreate": item.posted_ms, "wantCnt": item.want,
    }
    sold = len(seller.listing_ids) * 2
    seller_do = {
        "newGoodRatioRate": f"{90 + _digest(seller.id)[0] % 11}%", "city": seller.city,
        "userRegDay": seller.reg_days, "hasSoldNumInteger": sold, "publishCity": seller.city,
        "nick": seller.nick, "sellerId": seller.id,
        "idleFishCreditTag": {"trackParams": {"sellerLevel": str(1 + _digest(seller.id)[1] % 6)}},
        "replyRatio24h": "100%", "replyInterval": "1小时", "portraitUrl": avatar_url(base, seller),
        "remarkDO": {"sellerDefaultRemarkCnt": sold // 3, "sellerGoodRemarkCnt": sold, "sellerBadRemarkCnt": 0},
        "zhimaAuth": not seller.illicit, "itemCount": len(seller.listing_ids), "uniqueName": seller.nick,
        "xianyuSummary": f"卖出过{sold}件宝贝。",
    }
    return {"itemDO": item_do, "sellerDO": seller_do}


def user_head_data(seller, base: str, count: int) -> dict:
    """Return ``data`` of the seller page head answer."""
    return {"baseInfo": {"kcUserId": str(seller.id), "encryptedUserId": seller.enc_id, "self": False},
            "module": {"base": {"displayName": seller.nick, "avatar": {"avatar": avatar_url(base, seller)},
                                "introduction": "", "ipLocation": seller.city},
                       "shop": {"level": "L1", "reviewNum": len(seller.listing_ids) * 3},
                       "tabs": {"item": {"number": count}}}}


def user_items_data(items: list, base: str, has_next: bool) -> dict:
    """Return ``data`` of one page of a seller's items."""
    cards = [{"cardType": 1003, "cardData": {
        "id": str(i.id), "title": i.title, "itemStatus": 0,
        "detailUrl": f"fleamarket://awesome_detail?itemId={i.id}",
        "priceInfo": {"preText": "¥", "price": i.price}, "picInfo": {"picUrl": pic_url(base, i)}}}
        for i in items]
    return {"cardList": cards, "nextPage": has_next}
