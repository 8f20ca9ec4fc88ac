"""Load the rules in rules/*.yml and match them, after normalisation, with Aho-Corasick."""

from __future__ import annotations

import bisect
import os
import re
from re import _constants as _c, _parser
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import ahocorasick
import numpy as np
import yaml

from classifier.normalize import normalize_text
from classifier.tables import DOC_SEP

CATEGORIES = ("id_kit", "face_data", "photo_activation", "verification_bypass", "realname_account")
RULE_CATEGORIES = CATEGORIES + ("signal",)
RULE_FIELDS = {"id", "description", "category", "weight", "terms", "patterns", "context",
               "negative_context", "search", "examples"}
DEFAULT_RULES_DIR = Path(__file__).resolve().parents[1] / "rules"
ENV_RULES = "FACETRADE_RULES"


class RuleError(ValueError):
    """A rules file that cannot be used; the message names the file and the rule."""


@dataclass
class Rule:
    """One rule: what it matches (terms, patterns, context) and what a hit means."""

    id: str
    description: str
    category: str
    weight: float
    terms: list[str] = field(default_factory=list)
    patterns: list[str] = field(default_factory=list)
    context: list[str] = field(default_factory=list)
    context_window: int = 20
    negative: list[str] = field(default_factory=list)
    negative_window: int = 20
    search: bool = False
    examples: dict = field(default_factory=dict)
    source: str = ""


def _window(spec, name: str, where: str) -> tuple[list[str], int]:
    if spec is None:
        return [], 20
    if not isinstance(spec, dict) or not isinstance(spec.get("terms"), list):
        raise RuleError(f"{where}: '{name}' must be a mapping with a 'terms' list")
    return [str(t) for t in spec["terms"]], int(spec.get("window", 20))


def _rule_from_dict(raw: dict, source: str) -> Rule:
    where = f"{source}: rule {raw.get('id', '?')!r}"
    unknown = set(raw) - RULE_FIELDS
    if unknown:
        raise RuleError(f"{where}: unknown fields {sorted(unknown)}")
    for key in ("id", "description", "category", "weight"):
        if key not in raw:
            raise RuleError(f"{where}: missing '{key}'")
    if raw["category"] not in RULE_CATEGORIES:
        raise RuleError(f"{where}: category must be one of {', '.join(RULE_CATEGORIES)}")
    if not raw.get("terms") and not raw.get("patterns"):
        raise RuleError(f"{where}: needs 'terms' or 'patterns'")
    for pattern in raw.get("patterns") or []:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise RuleError(f"{where}: bad pattern {pattern!r}: {exc}") from None
    context, cwin = _window(raw.get("context"), "context", where)
    negative, nwin = _window(raw.get("negative_context"), "negative_context", where)
    return Rule(id=str(raw["id"]), description=str(raw["description"]), category=raw["category"],
                weight=float(raw["weight"]), terms=[str(t) for t in raw.get("terms") or []],
                patterns=list(raw.get("patterns") or []), context=context, context_window=cwin,
                negative=negative, negative_window=nwin, search=bool(raw.get("search", False)),
                examples=raw.get("examples") or {}, source=source)


def rule_files(path=None) -> list[Path]:
    """Return the rule files at ``path`` (a file or a folder; default ``rules/``)."""
    path = Path(path or os.environ.get(ENV_RULES) or DEFAULT_RULES_DIR)
    if path.is_dir():
        return sorted(p for p in path.glob("*.yml") if p.name != "queries.yml")
    if not path.exists():
        raise RuleError(f"{path}: no such rules file or folder")
    return [path]


def load_rules(path=None) -> list[Rule]:
    """Load and validate every rule.

    Parameters
    ----------
    path : path-like, optional
        A rules YAML file or a folder of them (default: the repository's ``rules/``).

    Returns
    -------
    list of Rule
    """
    rules, seen = [], {}
    for file in rule_files(path):
        try:
            data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise RuleError(f"{file}: not valid YAML: {exc}") from None
        if not isinstance(data.get("rules"), list):
            raise RuleError(f"{file}: needs a top-level 'rules:' list")
        for raw in data["rules"]:
            rule = _rule_from_dict(raw, file.name)
            if rule.id in seen:
                raise RuleError(f"{file.name}: rule id {rule.id!r} already used in {seen[rule.id]}")
            seen[rule.id] = file.name
            rules.append(rule)
    return rules


