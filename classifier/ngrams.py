"""Find a vocabulary's 1-3-character keys in a whole batch of text at numpy speed (open-addressing hash)."""

from __future__ import annotations

import numpy as np

_MULT = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: spreads the packed code points
_UNIGRAM_LIMIT = 0x20000  # unigrams below this are looked up in a plain array


def code_points(text: str) -> np.ndarray:
    """Return the code points of ``text`` as int64."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)


def _pack(points: np.ndarray, n: int) -> np.ndarray:
    """Pack every run of ``n`` code points into one int64 (21 bits each; n <= 3 fits in 63 bits)."""
    size = len(points) - n + 1
    if size <= 0:
        return np.zeros(0, dtype=np.int64)
    packed = points[:size].copy()
    for k in range(1, n):
        packed = (packed << 21) | points[k:k + size]
    return packed


class NgramIndex:
    """Map 1-3-character strings to columns; ``find`` returns every occurrence in a text.

    Parameters
    ----------
    keys : dict of str to int
        Strings of 1-3 characters and their column numbers.
    """

    def __init__(self, keys: dict[str, int]):
        unigrams = {k: c for k, c in keys.items() if len(k) == 1 and ord(k) < _UNIGRAM_LIMIT}
        self.unigram = np.full(_UNIGRAM_LIMIT, -1, dtype=np.int32)
        for key, col in unigrams.items():
            self.unigram[ord(key)] = col
        self.sizes = sorted({len(k) for k in keys if k not in unigrams})
        packed = [(int(_pack(code_points(k), len(k))[0]), col) for k, col in keys.items() if k not in unigrams]
        bits = max(10, int(np.ceil(np.log2(max(len(packed), 1) * 4))))
        self.shift = np.uint64(64 - bits)
        self.keys = np.full(1 << bits, -1, dtype=np.int64)
        self.cols = np.full(1 << bits, -1, dtype=np.int32)
        self.probes = 1
        mask = (1 << bits) - 1
        for key, col in packed:  # linear probing; remember the longest probe sequence
            slot = int(self._hash(np.array([key]))[0])
            probe = 0
            while self.keys[(slot + probe) & mask] != -1:
                probe += 1
            self.keys[(slot + probe) & mask], self.cols[(slot + probe) & mask] = key, col
            self.probes = max(self.probes, probe + 1)

    def _hash(self, packed: np.ndarray) -> np.ndarray:
        return ((packed.astype(np.uint64) * _MULT) >> self.shift).astype(np.int64)

    def find(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(positions, columns)`` of every key occurrence in the code points ``points``."""
        small = points < _UNIGRAM_LIMIT
        cols = np.where(small, self.unigram[np.where(small, points, 0)], -1)
        found_pos, found_cols = [np.flatnonzero(cols >= 0)], [cols[cols >= 0]]
        mask = len(self.keys) - 1
        for n in self.sizes:
            packed = _pack(points, n)
            slots = self._hash(packed)
            where = np.arange(len(packed))
            for probe in range(self.probes):
                slot = (slots + probe) & mask
                keys = self.keys[slot]
                hit = keys == packed
                found_pos.append(where[hit])
                found_cols.append(self.cols[slot[hit]])
                # probe on only where the slot held another key: an empty slot ends the search
                more = (keys != -1) & ~hit
                where, slots, packed = where[more], slots[more], packed[more]
        return np.concatenate(found_pos), np.concatenate(found_cols).astype(np.int64)
