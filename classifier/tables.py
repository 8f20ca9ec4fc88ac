"""Character and spelling tables that the normaliser applies (built once, cached)."""

from __future__ import annotations

import functools
import unicodedata

import numpy as np
import opencc

# Private-use character that joins documents in batch normalisation; never kept in text.
DOC_SEP = "\ue000"

ZERO_WIDTH = "\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u20e3"

CAPITAL_NUMERALS = {"壹": "一", "贰": "二", "貳": "二", "叁": "三", "參": "三", "肆": "四",
                    "伍": "五", "陆": "六", "陸": "六", "柒": "七", "捌": "八", "玖": "九", "拾": "十",
                    "〇": "零", "幺": "一"}

CHINESE_DIGITS = {"零": "0", "一": "1", "二": "2", "两": "2", "三": "3", "四": "4", "五": "5",
                  "六": "6", "七": "7", "八": "8", "九": "9"}

# Symbols sellers use as letters or digits that NFKC leaves alone.
_EXTRA = {"➕": "+", "✚": "+", "🔟": "10", "⓪": "0", "⓿": "0", "〇": "零"}

# Cyrillic and Greek letters that look like Latin ones ("fаce dаtа" with Cyrillic а): sellers
# mix them into English words so a filter's string never matches.
# Pairs, so a letter missing on one side cannot shift the rest (it once read τ as v and υ as t);
# Greek capitals are mapped before lower-casing: Η is h, not η → n.
CONFUSABLES = dict(pair.split("=") for pair in (
    "а=a е=e о=o р=p с=c у=y х=x і=i ј=j ѕ=s ԁ=d һ=h ӏ=l ԛ=q ԝ=w ѵ=v к=k м=m т=t в=b н=h "
    "α=a ο=o ε=e ρ=p ι=i κ=k η=n ν=v τ=t υ=u χ=x "
    "Α=a Β=b Ε=e Ζ=z Η=h Ι=i Κ=k Μ=m Ν=n Ο=o Ρ=p Τ=t Υ=y Χ=x").split())

# Small capitals from "fancy font" generators ("ꜱᴇʟꜰɪᴇ ᴡɪᴛʜ ɪᴅ"), which NFKC leaves alone. The
# mathematical alphabets (𝐬𝐞𝐥𝐟𝐢𝐞, 𝓼𝓮𝓵𝓯𝓲𝓮, 𝕤𝕖𝕝𝕗𝕚𝕖) NFKC does fold: char_table covers their block.
SMALL_CAPITALS = dict(zip("ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘʀꜱᴛᴜᴠᴡʏᴢ", "abcdefghijklmnoprstuvwyz"))

# Emoji sellers write instead of the words a filter looks for ("🪪正反+🤳", "🐧123…", "✈️@…").
EMOJI_WORDS = {"🪪": "身份证", "🤳": "自拍", "🐧": "企鹅", "✈": "飞机", "🛩": "飞机", "🛫": "飞机",
               "📷": "照片", "📸": "照片", "🎥": "视频", "📹": "视频", "📽": "视频", "💳": "银行卡",
               "📱": "手机"}


def _symbol_letters() -> dict[str, str]:
    extra = dict(_EXTRA)
    letters = "abcdefghijklmnopqrstuvwxyz"
    for base in (0x1F1E6, 0x1F150, 0x1F170, 0x1F130):  # regional, negative circled/squared
        for i, letter in enumerate(letters):
            extra[chr(base + i)] = letter
    for start, count, first in ((0x2474, 20, 1), (0x2488, 20, 1), (0x2776, 10, 1),
                                (0x2780, 10, 1), (0x278A, 10, 1), (0x24EB, 10, 11), (0x24F5, 10, 1)):
        for i in range(count):
            extra[chr(start + i)] = str(first + i)
    return extra


