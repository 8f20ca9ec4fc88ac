"""Load the rules in rules/*.yml and match them, after normalisation, with Aho-Corasick."""

from __future__ import annotations

import bisect
import itertools
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import ahocorasick
import numpy as np
import yaml

from classifier.literals import LiteralGate
from classifier.ngrams import code_points
from classifier.normalize import normalize_text
from classifier.spans import merge, near, pairs, unique_spans
from classifier.tables import DOC_SEP
from classifier.words import inside_word, plural_forms

CATEGORIES = ("id_kit", "face_data", "photo_activation", "verification_bypass", "realname_account")
RULE_CATEGORIES = CATEGORIES + ("signal",)
RULE_FIELDS = {"id", "description", "category", "weight", "terms", "patterns", "context",
               "negative_context", "search", "examples"}
DEFAULT_RULES_DIR = Path(__file__).resolve().parents[1] / "rules"
ENV_RULES = "FACETRADE_RULES"
_SHORT_LAST = re.compile(r"[ /][a-z]{1,2}$")  # an English phrase's last word of one or two letters
TERM, CONTEXT, NEGATIVE, PATTERN = 0, 1, 2, 3  # roles of a key: a rule's word, or a literal a pattern needs


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


@dataclass
class HitTable:
    """A batch's rule hits as arrays, per doc heaviest rule first: hit ``h`` is rule ``rule[h]``
    in text ``doc[h]`` with merged spans ``start[lo[h]:hi[h]]``, ``end[lo[h]:hi[h]]``."""

    rules: list[Rule]
    n_docs: int
    doc: np.ndarray
    rule: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    start: np.ndarray
    end: np.ndarray

    def lists(self) -> list[list[RuleHit]]:
        """Return each doc's ``RuleHit`` list."""
        out = [[] for _ in range(self.n_docs)]
        spans = list(zip(self.start.tolist(), self.end.tolist()))
        rules = self.rules
        for doc, rule, lo, hi in zip(self.doc.tolist(), self.rule.tolist(), self.lo.tolist(), self.hi.tolist()):
            out[doc].append(RuleHit(rules[rule], spans[lo:hi]))
        return out