@dataclass
class RuleHit:
    """A rule that fired, with the normalised spans of its matching terms."""

    rule: Rule
    spans: list[tuple[int, int]]


class RuleMatcher:
    """Match all rules on normalised texts with one Aho-Corasick automaton."""

    def __init__(self, rules: list[Rule]):
        self.rules = rules
        self.ids = [r.id for r in rules]
        roles: dict[str, list] = defaultdict(list)
        for i, rule in enumerate(rules):
            for role, terms in (("t", rule.terms), ("c", rule.context), ("n", rule.negative)):
                for term in terms:
                    key = normalize_text(term).strip()
                    if key:
                        roles[key].append((i, role))
        # Terms in one automaton scanned over the whole batch; context terms in another,
        # scanned only over the few texts where a rule term hit (context words are common).
        self.automaton = _automaton({k: [x for x in v if x[1] == "t"] for k, v in roles.items()})
        self.context_automaton = _context_automaton({k: [x for x in v if x[1] != "t"] for k, v in roles.items()})
        self.with_context = {i for i, r in enumerate(rules) if r.context or r.negative}
        self.patterns = [(i, re.compile(p), _literal_filter(p)) for i, r in enumerate(rules) for p in r.patterns]

    def match_many(self, texts: list[str]) -> list[list[RuleHit]]:
        """Return, per normalised text, the rules that fire (context applied)."""
        joined = DOC_SEP.join(texts)
        starts, pos = [], 0
        for text in texts:
            starts.append(pos)
            pos += len(text) + 1
        found: dict[int, dict] = {}
        automaton_iter = self.automaton.iter
        for doc, text in enumerate(texts):  # per text: no search for which text a hit is in
            doc_found = None
            for end, (length, roles) in automaton_iter(text):
                if doc_found is None:
                    doc_found = found[doc] = {}
                span = (end + 1 - length, end + 1)
                for key in roles:
                    spans = doc_found.get(key)
                    if spans is None:
                        doc_found[key] = [span]
                    else:
                        spans.append(span)
        self._patterns(joined, texts, starts, found)
        with_context, context_iter = self.with_context, self.context_automaton.iter
        for doc, doc_found in found.items():
            needed = with_context.intersection([i for i, _ in doc_found])
            if needed:  # only the rules that hit here need their context words
                for end, (length, roles) in context_iter(texts[doc]):
                    for rule_idx in needed.intersection(roles):
                        span = (end + 1 - length, end + 1)
                        for role in roles[rule_idx]:
                            doc_found.setdefault((rule_idx, role), []).append(span)
        resolve = self._resolve
        return [resolve(found.get(doc)) for doc in range(len(texts))]

    def _patterns(self, joined, texts, starts, found) -> None:
        bases = np.asarray(starts)
        for rule_idx, pattern, literals in self.patterns:
            if literals is not None:  # only the texts holding a literal the pattern needs
                positions = [m.start() for m in literals.finditer(joined)]
                if not positions:
                    continue
                for doc in sorted(set((np.searchsorted(bases, positions, side="right") - 1).tolist())):
                    for m in pattern.finditer(texts[doc]):
                        found.setdefault(doc, {}).setdefault((rule_idx, "t"), []).append(m.span())
                continue
            for m in pattern.finditer(joined):
                doc = bisect.bisect_right(starts, m.start()) - 1
                if DOC_SEP in m.group():  # crossed into the next text: match that one alone
                    for d in range(doc, bisect.bisect_right(starts, m.end())):
                        for m2 in pattern.finditer(texts[d]):
                            found.setdefault(d, {}).setdefault((rule_idx, "t"), []).append(m2.span())
                    continue
                found.setdefault(doc, {}).setdefault((rule_idx, "t"), []).append(
                    (m.start() - starts[doc], m.end() - starts[doc]))

    def _resolve(self, doc_found) -> list[RuleHit]:
        if not doc_found:
            return []
        hits = []
        for (rule_idx, role), spans in doc_found.items():
            if role != "t":
                continue
            rule = self.rules[rule_idx]
            kept = set(spans)
            if rule.context:
                near_ctx = doc_found.get((rule_idx, "c"))
                if not near_ctx:
                    continue
                kept = {s for s in kept if _near(s, near_ctx, rule.context_window)}
            near_neg = doc_found.get((rule_idx, "n"))
            if near_neg and kept:
                kept = {s for s in kept if not _near(s, near_neg, rule.negative_window)}
            if kept:
                hits.append(RuleHit(rule, _merge(kept)))
        hits.sort(key=lambda h: (-h.rule.weight, h.rule.id))
        return hits