def _t2s_map() -> dict[str, str]:
    """Map each traditional CJK character to its simplified form (char by char)."""
    chars = [chr(c) for c in list(range(0x3400, 0x4DC0)) + list(range(0x4E00, 0xA000))
             + list(range(0xF900, 0xFB00))]
    converted = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    return {a: b for a, b in zip(chars, converted) if a != b and len(b) == 1}


def _fold_marks(text: str) -> str:
    """Drop accents and pinyin tone marks from Latin letters ("Shuā liǎn" → "shua lian")."""
    out = []
    for c in text:
        if "\u0300" <= c <= "\u036f":  # a combining mark on its own
            continue
        if "\u00c0" <= c <= "\u024f" or "\u1e00" <= c <= "\u1eff":
            parts = unicodedata.normalize("NFKD", c)
            if parts[0].isascii() and all(unicodedata.category(m) == "Mn" for m in parts[1:]):
                c = parts[0]
        out.append(c)
    return "".join(out)


def _one(ch: str, t2s: dict, extra: dict) -> str:
    if ch in extra:
        return extra[ch]
    if ch in ZERO_WIDTH or "\ufe00" <= ch <= "\ufe0f":
        return ""
    if ch == DOC_SEP or unicodedata.category(ch) in ("Cc", "Zs", "Zl", "Zp") or ch.isspace():
        return " "
    out = _fold_marks(unicodedata.normalize("NFKC", ch).lower())
    out = "".join(t2s.get(c, c) for c in out)
    return "".join(CAPITAL_NUMERALS.get(c, c) for c in out)


@functools.lru_cache(maxsize=1)
def char_table() -> dict[int, str]:
    """Return the ``str.translate`` table: NFKC, case, traditional→simplified, symbols."""
    t2s, extra = _t2s_map(), {**_symbol_letters(), **EMOJI_WORDS, **CONFUSABLES, **SMALL_CAPITALS}
    codepoints = list(range(0x10000)) + list(range(0x1D400, 0x1D800)) + list(range(0x1F100, 0x1F200))
    codepoints += sorted(ord(ch) for ch in EMOJI_WORDS if ord(ch) >= 0x1F200)
    table: dict[int, str] = {}
    for cp in codepoints:
        if 0xD800 <= cp < 0xE000:
            continue
        ch = chr(cp)
        out = _one(ch, t2s, extra)
        for _ in range(4):  # reach a fixed point so normalisation is idempotent
            nxt = "".join(_one(c, t2s, extra) for c in out)
            if nxt == out:
                break
            out = nxt
        if out != ch:
            table[cp] = out
    return table


# Key terms and their pinyin syllables: full pinyin and hanzi/pinyin mixes map back.
PINYIN_TERMS = {
    "人脸": ["ren", "lian"], "身份证": ["shen", "fen", "zheng"], "四件套": ["si", "jian", "tao"],
    "三件套": ["san", "jian", "tao"], "活化": ["huo", "hua"], "照片": ["zhao", "pian"],
    "实名": ["shi", "ming"], "解封": ["jie", "feng"], "微信": ["wei", "xin"],
    "认证": ["ren", "zheng"], "刷脸": ["shua", "lian"], "过脸": ["guo", "lian"],
    "手持": ["shou", "chi"], "活体": ["huo", "ti"], "验证": ["yan", "zheng"],
    "支付宝": ["zhi", "fu", "bao"], "正反面": ["zheng", "fan", "mian"], "换脸": ["huan", "lian"],
    "代过": ["dai", "guo"], "解冻": ["jie", "dong"], "视频": ["shi", "pin"], "黑卡": ["hei", "ka"],
    "接码": ["jie", "ma"], "虚拟": ["xu", "ni"], "摄像头": ["she", "xiang", "tou"],
    "脸": ["lian"], "过人脸": ["guo", "ren", "lian"], "实名号": ["shi", "ming", "hao"],
    "人像": ["ren", "xiang"], "动态": ["dong", "tai"], "资料": ["zi", "liao"],
    "刷脸号": ["shua", "lian", "hao"], "人脸数据": ["ren", "lian", "shu", "ju"],
}

