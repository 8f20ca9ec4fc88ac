"""Full-text search over listings that works for Chinese, short queries included."""

from __future__ import annotations

import sqlite_utils

# The trigram tokenizer indexes 3-character windows, so shorter terms go through LIKE.
_MIN_FTS_CHARS = 3


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def search_listings(db: sqlite_utils.Database, query: str, *, limit: int = 50,
                    platform: str | None = None) -> list[dict]:
    """Return listings whose title or description contains every whitespace-separated term.

    Each row carries the latest classification (score, label, category) when there is one.
    """
    terms = [t for t in query.split() if t]
    if not terms:
        return []
    where, params = [], []
    fts_terms = [t for t in terms if len(t) >= _MIN_FTS_CHARS]
    if fts_terms:
        where.append("l.id IN (SELECT rowid FROM listings_fts WHERE listings_fts MATCH ?)")
        params.append(" AND ".join(_fts_phrase(t) for t in fts_terms))
    for term in terms:
        if len(term) < _MIN_FTS_CHARS:
            where.append("(l.title LIKE ? ESCAPE '\\' OR coalesce(l.description, '') LIKE ? ESCAPE '\\')")
            pattern = f"%{_like_escape(term)}%"
            params += [pattern, pattern]
    if platform:
        where.append("l.platform = ?")
        params.append(platform)
    sql = f"""
        SELECT l.id, l.platform, l.listing_id, l.title, l.price_text, l.status, l.url,
               c.score, c.label, c.category
        FROM listings l
        LEFT JOIN classifications c ON c.id = (
            SELECT id FROM classifications WHERE listing_ref = l.id ORDER BY classified_at DESC, id DESC LIMIT 1)
        WHERE {' AND '.join(where)}
        ORDER BY coalesce(c.score, 0) DESC, l.last_seen_at DESC
        LIMIT ?"""
    params.append(limit)
    return [dict(row) for row in db.query(sql, params)]
