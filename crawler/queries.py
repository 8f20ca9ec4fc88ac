"""Search queries shared with the classifier: seed queries plus the search terms of rules."""

from __future__ import annotations

import logging
from pathlib import Path

import yaml

logger = logging.getLogger(__name__)

RULES_DIR = Path(__file__).resolve().parents[1] / "rules"
SEED_FILE = "queries.yml"


def _read_yaml(path: Path):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        logger.warning("cannot read %s: %s", path, exc)
        return {}


def seed_queries(rules_dir: Path = RULES_DIR, site: str | None = None) -> list[str]:
    """Seed queries from ``rules/queries.yml`` (``queries:`` plus ``sites: {site: [...]}``)."""
    data = _read_yaml(rules_dir / SEED_FILE)
    queries = list(data.get("queries") or [])
    if site:
        queries += list((data.get("sites") or {}).get(site) or [])
    return [str(q) for q in queries]


def rule_terms(rules_dir: Path = RULES_DIR) -> list[str]:
    """Terms of every rule marked ``search: true`` in ``rules/*.yml``."""
    terms: list[str] = []
    for path in sorted(rules_dir.glob("*.yml")):
        if path.name == SEED_FILE:
            continue
        data = _read_yaml(path)
        for rule in data.get("rules") or [] if isinstance(data, dict) else []:
            if isinstance(rule, dict) and rule.get("search"):
                terms += [str(t) for t in rule.get("terms") or [] if isinstance(t, (str, int))]
    return terms


def crawl_queries(site: str | None = None, rules_dir: Path = RULES_DIR) -> list[str]:
    """All queries for a crawl, in order, without repeats."""
    seen: dict[str, None] = {}
    for query in seed_queries(rules_dir, site) + rule_terms(rules_dir):
        query = query.strip()
        if query:
            seen.setdefault(query, None)
    return list(seen)
