"""Rank candidate new code words: over-represented in violations, near known jargon, used like it."""

from __future__ import annotations

import json
import logging
import math
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from classifier.normalize import normalize_many
from classifier.rules import load_rules

logger = logging.getLogger(__name__)

MIN_DECISIONS = 20   # fewer confirmed violations than this: learn from the classifier's labels instead
PRIOR_STRENGTH = 200.0
MIN_SUPPORT = 3      # a candidate must occur in this many violating listings
_UNITS = re.compile(r"[\u3400-\u9fff]+|[a-z]{2,15}")


@dataclass
class Candidate:
    """One candidate code word with the figures that ranked it and example listings."""

    term: str
    score: float
    z: float
    in_violations: int
    in_benign: int
    cooccurrence: float
    context: float
    examples: list[dict] = field(default_factory=list)


def labelled(conn, min_decisions: int = MIN_DECISIONS) -> tuple[list[tuple], list[tuple], str]:
    """Return (violations, benign, source) as ``(listing id, title, text)`` rows.

    Analysts' verdicts when there are at least ``min_decisions`` confirmed violations,
    else the classifier's latest label for each listing.
    """
    text = "l.id, l.title, coalesce(l.title, '') || ' ' || coalesce(l.description, '')"
    confirmed = conn.execute("SELECT count(*) FROM review_verdicts WHERE label = 1").fetchone()[0]
    if confirmed >= min_decisions:
        pos = conn.execute(f"SELECT {text} FROM listings l JOIN review_verdicts v ON v.listing_ref = l.id"
                           " WHERE v.label = 1").fetchall()
        neg = conn.execute(f"SELECT {text} FROM listings l LEFT JOIN review_verdicts v ON v.listing_ref = l.id"
                           " WHERE coalesce(v.label, (SELECT c.label FROM classifications c WHERE c.listing_ref"
                           " = l.id ORDER BY c.id DESC LIMIT 1)) = 0").fetchall()
        return pos, neg, f"analyst verdicts ({confirmed} confirmed violations)"
    latest = ("(SELECT c.label FROM classifications c WHERE c.listing_ref = l.id ORDER BY c.id DESC LIMIT 1)")
    pos = conn.execute(f"SELECT {text} FROM listings l WHERE {latest} = 1").fetchall()
    neg = conn.execute(f"SELECT {text} FROM listings l WHERE {latest} = 0").fetchall()
    return pos, neg, f"classifier labels (only {confirmed} confirmed violations; {min_decisions} needed)"


def known_terms(rules_path=None) -> set[str]:
    """Every rule term, normalised as the matcher sees it."""
    terms = [t for rule in load_rules(rules_path) for t in rule.terms]
    return {t for t in normalize_many(terms) if t}


def units(text: str) -> set[str]:
    """Character 2-4-grams of Chinese runs and whole Latin words (pinyin, abbreviations)."""
    out = set()
    for run in _UNITS.findall(text):
        if run.isascii():
            out.add(run)
            continue
        for n in (2, 3, 4):
            out.update(run[i:i + n] for i in range(len(run) - n + 1))
    return out


def log_odds(pos_counts: Counter, neg_counts: Counter, prior: float = PRIOR_STRENGTH) -> dict[str, float]:
    """z-scores of the log-odds ratio with an informative Dirichlet prior (Monroe et al. 2008)."""
    total = pos_counts + neg_counts
    n_all = sum(total.values()) or 1
    n1, n2 = sum(pos_counts.values()), sum(neg_counts.values())
    z = {}
    for word, count in total.items():
        a = prior * count / n_all
        y1, y2 = pos_counts[word] + a, neg_counts[word] + a
        delta = math.log(y1 / (n1 + prior - y1)) - math.log(y2 / (n2 + prior - y2))
        z[word] = delta / math.sqrt(1 / y1 + 1 / y2)
    return z


def _overlaps(term: str, known: set[str]) -> bool:
    return any(term in k or k in term for k in known)


def _maximal(candidates: list[str], df: Counter) -> list[str]:
    """Drop an n-gram when a longer one holding it occurs (almost) as often: "脸模" inside "脸模包"."""
    dominated = set()
    for term in sorted(candidates, key=len, reverse=True):
        for sub in (term[1:], term[:-1]):
            if len(sub) >= 2 and df[term] >= 0.9 * df[sub]:
                dominated.add(sub)
    return [t for t in candidates if t not in dominated]


