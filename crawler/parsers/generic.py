"""Extract listings from any page with the selectors of a site profile (CSS, XPath or JMESPath)."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from parsel import Selector, SelectorList

_KINDS = ("css", "xpath", "json")
_SPACES = re.compile(r"\s+")
URL_FIELDS = {"url", "seller_url", "detail_url"}


class SelectorSpecError(ValueError):
    """A profile selector that cannot be used; the message names the field."""


def normalise_spec(spec, name: str) -> dict:
    """Turn ``"css:a.title::text"`` or ``{css: ..., all: true}`` into one dict form."""
    if isinstance(spec, str):
        kind, sep, expr = spec.partition(":")
        if not sep or kind not in _KINDS:
            raise SelectorSpecError(f"{name}: selector must start with css:, xpath: or json: ({spec!r})")
        spec = {kind: expr}
    if not isinstance(spec, dict):
        raise SelectorSpecError(f"{name}: selector must be a string or a mapping")
    kinds = [k for k in _KINDS if k in spec]
    if len(kinds) != 1:
        raise SelectorSpecError(f"{name}: give exactly one of css, xpath, json")
    out = {"kind": kinds[0], "expr": str(spec[kinds[0]]), "all": bool(spec.get("all", False)),
           "join": spec.get("join", " "), "regex": spec.get("regex"), "value": spec.get("value")}
    if out["regex"]:
        try:
            re.compile(out["regex"])
        except re.error as exc:
            raise SelectorSpecError(f"{name}: bad regex: {exc}") from None
    return out


def select(node: Selector, spec: dict) -> SelectorList:
    """Run one normalised selector against a node."""
    if spec["kind"] == "css":
        return node.css(spec["expr"])
    if spec["kind"] == "xpath":
        return node.xpath(spec["expr"])
    return node.jmespath(spec["expr"])


def _texts(found: SelectorList) -> list[str]:
    values = []
    for sel in found:
        value = sel.get()
        if isinstance(value, (dict, list)):
            continue
        if value is None:
            continue
        text = str(value)
        if sel.type == "html" and text.lstrip().startswith("<"):
            # An element, not a text node: take its visible text (never its markup).
            text = " ".join(sel.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]").getall())
        text = _SPACES.sub(" ", text).strip()
        if text:
            values.append(text)
    return values


def extract_field(node: Selector, spec: dict, base_url: str, name: str):
    """Return a field value: a string, a list (``all: true``) or None."""
    values = _texts(select(node, spec))
    if spec["regex"]:
        matched = [re.search(spec["regex"], v) for v in values]
        values = [(m.group(1) if m.groups() else m.group(0)) for m in matched if m]
    if name in URL_FIELDS or name == "image_urls":
        values = [urljoin(base_url, v) for v in values]
    if spec["all"] or name == "image_urls":
        return values
    if not values:
        return None
    return values[0] if spec["join"] is None else spec["join"].join(values[:1])


def make_selector(text: str, fmt: str) -> Selector:
    """Build a parsel selector for an HTML or JSON body."""
    return Selector(text=text, type="json" if fmt == "json" else "html")


def extract_items(root: Selector, item_spec: dict, fields: dict, base_url: str) -> tuple[list[dict], list[str]]:
    """Return (records, problems) for every list item under ``root``."""
    records, problems = [], []
    for index, node in enumerate(select(root, item_spec)):
        record = {}
        for name, spec in fields.items():
            try:
                record[name] = extract_field(node, spec, base_url, name)
            except ValueError as exc:  # a selector that does not fit this node
                problems.append(f"item {index} field {name}: {exc}")
        records.append(record)
    return records, problems