def _literal_filter(pattern: str) -> re.Pattern | None:
    """A fast pattern for literals of which every match of ``pattern`` contains one (or None).

    Only for patterns that do not start with a literal or a character class: the regex
    engine skips ahead through those by itself, faster than any pre-filter.
    """
    try:
        parsed = _parser.parse(pattern)
    except re.error:
        return None
    if parsed.state.flags & re.IGNORECASE or _starts_with_class(list(parsed)):
        return None
    required = _required(list(parsed))
    if not required or "" in required:
        return None
    return re.compile("|".join(re.escape(lit) for lit in sorted(required, key=lambda x: (-len(x), x))))


def _starts_with_class(items: list) -> bool:
    """Does the parsed sequence start with a literal or a class (every alternative, for a group)?"""
    if not items:
        return False
    op, av = items[0]
    if op in (_c.LITERAL, _c.IN):
        return True
    if op is _c.SUBPATTERN and not av[1] and not av[2]:
        return _starts_with_class(list(av[3]))
    if op is _c.BRANCH:
        return all(_starts_with_class(list(alt)) for alt in av[1])
    return False


def _required(items: list) -> set[str] | None:
    """Strings one of which any match of the parsed sequence ``items`` contains (the most selective found)."""
    candidates, run = [], ""
    for op, av in items + [(None, None)]:
        if op is _c.LITERAL:
            run += chr(av)
            continue
        if run:
            candidates.append({run})
            run = ""
        if op is _c.IN and av and all(o is _c.LITERAL for o, _ in av):
            candidates.append({chr(a) for _, a in av})
        elif op is _c.SUBPATTERN and not av[1] and not av[2]:
            candidates.append(_required(list(av[3])))
        elif op is _c.BRANCH:
            alternatives = [_required(list(alt)) for alt in av[1]]
            candidates.append(None if None in alternatives else set().union(*alternatives))
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT) and av[0] >= 1:
            candidates.append(_required(list(av[2])))
    candidates = [c for c in candidates if c]
    if not candidates:
        return None
    return max(candidates, key=lambda c: (min(map(len, c)), -len(c)))


def _automaton(roles: dict) -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for key, value in roles.items():
        if value:
            automaton.add_word(key, (len(key), tuple(value)))
    automaton.make_automaton()
    return automaton


def _context_automaton(roles: dict) -> ahocorasick.Automaton:
    """Context words → ``(length, {rule index: roles})``, so a match touches only the rules that hit."""
    automaton = ahocorasick.Automaton()
    for key, value in roles.items():
        if value:
            by_rule = defaultdict(list)
            for rule_idx, role in value:
                by_rule[rule_idx].append(role)
            automaton.add_word(key, (len(key), {i: tuple(r) for i, r in by_rule.items()}))
    automaton.make_automaton()
    return automaton


def _near(span, others, window: int) -> bool:
    start, end = span
    lo, hi = start - window, end + window
    for other in others:  # a plain loop: any() over a generator costs more on these short lists
        if other[0] < hi and other[1] > lo and other != span:
            return True
    return False


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge overlapping spans ("身份证正反" inside "身份证正反面") into one."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]