def _context_vectors(terms: list[str], texts: list[str], vocab: dict[str, int]) -> np.ndarray:
    """Counts of the characters just left and right of each term (two either side)."""
    vectors = np.zeros((len(terms), 4 * len(vocab)), dtype=float)
    for row, term in enumerate(terms):
        for text in texts:
            start = text.find(term)
            while start >= 0:
                end = start + len(term)
                for slot, pos in enumerate((start - 2, start - 1, end, end + 1)):
                    if 0 <= pos < len(text) and text[pos] in vocab:
                        vectors[row, slot * len(vocab) + vocab[text[pos]]] += 1
                start = text.find(term, end)
    return vectors


def context_similarity(candidates: list[str], known: list[str], texts: list[str]) -> dict[str, float]:
    """Cosine of each candidate's neighbouring-character profile with known jargon's (CantReader's idea)."""
    vocab = {ch: i for i, (ch, _) in enumerate(Counter("".join(texts)).most_common(400))}
    cand = _context_vectors(candidates, texts, vocab)
    ref = _context_vectors(known, texts, vocab).sum(axis=0)
    ref_norm = np.linalg.norm(ref)
    norms = np.linalg.norm(cand, axis=1)
    sims = cand @ ref / np.where(norms * ref_norm == 0, 1, norms * ref_norm)
    return dict(zip(candidates, sims.tolist()))


def discover(conn, *, rules_path=None, top: int = 20, min_decisions: int = MIN_DECISIONS,
             pool: int = 300) -> tuple[list[Candidate], str]:
    """Rank candidate new code words in the findings database; returns (candidates, label source)."""
    pos, neg, source = labelled(conn, min_decisions)
    if not pos or not neg:
        return [], source
    pos_text = normalize_many([r[2] for r in pos])
    neg_text = normalize_many([r[2] for r in neg])
    pos_units = [units(t) for t in pos_text]
    pos_df = Counter(u for us in pos_units for u in us)
    neg_df = Counter(u for t in neg_text for u in units(t))
    known = known_terms(rules_path)
    handles = [v.lower() for (v,) in conn.execute("SELECT value FROM contacts")]
    z = log_odds(pos_df, neg_df)
    shortlist = [t for t, _ in sorted(z.items(), key=lambda kv: -kv[1])
                 if pos_df[t] >= MIN_SUPPORT and not _overlaps(t, known)
                 and not any(t in h for h in handles)][:pool]
    shortlist = _maximal(shortlist, pos_df)
    present = [k for k in known if any(k in t for t in pos_text)]
    has_known = [any(k in t for k in present) for t in pos_text]
    ctx = context_similarity(shortlist, present, pos_text + neg_text)
    ranked = []
    for term in shortlist:
        with_term = [i for i, us in enumerate(pos_units) if term in us]
        cooc = sum(has_known[i] for i in with_term) / len(with_term)
        score = z[term] * (1 + cooc) * (1 + ctx[term])
        examples = [{"listing": pos[i][0], "title": pos[i][1]} for i in with_term[:3]]
        ranked.append(Candidate(term, score, z[term], pos_df[term], neg_df[term], cooc, ctx[term], examples))
    ranked = _distinct(sorted(ranked, key=lambda c: -c.score), pos_units, top)
    logger.info("discover: %s violating and %s benign listings (%s)", len(pos), len(neg), source)
    return ranked, source


def _distinct(ranked: list[Candidate], pos_units: list[set], top: int) -> list[Candidate]:
    """Keep one candidate per set of listings: pieces of one stock phrase are one finding, not ten."""
    kept, doc_sets = [], []
    for cand in ranked:
        docs = {i for i, us in enumerate(pos_units) if cand.term in us}
        if any(len(docs & other) >= 0.8 * len(docs | other) for other in doc_sets):
            continue
        kept.append(cand)
        doc_sets.append(docs)
        if len(kept) == top:
            break
    return kept


class AcceptError(ValueError):
    """A term that cannot be accepted into the rules; the message says why."""


