"""Hide words and contacts the way sellers do: homophones, split characters, ①②③, cover titles."""

from __future__ import annotations

import random
import re

from sandbox.grammar import expand, load

LEVELS = ("none", "light", "heavy")
_CIRCLED = dict(zip("0123456789", "⓪①②③④⑤⑥⑦⑧⑨"))
# Chance that one occurrence of a listed word is swapped at the "light" level.
_LIGHT_SWAP = 0.5
# Chance that a heavily evaded listing hides behind a cover title.
_COVER_TITLE = 0.7


def _rules(lang: str) -> dict:
    return load("evasion")[lang]


def circled(text: str) -> str:
    """Write digits as ①②③ (zero as ⓪)."""
    return "".join(_CIRCLED.get(char, char) for char in text)


def split(text: str, sep: str = " ") -> str:
    """Break a handle up so that a plain search for it fails: ``ab12`` → ``a b 1 2``."""
    return sep.join(text)


def contact_values(contacts: list[dict]) -> dict:
    """Return the template values (plain, split and circled) for a seller's contacts."""
    values = {}
    for contact in contacts:
        kind, value = contact["kind"], contact["value"]
        key = {"wechat": "wx", "qq": "qq", "phone": "phone", "telegram": "tg", "email": "email"}[kind]
        values[key] = value
        values[f"{key}_split"] = split(value, "." if kind == "email" else " ")
        values[f"{key}_circled"] = circled(value)
    return values


def contact_phrase(lang: str, level: str, values: dict, rng: random.Random) -> str:
    """Return how a seller at ``level`` writes one of its contacts."""
    choices = [t for t in _rules(lang)["contact"][level] if _fillable(t, values)]
    if not choices:
        return ""
    return expand(rng.choice(choices), {}, rng, values)


def _fillable(template: str, values: dict) -> bool:
    return all(name in values for name in re.findall(r"\{(\w+)\}", template))


def obscure(text: str, lang: str, level: str, rng: random.Random) -> str:
    """Swap listed words for their evasive variants (some at light, all at heavy)."""
    if level == "none":
        return text
    table = _rules(lang)["substitutions"][level]
    # Longest first so that 人脸认证 is replaced before 人脸.
    for word in sorted(table, key=len, reverse=True):
        if word not in text:
            continue
        pieces = text.split(word)
        out = [pieces[0]]
        for piece in pieces[1:]:
            swap = level == "heavy" or rng.random() < _LIGHT_SWAP
            out.append(rng.choice(table[word]) if swap else word)
            out.append(piece)
        text = "".join(out)
    return text


def cover_title(title: str, lang: str, level: str, rng: random.Random) -> str:
    """Replace most heavily evaded titles by a cover title such as 学习资料 / 懂的来."""
    if level != "heavy" or rng.random() >= _COVER_TITLE:
        return title
    return rng.choice(_rules(lang)["cover_titles"])
