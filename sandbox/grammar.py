"""Expand the text grammars in data/sandbox/ into listing titles and descriptions."""

from __future__ import annotations

import random
import re
from functools import lru_cache
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "sandbox"
_SLOT = re.compile(r"\{(\w+)(\?)?\}")
# Deep enough for any sane grammar; stops a slot that (by mistake) refers to itself.
_MAX_DEPTH = 8


class GrammarError(ValueError):
    """A grammar file that cannot be used; the message names the file and slot."""


@lru_cache(maxsize=None)
def load(name: str) -> dict:
    """Load one grammar file (``name`` without ``.yml``) from data/sandbox/."""
    path = DATA_DIR / f"{name}.yml"
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle) or {}
    except FileNotFoundError as exc:
        raise GrammarError(f"sandbox grammar {path} is missing") from exc


def expand(template: str, slots: dict, rng: random.Random, values: dict | None = None,
           depth: int = 0) -> str:
    """Fill every ``{slot}`` in ``template``: ``values`` first, then a random pick of ``slots``."""
    values = values or {}

    def pick(match: re.Match) -> str:
        name, optional = match.group(1), match.group(2)
        if optional and rng.random() < 0.5:
            return ""
        if name in values:
            return str(values[name])
        choices = slots.get(name)
        if not choices:
            raise GrammarError(f"sandbox grammar: unknown slot {{{name}}} in {template!r}")
        if depth >= _MAX_DEPTH:
            raise GrammarError(f"sandbox grammar: slot {{{name}}} nests too deep")
        return expand(rng.choice(choices), slots, rng, values, depth + 1)

    return _SLOT.sub(pick, template)


def group_names(name: str) -> list[str]:
    """Return the group names of a grammar file, in file order."""
    return list(load(name).get("groups", {}))


def generate(name: str, group: str, rng: random.Random, values: dict) -> tuple[str, str, float]:
    """Return ``(title, description, price)`` for one listing of ``group`` in grammar ``name``."""
    grammar = load(name)
    spec = grammar["groups"][group]
    slots = {**grammar.get("slots", {}), **spec.get("slots", {})}
    # Group slots are fixed once per listing so that title and description agree.
    values = {**{name: expand(rng.choice(choices), slots, rng, values)
                 for name, choices in spec.get("slots", {}).items()}, **values}
    title = expand(rng.choice(spec["title"]), slots, rng, values)
    description = expand(rng.choice(spec["description"]), slots, rng, values)
    low, high = spec.get("price", [10, 500])
    price = rng.uniform(low, high)
    return _tidy(title), _tidy(description), price


def _tidy(text: str) -> str:
    """Drop the doubled spaces and dangling punctuation that optional slots leave behind."""
    text = re.sub(r"[ \t]{2,}", " ", text).strip()
    text = re.sub(r"([，。,.])\s*\1+", r"\1", text)
    return text.strip(" ，,")
