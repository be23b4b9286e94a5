"""Quantiles of many values in bounded memory, with a stated, deterministic rank error.

A streamed ensemble (:mod:`simulator.ensemble_stream`) cannot keep every member's
values, so its bands come from this sketch: a mergeable compactor (Munro and
Paterson 1980; Agarwal et al. 2013, "Mergeable summaries", ACM TODS 38(4)), kept
for many cells (indicator-years) at once, vectorised along the cells.

How it works. Values arrive in member order and fill a raw buffer of ``2m``
rows (weight 1). A full buffer is sorted and *compacted*: every other value is
kept (offset 0 or 1, alternating), the ``m`` kept values weigh 2. Summaries of
the same weight merge as a binary counter: two of weight ``w`` are sorted
together and compacted to ``m`` values of weight ``2w``. At most one summary
per weight is kept, so the memory is ``2m + m * levels`` values per cell
(``levels`` below).

The error. One compaction of sorted values of weight ``w`` changes the
weighted count of values <= t, for any t, by at most ``w``. Errors add, so
after all compactions ``|R_est(t) - R(t)| <= E`` for every t, where ``R`` is
the true count, ``R_est`` the sketch's and ``E`` (:attr:`QuantileSketch.rank_error`)
the sum of the weights of every compaction made. With ``c = floor(N / 2m)``
buffers compacted and ``levels = bit_length(c)``, the raw compactions add ``c``
and the merges into each higher level at most ``c`` more, so
``E <= c * levels``, about ``N * levels / (2m)``.
The estimate of quantile ``q`` is the smallest kept value whose estimated
count reaches ``q N``; it therefore lies between the true order statistics of
ranks ``ceil(q N - E)`` and ``ceil(q N + E)`` (1-based, clipped to 1..N), which
``tests/test_ensemble_stream.py`` checks against the exact values. Below ``2m``
values nothing is compacted and ``E = 0``: the quantiles are exact
(inverse of the empirical distribution).

The sketch depends on the order of the values only, never on how they were
split into calls of :meth:`QuantileSketch.update`.
"""

from __future__ import annotations

import numpy as np

#: Values kept per summary and cell by default (a power of two): the rank error of
#: 10^8 members is then at most 15/4,096 = 0.37% of N (levels = 14).
DEFAULT_M = 2048


#: Cells whose quantiles are read at once (bounds the temporaries of a query).
_QUERY_CELLS = 64


def levels_for(n: int, m: int) -> int:
    """Most summaries kept for ``n`` values: the bits of ``floor(n / 2m)`` (0 below 2m)."""
    return (n // (2 * m)).bit_length()


def sketch_bytes(n: int, cells: int, m: int) -> int:
    """Bytes a sketch of ``cells`` cells holds at most for ``n`` values (float64)."""
    return 8 * cells * m * (2 + levels_for(n, m) + 2)  # raw buffer, levels, a merge's copies


def rank_error_bound(n: int, m: int) -> int:
    """Upper bound of :attr:`QuantileSketch.rank_error` for ``n`` values [values]."""
    return (n // (2 * m)) * levels_for(n, m)


class QuantileSketch:
    """Quantiles of a stream of rows, one sketch per column (cell).

    Parameters
    ----------
    cells : int
        Number of columns of every row given to :meth:`update`.
    m : int
        Values kept per summary (even, >= 2); memory and error as in the module
        docstring.
    """

    def __init__(self, cells: int, m: int = DEFAULT_M):
        if m < 2 or m % 2:
            raise ValueError(f"sketch size m must be an even number >= 2, got {m}")
        self.cells, self.m = int(cells), int(m)
        self._raw = np.empty((2 * self.m, self.cells))
        self._fill = 0
        self._levels: list[np.ndarray | None] = []  # level h: m values of weight 2^(h+1)
        self._compactions = 0
        self.n = 0
        #: Bound of the count error [values]: the sum of the weights of every compaction.
        self.rank_error = 0

    def update(self, rows: np.ndarray) -> None:
        """Add rows ``(k, cells)`` of values, in order."""
        rows = np.asarray(rows, dtype=float).reshape(-1, self.cells)
        start = 0
        while start < len(rows):
            take = min(len(rows) - start, 2 * self.m - self._fill)
            self._raw[self._fill:self._fill + take] = rows[start:start + take]
            self._fill += take
            start += take
            if self._fill == 2 * self.m:
                self._carry(self._compact(np.sort(self._raw, axis=0), 1), 0)
                self._fill = 0
        self.n += len(rows)

    def _compact(self, ordered: np.ndarray, weight: int) -> np.ndarray:
        """Keep every other of 2m sorted rows (alternating offset); the error grows by weight."""
        offset = self._compactions % 2
        self._compactions += 1
        self.rank_error += weight
        return ordered[offset::2].copy()

    def _carry(self, summary: np.ndarray, level: int) -> None:
        """Place a summary of weight 2^(level+1), merging with equal ones (a binary counter)."""
        while True:
            if level == len(self._levels):
                self._levels.append(None)
            held = self._levels[level]
            if held is None:
                self._levels[level] = summary
                return
            self._levels[level] = None
            merged = np.sort(np.concatenate([held, summary]), axis=0)
            summary = self._compact(merged, 2 ** (level + 1))
            level += 1

    def quantiles(self, levels) -> np.ndarray:
        """Estimates of the quantiles ``levels`` (in [0, 1]) per cell, shape ``(len, cells)``."""
        if self.n == 0:
            raise ValueError("the sketch holds no values")
        parts = [self._raw[:self._fill]] + [s for s in self._levels if s is not None]
        weights = np.concatenate(
            [np.ones(self._fill)]
            + [np.full(self.m, 2.0 ** (h + 1)) for h, s in enumerate(self._levels)
               if s is not None])
        out = np.empty((len(levels), self.cells))
        for first in range(0, self.cells, _QUERY_CELLS):
            cols = slice(first, min(first + _QUERY_CELLS, self.cells))
            values = np.concatenate([p[:, cols] for p in parts])
            order = np.argsort(values, axis=0, kind="stable")
            ordered = np.take_along_axis(values, order, axis=0)
            counts = np.cumsum(weights[order], axis=0)
            for i, q in enumerate(levels):
                # first kept value whose estimated count reaches q N (the smallest for q = 0)
                at = np.argmax(counts >= float(q) * self.n, axis=0)
                out[i, cols] = ordered[at, np.arange(ordered.shape[1])]
        return out