class RuleMatcher:
    """Match all rules on normalised texts with one Aho-Corasick automaton.

    Terms, context and negative-context words share the automaton: each key maps to its
    ``(rule, role)`` pairs, and a batch's hits are resolved in numpy, not per hit in Python.
    """

    def __init__(self, rules: list[Rule]):
        self.rules = rules
        self.ids = [r.id for r in rules]
        roles: dict[str, list] = defaultdict(list)
        for i, rule in enumerate(rules):
            for role, terms in ((TERM, rule.terms), (CONTEXT, rule.context), (NEGATIVE, rule.negative)):
                for term in terms:
                    for key in plural_forms(normalize_text(term).strip()):
                        if key and (i, role) not in roles[key]:
                            roles[key].append((i, role))
        self.patterns = [(i, re.compile(p)) for i, r in enumerate(rules) for p in r.patterns]
        # A pattern runs only over the texts holding a literal of each of its required sets.
        self.gate = LiteralGate([p for _, p in self.patterns], forbidden=DOC_SEP)
        for literal, reqs in self.gate.literals.items():
            roles[literal] += [(req, PATTERN) for req in reqs]
        self.keys = list(roles)
        self.key_len = np.array([len(k) for k in self.keys], dtype=np.int64)
        # A key that starts with a letter must start a word: "id pack" is not in "paid package".
        self.key_word_start = np.array([k[:1].isascii() and k[:1].isalpha() for k in self.keys], dtype=bool)
        # A short word must also end one: "spa" (skincare, no offer) is not in "spanish" or "space",
        # and a phrase ending in a word of one or two letters ends with it: "holding id" is not in
        # "holding identity", "dm me" not in "dm meeting".
        self.key_word_end = np.array([(len(k) <= 4 and k.isascii() and k.isalpha()) or bool(_SHORT_LAST.search(k))
                                      for k in self.keys], dtype=bool)
        self.key_ptr = np.cumsum([0] + [len(v) for v in roles.values()]).astype(np.int64)
        self.pair_rule = np.array([i for v in roles.values() for i, _ in v], dtype=np.int64)
        self.pair_role = np.array([r for v in roles.values() for _, r in v], dtype=np.int64)
        self.automaton = ahocorasick.Automaton()
        for idx, key in enumerate(self.keys):
            self.automaton.add_word(key, idx)
        self.automaton.make_automaton()
        self.windows = {CONTEXT: np.array([r.context_window for r in rules], dtype=np.int64),
                        NEGATIVE: np.array([r.negative_window for r in rules], dtype=np.int64)}
        self.needs_context = np.array([bool(r.context) for r in rules], dtype=bool)
        by_rank = sorted(range(len(rules)), key=lambda i: (-rules[i].weight, rules[i].id))
        self.rank = np.argsort(by_rank).astype(np.int64)  # a doc's hits: heaviest rule first, then id

    def match_many(self, texts: list[str]) -> list[list[RuleHit]]:
        """Return, per normalised text, the rules that fire (context applied)."""
        joined = DOC_SEP.join(texts)
        found = np.fromiter(itertools.chain.from_iterable(self.automaton.iter(joined)), dtype=np.int64)
        return self.resolve(texts, joined, found[0::2], found[1::2], code_points(joined)).lists()

    def resolve(self, texts: list[str], joined: str, ends: np.ndarray, keys: np.ndarray,
                points: np.ndarray) -> HitTable:
        """Turn key hits in ``joined`` (``DOC_SEP.join(texts)``) into the batch's rule hits.

        ``ends`` and ``keys`` are the ``(end index, key index)`` pairs of ``self.automaton``
        scanned over ``joined`` (or a larger automaton's hits mapped to these keys);
        ``points`` are the code points of ``joined``.
        """
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        bases = np.concatenate(([0], np.cumsum(lengths + 1)[:-1])) if len(texts) else lengths
        key_len = self.key_len[keys]
        start = ends + 1 - key_len
        inside = inside_word(points, start, key_len, self.key_word_start[keys], self.key_word_end[keys])
        doc = np.searchsorted(bases, start, side="right") - 1
        start = start - bases[doc]
        row, pair = pairs(self.key_ptr[keys], self.key_ptr[keys + 1])  # each hit, once per (rule, role) of its key
        doc, start, end = doc[row], start[row], (start + key_len)[row]
        rule, role = self.pair_rule[pair], self.pair_role[pair]
        # Pattern literals gate a regex that may match inside a word: only words need a start.
        keep = ~inside[row] | (role == PATTERN)
        doc, start, end, rule, role = doc[keep], start[keep], end[keep], rule[keep], role[keep]
        extra = self._patterns(texts, joined, bases, doc[role == PATTERN], rule[role == PATTERN])
        if extra:
            p_doc, p_rule, p_start, p_end = np.array(extra, dtype=np.int64).T
            doc, rule, start, end = (np.concatenate(x) for x in ((doc, p_doc), (rule, p_rule),
                                                                (start, p_start), (end, p_end)))
            role = np.concatenate((role, np.full(len(p_doc), TERM, dtype=np.int64)))
        group = doc * len(self.rules) + rule
        term = role == TERM
        g, s, e = unique_spans(group[term], start[term], end[term])
        r = g % len(self.rules)
        keep = ~self.needs_context[r]
        for role_code in (CONTEXT, NEGATIVE):
            other = role == role_code
            ok = near(g, s, e, self.windows[role_code][r], group[other], start[other], end[other])
            keep = (keep | ok) if role_code == CONTEXT else keep & ~ok
        return self._table(len(texts), *merge(g[keep], s[keep], e[keep]))

    def _table(self, n_docs: int, group, start, end) -> HitTable:
        """Order the hits (per doc: heaviest rule first, then id) given merged spans sorted by group."""
        begin = np.flatnonzero(np.concatenate(([True], group[1:] != group[:-1]))) if len(group) else group
        bounds = np.append(begin, len(group))
        docs, rules = np.divmod(group[begin], len(self.rules))
        order = np.lexsort((self.rank[rules], docs))
        return HitTable(self.rules, n_docs, docs[order], rules[order], bounds[:-1][order], bounds[1:][order], start, end)

    def _patterns(self, texts, joined, bases, cand_docs, cand_reqs) -> list[tuple[int, int, int, int]]:
        """Return ``(doc, rule index, start, end)`` of every pattern match.

        A pattern with required literal sets runs over the texts where the automaton found
        a literal of each set (``cand_reqs`` hit in ``cand_docs``), joined; the others over
        the whole batch.
        """
        out = []
        for (rule_idx, pattern), docs in zip(self.patterns, self.gate.candidates(len(texts), cand_docs, cand_reqs)):
            if docs is None:
                out += _pattern_spans(pattern, rule_idx, texts, joined, bases.tolist(), None)
            elif docs:
                sub = [texts[d] for d in docs]
                out += _pattern_spans(pattern, rule_idx, sub, DOC_SEP.join(sub), _bases(sub), docs)
        return out


def _bases(texts: list[str]) -> list[int]:
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    return np.concatenate(([0], np.cumsum(lengths + 1)[:-1])).tolist()


def _pattern_spans(pattern, rule_idx, texts, joined, starts, docs) -> list[tuple[int, int, int, int]]:
    """Matches of ``pattern`` in ``joined`` as ``(doc, rule, start, end)``; ``docs[k]`` is text k's doc."""
    out = []
    for m in pattern.finditer(joined):
        k = bisect.bisect_right(starts, m.start()) - 1
        if DOC_SEP in m.group():  # crossed into the next text: match those texts alone
            for d in range(k, bisect.bisect_right(starts, m.end())):
                out += [(d if docs is None else docs[d], rule_idx, *m2.span()) for m2 in pattern.finditer(texts[d])]
            continue
        out.append((k if docs is None else docs[k], rule_idx, m.start() - starts[k], m.end() - starts[k]))
    return out
