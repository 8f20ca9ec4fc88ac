"""Turn listings into one sparse feature matrix: text n-grams and words, rule hits, signals."""

from __future__ import annotations

import functools
import itertools
import logging
import math
import re
from collections import Counter
from dataclasses import dataclass

import ahocorasick
import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_selection import chi2

from classifier.matrix import canonical_csr, unique_cells, whole_words
from classifier.ngrams import NgramIndex, code_points
from classifier.normalize import normalize_many, normalize_text
from classifier.offsets import BatchNormalized
from classifier.rules import CATEGORIES, HitTable, RuleHit, RuleMatcher, load_rules
from classifier.signals import GATE as SIGNAL_GATE, SIGNAL_NAMES, find_contacts_many, original_text, signal_entries, trick_counts
from classifier.spans import pairs, sorted_unique
from classifier.tables import DOC_SEP

logger = logging.getLogger(__name__)


def listing_text(record: dict) -> str:
    """Return the text the classifier reads: title, then description."""
    title = str(record.get("title") or "")
    description = str(record.get("description") or "")
    return f"{title}\n{description}" if description else title


@dataclass
class Analysis:
    """Everything computed for a batch: normalised texts, rule hits, contacts, features."""

    texts: list[str]
    normalized: list[str]
    batch: BatchNormalized
    table: HitTable
    contacts: list[list[dict]]
    matrix: sp.csr_matrix

    @functools.cached_property
    def hits(self) -> list[list[RuleHit]]:
        """Per listing, the rules that fired."""
        return self.table.lists()


def _tokens(texts: list[str], jargon: list[str]) -> list[set[str]]:
    """Segment texts with jieba (jargon added) — training time only, it is slow."""
    import jieba
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    for term in jargon:
        tokenizer.add_word(term, freq=2000)
    out = []
    for text in texts:
        words = {w.strip() for w in tokenizer.lcut(text, HMM=False)}
        out.append({w for w in words if len(w) >= 2 and DOC_SEP not in w})
    return out


_CJK_CHAR = re.compile("[\u3400-\u9fff]")


_LATIN_RUN = re.compile(r"[a-z0-9]{3,}")


def _char_ngrams(text: str, sizes=(1, 2, 3), latin=0) -> set[str]:
    """Character 1-3-grams that contain Chinese, and ``latin``-grams inside Latin words."""
    grams = set()
    for n in sizes:
        for i in range(len(text) - n + 1):
            gram = text[i:i + n]
            if gram.strip() == gram and _CJK_CHAR.search(gram):
                grams.add(gram)
    if latin:
        for word in _LATIN_RUN.findall(text):
            grams.update(word[i:i + latin] for i in range(len(word) - latin + 1))
    return grams


_LATIN_EDGE = re.compile(r"^[a-z0-9]|[a-z0-9]$")


_UNDERSCORES = re.compile(r"_[a-z0-9_]*")