def _block(lines: list[str], rule_id: str) -> tuple[int, int, int] | None:
    """(first line, end line, key indent) of the rule ``rule_id`` in a rules file's lines."""
    head = re.compile(r"^(\s*)- id:\s*['\"]?" + re.escape(rule_id) + r"['\"]?\s*(#.*)?$")
    for i, line in enumerate(lines):
        m = head.match(line)
        if m:
            indent = len(m.group(1))
            end = next((j for j in range(i + 1, len(lines)) if lines[j].strip()
                        and len(lines[j]) - len(lines[j].lstrip()) <= indent), len(lines))
            return i, end, indent + 2
    return None


def _append(lines: list[str], start: int, end: int, key: str, indent: int, value: str) -> bool:
    """Append ``value`` to the flow or block list under ``key`` (at ``indent``) between start and end."""
    pattern = re.compile(" " * indent + re.escape(key) + r":\s*(\[)?")
    for i in range(start, end):
        m = pattern.match(lines[i])
        if not m:
            continue
        if m.group(1):  # flow list: add before the closing bracket, however many lines it spans
            j = next(k for k in range(i, end) if lines[k].rstrip().endswith("]"))
            body = lines[j].rstrip()
            sep = "" if body[:-1].rstrip().endswith("[") else ", "
            lines[j] = body[:-1] + sep + value + "]\n"
            return True
        items = [k for k in range(i + 1, end) if lines[k].lstrip().startswith("- ")
                 and len(lines[k]) - len(lines[k].lstrip()) > indent]
        if items:
            k = items[-1]
            lines.insert(k + 1, lines[k][:len(lines[k]) - len(lines[k].lstrip())] + "- " + value + "\n")
            return True
    return False


def _edit_rule_file(path, rule_id: str, term: str, example: str) -> str:
    """The file's text with the term and example added, every other byte as it was."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    found = _block(lines, rule_id)
    if found is None:
        raise AcceptError(f"no rule {rule_id!r} in {path}")
    start, end, indent = found
    quoted = json.dumps(example, ensure_ascii=False)
    match_at = next((i for i in range(start, end) if lines[i].strip().startswith("examples:")), None)
    plain = term if re.fullmatch(r"[\w\u3400-\u9fff]+", term) else json.dumps(term, ensure_ascii=False)
    if not _append(lines, start, end, "terms", indent, plain) or match_at is None \
            or not _append(lines, match_at, end, "match", indent + 2, quoted):
        raise AcceptError(f"{path}: rule {rule_id} needs a 'terms' list and an 'examples: match' list to extend")
    return "".join(lines)


def _find_rule_file(rules_dir, rule_id: str):
    from classifier.rules import rule_files

    for path in rule_files(rules_dir):
        if any(rule.id == rule_id for rule in load_rules(path)):
            return path
    raise AcceptError(f"no rule {rule_id!r} in {rules_dir or 'rules/'}")


def accept(term: str, rule_id: str, example: str, *, rules_dir=None) -> str:
    """Append ``term`` to a rule's terms and ``example`` to its ``examples.match``; return the file changed.

    The file is written back only when the rules still load and the rule fires on the
    example; otherwise it is left as it was and AcceptError says why.
    """
    from classifier.rules import RuleError, RuleMatcher

    term, example = term.strip(), example.strip()
    if not term or term not in example:
        raise AcceptError(f"the example must contain the term {term!r}")
    if normalize_many([term])[0] in known_terms(rules_dir):
        raise AcceptError(f"{term!r} is already a rule term")
    path = _find_rule_file(rules_dir, rule_id)
    original = path.read_text(encoding="utf-8")
    path.write_text(_edit_rule_file(path, rule_id, term, example), encoding="utf-8")
    try:
        rules = load_rules(path)
        rule = next(r for r in rules if r.id == rule_id)
        if term not in rule.terms or example not in rule.examples.get("match", []):
            raise AcceptError(f"{path}: could not add to rule {rule_id} safely; edit it by hand")
        hits = RuleMatcher(rules).match_many(normalize_many([example]))[0]
        if not any(h.rule.id == rule_id for h in hits):
            raise AcceptError(f"{rule_id} does not fire on the example (its context or negative_context"
                              f" rules it out); choose an example in the sellers' words")
    except (RuleError, AcceptError):
        path.write_text(original, encoding="utf-8")
        raise
    logger.info("accepted %r into %s (%s)", term, rule_id, path)
    return str(path)