# English key words sellers disguise: in leetspeak ("s3lfie", "v1rtu4l c4m", "4cct5"), with a
# letter starred out ("acc*unts", "v**ified") or split in two ("veri-fied", "self ie"); every such
# spelling maps back. Words only, at least 3 letters; "id" or "sim" alone would collide.
LEET_WORDS = ("selfie", "selfies", "face", "faces", "data", "verified", "verification", "verify", "kyc",
              "liveness", "virtual", "camera", "cam", "inject", "injection", "account", "accounts", "acct",
              "accts", "binance", "passport", "passports", "bypass", "fullz", "docs", "level", "bulk", "sims",
              "deepfake", "unlock", "unban", "photo", "photos", "video", "videos", "license")
LEET = {"a": "4", "e": "3", "i": "1", "l": "1", "o": "0", "s": "5", "t": "7"}


def leet_variants() -> dict[str, str]:
    """Every leetspeak spelling of :data:`LEET_WORDS` (at least one digit) → the word."""
    import itertools
    out = {}
    for word in LEET_WORDS:
        options = [(c, LEET[c]) if c in LEET else (c,) for c in word]
        for combo in itertools.product(*options):
            spelled = "".join(combo)
            if spelled != word:
                out[spelled] = word
    return out


# Short English words: two of them with a space between are two words, not a split key word
# ("entry by pass" is not "bypass", "the cam era" is not "camera", "pass port side").
_WORD_HALVES = frozenset("by in on at to of or an as is it be we us me my so no do go up pass port lock self "
                         "face live came cam era level bulk photo video data docs sims full ban ace ate pho".split())
_MASKS = "*#"


def censored_variants() -> dict[str, str]:
    """Starred and split spellings of :data:`LEET_WORDS` → the word.

    Starred: one or two inner letters replaced by ``*`` or ``#``, or one inserted
    ("acc*unts", "v**ified", "acc*ounts"); words of four letters or more. Split: two halves of
    two letters or more joined by "-", "." or a space ("veri-fied", "self ie"); words of five
    letters or more, and with a space only when the halves are not two words
    (:data:`_WORD_HALVES`). A spelling two words share is left out.
    """
    out: dict[str, set[str]] = {}
    for word in LEET_WORDS:
        spellings = set()
        if len(word) >= 4:
            for mask in _MASKS:
                for i in range(1, len(word) - 1):
                    spellings.add(word[:i] + mask + word[i + 1:])
                    spellings.add(word[:i] + mask + word[i:])
                    if i + 2 < len(word):
                        spellings.add(word[:i] + mask * 2 + word[i + 2:])
        if len(word) >= 5:
            for i in range(2, len(word) - 1):
                head, tail = word[:i], word[i:]
                spellings.update((f"{head}-{tail}", f"{head}.{tail}"))
                if head not in _WORD_HALVES or tail not in _WORD_HALVES:
                    spellings.add(f"{head} {tail}")
        for spelled in spellings:
            out.setdefault(spelled, set()).add(word)
    return {spelled: next(iter(words)) for spelled, words in out.items() if len(words) == 1}


# Key terms sellers write with other characters of the same sound (伸纷证, 正饭面, 手池身份证,
# 微心解风, 戴锅仁脸, 支负宝): matched by sound, without tones. Only terms whose sound no everyday
# word shares: three syllables or more, and 微信. Two-syllable terms collide with real text: 人脸
# with 成人练字, 手持 with 快手吃播, 实名 with 前十名, 视频 with 食品, 活化 with 火花.
HOMOPHONE_TERMS = ("身份证", "正反面", "四件套", "三件套", "微信", "微信解封", "刷脸解封", "支付宝解封", "过人脸",
                   "代过人脸", "照片活化", "支付宝", "人脸数据", "实名认证", "虚拟摄像头", "身份证号", "人脸识别",
                   "人脸验证", "人脸认证", "手持身份证", "手持证件", "刷脸认证", "刷脸验证")