def identifier_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the words (``[a-z0-9_]+``) with an underscore: handles on platforms the contact
    patterns do not name (line, wickr, session, instagram...), written bare after 联系 or an emoji.

    Found from each underscore (a literal the regex engine skips to; a lookbehind for the
    word's start is tried at every character and costs 20 times as much), then widened left.
    """
    out = []
    for m in _UNDERSCORES.finditer(text):  # each match runs to the word's end
        start = m.start()
        while start and ("a" <= text[start - 1] <= "z" or "0" <= text[start - 1] <= "9"):
            start -= 1
        out.append((start, m.end()))
    return out


def mask_contacts(normalized: list[str]) -> list[str]:
    """Blank out contact values (handles, numbers, links) and identifiers with spaces, offsets kept.

    A seller's handle is an arbitrary string: its letters say nothing about the offer
    (the contact signals say that a contact is there), and the training data's fake
    handles (demo_wx_58) would otherwise become the model's strongest words.
    """
    spans: list = []
    find_contacts_many(normalized, spans=spans)
    spans += [(doc, *span) for doc, text in enumerate(normalized) for span in identifier_spans(text)]
    out = list(normalized)
    for doc, start, end in sorted(spans, reverse=True):
        text = out[doc]
        out[doc] = text[:start] + " " * (end - start) + text[end:]
    return out


class ListingFeatures(BaseEstimator, TransformerMixin):
    """Featurise listings; text features are substrings found by one scan (hash lookup and Aho-Corasick).

    Parameters
    ----------
    rules_path : str, optional
        Rules file or folder (default: ``rules/``); the rules are frozen into the model.
    min_df : int
        Keep n-grams and words seen in at least this many training listings.
    max_text_features : int
        Keep this many text features, the most label-informative (chi²).
    """

    def __init__(self, rules_path=None, min_df=3, max_text_features=16000, latin_ngram=3, char_sizes=(1, 2)):
        self.rules_path = rules_path
        self.char_sizes = char_sizes
        self.min_df = min_df
        self.max_text_features = max_text_features
        self.latin_ngram = latin_ngram

    def fit(self, X, y=None):
        """Learn the text vocabulary (and freeze the rules) from training listings."""
        self.rules_ = load_rules(self.rules_path)
        normalized = mask_contacts(normalize_many([listing_text(r) for r in X]))
        jargon = sorted({normalize_text(t) for r in self.rules_ for t in r.terms + r.context})
        words = _tokens(normalized, [j for j in jargon if j.strip()])
        df = Counter()
        per_doc = []
        grams_seen = set()
        for text, doc_words in zip(normalized, words):
            grams = _char_ngrams(text, self.char_sizes, latin=self.latin_ngram)
            grams_seen |= grams
            keys = grams | doc_words
            per_doc.append(keys)
            df.update(keys)
        vocab = sorted(k for k, c in df.items() if c >= self.min_df)
        vocab = self._select(vocab, per_doc, y)
        self.vocabulary_ = {k: i for i, k in enumerate(vocab)}
        # Words (not n-grams) with a Latin edge must match whole: "id" is not in "video".
        self.whole_words_ = sorted(k for k in vocab if k not in grams_seen and _LATIN_EDGE.search(k))
        self._build()
        return self

    def _select(self, vocab, per_doc, y):
        if y is None or len(vocab) <= self.max_text_features:
            return vocab
        index = {k: i for i, k in enumerate(vocab)}
        rows, cols = [], []
        for row, keys in enumerate(per_doc):
            for key in keys:
                if key in index:
                    rows.append(row)
                    cols.append(index[key])
        X = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(per_doc), len(vocab)))
        scores, _ = chi2(X, np.asarray(y))
        scores = np.nan_to_num(scores)
        order = sorted(range(len(vocab)), key=lambda i: (-scores[i], vocab[i]))
        return sorted(vocab[i] for i in order[:self.max_text_features])

    def _build(self):
        self.matcher_ = RuleMatcher(self.rules_)
        # Every key the scan looks for: the rules' keys, the text vocabulary and the literals that
        # say where each contact/bulk pattern can match. Keys of 1-3 chars (nearly all hits: "脸",
        # "in", "人脸") are found with a numpy hash lookup over the batch's code points; only the
        # longer ones go through Aho-Corasick, so few hits cross into Python one by one.
        rule_keys = {k: i for i, k in enumerate(self.matcher_.keys)}
        names = list(dict.fromkeys([*self.matcher_.keys, *sorted(self.vocabulary_), *SIGNAL_GATE.literals]))
        self.scan_rule_ = np.array([rule_keys.get(k, -1) for k in names], dtype=np.int64)
        self.scan_col_ = np.array([self.vocabulary_.get(k, -1) for k in names], dtype=np.int64)
        self.scan_len_ = np.array([len(k) for k in names], dtype=np.int64)
        gate = [SIGNAL_GATE.literals.get(k, []) for k in names]
        self.scan_gate_ptr_ = np.cumsum([0] + [len(g) for g in gate]).astype(np.int64)
        self.scan_gate_req_ = np.array([r for g in gate for r in g], dtype=np.int64)
        self.ngrams_ = NgramIndex({k: uid for uid, k in enumerate(names) if len(k) <= 3})
        automaton = ahocorasick.Automaton()
        for uid, key in enumerate(names):
            if len(key) > 3:
                automaton.add_word(key, uid)
        if len(automaton):
            automaton.make_automaton()
        self.automaton_ = automaton
        self.key_len_ = np.zeros(len(self.vocabulary_), dtype=np.int64)
        self.key_latin_ = np.zeros(len(self.vocabulary_), dtype=bool)
        for key, idx in self.vocabulary_.items():
            self.key_len_[idx] = len(key)
        for key in self.whole_words_:
            self.key_latin_[self.vocabulary_[key]] = True
        self.rule_cat_ = np.array([CATEGORIES.index(r.category) if r.category in CATEGORIES else -1
                                   for r in self.rules_], dtype=np.int64)
        self.rule_weight_ = np.array([r.weight for r in self.rules_], dtype=float)
        self.rule_ctx_ = (self.rule_cat_ < 0) & np.array([r.id.startswith("ctx.") for r in self.rules_], dtype=bool)
        n_text = len(self.vocabulary_)
        self.rule_index_ = {r.id: n_text + i for i, r in enumerate(self.rules_)}
        base = n_text + len(self.rules_)
        self.category_index_ = {c: base + i for i, c in enumerate(CATEGORIES)}
        base += len(CATEGORIES)
        self.signal_index_ = {s: base + i for i, s in enumerate(SIGNAL_NAMES)}
        self.n_features_ = base + len(SIGNAL_NAMES)

    def __getstate__(self):
        state = dict(self.__dict__)
        for key in ("matcher_", "automaton_", "ngrams_", "scan_rule_", "scan_col_", "scan_len_", "scan_gate_ptr_",
                    "scan_gate_req_", "rule_cat_", "rule_weight_", "rule_ctx_"):  # rebuilt on load: smaller, version-proof
            state.pop(key, None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        if "vocabulary_" in state:
            self._build()

    def get_feature_names_out(self, input_features=None):
        """Return feature names: text keys as ``text:…``, rule ids, ``rules:<category>``, signals."""
        names = [""] * self.n_features_
        for key, idx in self.vocabulary_.items():
            names[idx] = f"text:{key}"
        for rule_id, idx in self.rule_index_.items():
            names[idx] = rule_id
        for cat, idx in self.category_index_.items():
            names[idx] = f"rules:{cat}"
        for sig, idx in self.signal_index_.items():
            names[idx] = sig
        return np.array(names, dtype=object)

    def transform(self, X):
        """Return the feature matrix of listings."""
        return self.analyse(X).matrix

    def analyse(self, X) -> Analysis:
        """Featurise listings and keep the intermediate results the explanations need."""
        texts = [listing_text(r) for r in X]
        batch = BatchNormalized(texts)  # offsets back to the seller's text only when asked
        normalized = batch.texts
        joined = DOC_SEP.join(normalized)
        points = code_points(joined)
        ends, uids = self._scan(joined, points)
        rule_keys, cols = self.scan_rule_[uids], self.scan_col_[uids]
        table = self.matcher_.resolve(normalized, joined, ends[rule_keys >= 0], rule_keys[rule_keys >= 0], points)
        hit, req = pairs(self.scan_gate_ptr_[uids], self.scan_gate_ptr_[uids + 1])
        lengths = np.fromiter(map(len, normalized), dtype=np.int64, count=len(normalized))
        docs = np.searchsorted(np.cumsum(lengths + 1), ends[hit], side="right")
        gated = SIGNAL_GATE.candidates(len(normalized), docs, self.scan_gate_req_[req])
        spans: list = []
        contacts = find_contacts_many(normalized, gated[:-1], spans)
        bases = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))
        blanks = [(bases[doc] + start, bases[doc] + end) for doc, start, end in spans]
        blanks += identifier_spans(joined)
        if blanks:  # text features read the texts with contacts and identifiers blanked, as fit() does
            points, cols = self._blank(points, blanks, ends, uids, cols)
        cells, values = self._text_entries(normalized, points, ends[cols >= 0], cols[cols >= 0])
        rows, cols, vals = self._extra_entries(X, normalized, table, contacts, gated[-1])
        matrix = canonical_csr(len(X), self.n_features_, cells, values, rows, cols, vals)
        return Analysis(texts, normalized, batch, table, contacts, matrix)

    def _blank(self, points, spans, ends, uids, cols):
        """Blank the code points in ``spans`` (of the joined texts) and drop the text-key hits that overlap them."""
        start, end = np.array(spans, dtype=np.int64).reshape(-1, 2).T
        change = np.zeros(len(points) + 1, dtype=np.int64)
        np.add.at(change, start, 1)
        np.add.at(change, end, -1)
        blank = np.cumsum(change)[:-1] > 0
        inside = np.concatenate(([0], np.cumsum(blank)))
        overlaps = inside[ends + 1] - inside[ends + 1 - self.scan_len_[uids]] > 0
        return np.where(blank, ord(" "), points), np.where(overlaps, -1, cols)

    def _scan(self, joined: str, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every occurrence of every scan key in ``joined``: its last index and the key's number."""
        starts, uids = self.ngrams_.find(points)
        ends = starts + self.scan_len_[uids] - 1
        if len(self.automaton_):
            found = np.fromiter(itertools.chain.from_iterable(self.automaton_.iter(joined)), dtype=np.int64)
            ends, uids = np.concatenate((ends, found[0::2])), np.concatenate((uids, found[1::2]))
        return ends, uids

    def _text_entries(self, normalized, points, ends, cols):
        """Text features as sorted cells ``row * n_features_ + col`` and values: presence, rows of unit length.

        ``ends``/``cols`` are the text keys' hits of the scan in the joined texts, whose code
        points are ``points``.
        """
        keep = whole_words(points, ends, cols, self.key_len_, self.key_latin_)
        ends, cols = ends[keep], cols[keep]
        lengths = np.fromiter(map(len, normalized), dtype=np.int64, count=len(normalized))
        rows = np.repeat(np.arange(len(normalized)), lengths + 1)[ends]
        # presence, not counts (repetition is cheap for sellers): one entry per (row, col)
        cells = unique_cells(rows * self.n_features_ + cols, len(normalized) * self.n_features_)
        counts = np.bincount(cells // self.n_features_, minlength=len(normalized))
        return cells, np.repeat(1.0 / np.sqrt(np.maximum(counts, 1)), counts)

    def _extra_entries(self, X, normalized, table: HitTable, contacts, bulk_candidates) -> tuple:
        """Rule, category, context and signal features as ``(rows, cols, values)`` arrays."""
        n, n_cat = len(normalized), len(CATEGORIES)
        cat = self.rule_cat_[table.rule]
        cells = table.doc[cat >= 0] * n_cat + cat[cat >= 0]
        # weights summed per (listing, category) in hit order, as a Counter would
        sums = np.bincount(cells, weights=self.rule_weight_[table.rule[cat >= 0]], minlength=n * n_cat)
        cells = sorted_unique(cells)
        # all reporting/help/consent context together: a report piles it up
        ctx = self.rule_ctx_[table.rule]
        n_ctx = np.bincount(table.doc[ctx], minlength=n)
        n_spans = np.bincount(table.doc[ctx], weights=(table.hi - table.lo)[ctx], minlength=n)
        ctx_rows = np.flatnonzero(n_ctx)
        tricks = trick_counts([original_text(r) for r in X])
        rows, cols, vals = signal_entries(X, normalized, contacts, tricks, self.signal_index_, bulk_candidates)
        ctx_cols = np.full(len(ctx_rows), self.signal_index_["context:rules"])
        spans_cols = np.full(len(ctx_rows), self.signal_index_["context:spans"])
        # Offer rules that fire in a text written in reporting/help/consent voice: a warning that
        # lists the trade's words piles up rule hits an offer would have, so the model gets to
        # weigh them apart; and how many categories fired (a ban list names them all).
        per_doc = sums.reshape(n, n_cat)
        offer_sum = per_doc.sum(axis=1)
        spread = (per_doc > 0).sum(axis=1)
        spread_rows = np.flatnonzero(spread >= 2)
        return ((table.doc, cells // n_cat, ctx_rows, ctx_rows, ctx_rows, spread_rows, np.array(rows, dtype=np.int64)),
                (len(self.vocabulary_) + table.rule, self.category_index_[CATEGORIES[0]] + cells % n_cat,
                 ctx_cols, spans_cols, np.full(len(ctx_rows), self.signal_index_["context:offer_rules"]),
                 np.full(len(spread_rows), self.signal_index_["rules:spread"]), np.array(cols, dtype=np.int64)),
                (np.ones(len(table.doc)), np.fromiter(map(math.log1p, sums[cells].tolist()), dtype=float),
                 n_ctx[ctx_rows] / 2, np.fromiter(map(math.log1p, n_spans[ctx_rows].tolist()), dtype=float),
                 np.log1p(offer_sum[ctx_rows]), (spread[spread_rows] - 1).astype(float), np.array(vals, dtype=float)))
