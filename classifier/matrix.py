"""Assemble a batch's sparse feature matrix: whole-word text keys, distinct cells, canonical CSR order."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from classifier.spans import sorted_unique

_BITMAP_LIMIT = 1 << 24  # cells of a batch's text block deduplicated with a bitmap (16 MB) up to this


def whole_words(points: np.ndarray, ends, cols, key_len, key_latin) -> np.ndarray:
    """Keep matches of Latin words only where they are whole words ("id" not in "video")."""
    latin = key_latin[cols]
    if not latin.any():
        return np.ones(len(cols), dtype=bool)
    word = ((points >= 97) & (points <= 122)) | ((points >= 48) & (points <= 57))
    word = np.concatenate([[False], word, [False]])  # pad: index i+1 is char i
    starts = ends - key_len[cols] + 1
    inside = word[starts] | word[ends + 2]
    return ~(latin & inside)


def unique_cells(cells: np.ndarray, size: int) -> np.ndarray:
    """Sorted distinct values of ``cells`` (all below ``size``): a bitmap when small, else a sort."""
    if size > _BITMAP_LIMIT:
        return sorted_unique(cells)
    seen = np.zeros(size, dtype=bool)
    seen[cells] = True
    return np.flatnonzero(seen)


def canonical_csr(n_rows: int, n_cols: int, cells: np.ndarray, values: np.ndarray, rows, cols, vals) -> sp.csr_matrix:
    """One CSR matrix from sorted cells (``row * n_cols + col``) and a few more ``(row, col, value)`` blocks.

    No cell may be in two places. Sorted by row, then column, with zeros dropped: the
    canonical form ``a + b`` of the blocks' matrices would give, so the model's sums run
    in the same order.
    """
    more = np.concatenate(rows) * n_cols + np.concatenate(cols)
    more_values = np.concatenate(vals).astype(float)
    order = np.argsort(more)
    more, more_values = more[order], more_values[order]
    where = np.searchsorted(cells, more)
    cells, values = np.insert(cells, where, more), np.insert(values, where, more_values)
    nonzero = values != 0
    cells, values = cells[nonzero], values[nonzero]
    indptr = np.searchsorted(cells, np.arange(n_rows + 1) * n_cols)
    matrix = sp.csr_matrix((values, (cells % n_cols).astype(np.int32), indptr.astype(np.int32)), shape=(n_rows, n_cols))
    matrix.has_sorted_indices = True
    return matrix