_SYLLABLE_BASE = 0xF0000  # supplementary private use: one character per pinyin syllable


@functools.lru_cache(maxsize=1)
def syllable_table() -> dict[int, str]:
    """``str.translate`` table: each common Chinese character → one private character per syllable.

    Characters that sound alike (without tones) become the same character, so a text's sound
    can be searched with plain string matching at the same offsets as the text itself.
    """
    from pypinyin import lazy_pinyin
    chars = [chr(c) for c in range(0x4E00, 0xA000)]
    syllables = lazy_pinyin(chars, errors=lambda x: [""] * len(x))  # a list: each char alone
    ids: dict[str, int] = {}
    table = {}
    for ch, syl in zip(chars, syllables):
        if syl and syl.isascii() and syl.isalpha():
            table[ord(ch)] = chr(_SYLLABLE_BASE + ids.setdefault(syl, len(ids)))
    return table


@functools.lru_cache(maxsize=1)
def _syllable_codes() -> np.ndarray:
    """:func:`syllable_table` (one character for one) as an array by code point."""
    table = syllable_table()
    codes = np.arange(max(table) + 1, dtype=np.uint32)
    for cp, ch in table.items():
        codes[cp] = ord(ch)
    return codes


def sounds(text: str) -> str:
    """``text.translate(syllable_table())`` at numpy speed (str.translate with a dict: ~90 ns a char)."""
    points, codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32), _syllable_codes()
    inside = points < len(codes)
    points = np.where(inside, codes[np.where(inside, points, 0)], points).astype(np.uint32)
    return points.tobytes().decode("utf-32-le", "surrogatepass")


# Separators sellers put between whole pinyin syllables ("ren lian", "shen-fen-zheng").
PINYIN_SEPARATORS = (" ", "-", ".")

# Literal spellings seen in listings → canonical form (compared after the char table).
VARIANTS = {
    "威信": "微信", "薇信": "微信", "v信": "微信", "徽信": "微信", "维信": "微信", "微x": "微信",
    "wei信": "微信", "绿泡泡": "微信", "嶶信": "微信", "威xin": "微信", "vx": "微信", "wx": "微信",
    "weixin": "微信", "wechat": "微信", "加薇": "加微信", "+薇": "+微信", "加威": "加微信",
    "扣扣": "qq", "企鹅号": "qq号", "叩叩": "qq", "抠抠": "qq", "q扣": "qq", "扣q": "qq",
    "rl": "人脸", "人莲": "人脸", "刷莲": "刷脸", "过莲": "过脸", "仁脸": "人脸", "莲照": "脸照",
    "sfz": "身份证", "身分证": "身份证", "身份正": "身份证", "生份证": "身份证", "深份证": "身份证",
    "shimin": "实名", "识名": "实名", "zfb": "支付宝", "smrz": "实名认证",
    "四件tao": "四件套", "4件tao": "四件套", "4件套": "四件套", "3件套": "三件套",
    "8件套": "八件套", "4大件": "四大件", "活话": "活化",
    "身fen证": "身份证", "身份zheng": "身份证", "身fenzheng": "身份证",
    # Characters split into their parts (亻言 for 信, 活ィ匕 for 活化): only pairs that do not
    # occur as two real characters in ordinary text (not 月金 "每月金额", 石马, 上下).
    "亻言": "信", "イ言": "信", "亻分": "份", "イ分": "份", "亻匕": "化", "イ匕": "化", "ィ匕": "化",
    "月佥": "脸", "讠正": "证", "亻牛": "件", "イ牛": "件", "氵舌": "活", "亻本": "体", "イ本": "体",
    "亻象": "像", "イ象": "像", "米斗": "料",
}
