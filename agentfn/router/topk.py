"""The ``m`` largest entries of a registry-sized score row, without partitioning the whole row.

Routing picks a few best tools out of every registry-sized array several times
per request (each step's best tools, the head blend's candidates, the final
pool). ``np.argpartition`` over 10,000 floats costs about 0.1 ms a call; most
of the row cannot reach the top. :func:`best_indices` first keeps the entries
at or above a threshold that at least ``m`` entries reach (the matching order
statistic of an evenly strided sample of the row; checked, not assumed), then
partitions only those.

Guarantees: the result holds ``m`` indices (all of them when the row is
shorter) whose values are each at least every value left out; the indices
are those of ``np.argpartition(-values, m - 1)[:m]`` up to the order within the
result and to which of several equal values at the cut get in. ``NaN`` never
gets in ahead of a number. A row that is mostly ``-inf`` (scores outside a candidate
pool) is partitioned over its other entries only. :func:`best_rows_union` is the sorted union of every
row's best ``m`` within a mask.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["best_indices", "best_rows_union"]

FloatArray = npt.NDArray[np.floating[Any]]
IntArray = npt.NDArray[np.int64]

_SAMPLE_STRIDE = 8
"""Every 8th entry samples the row: 1,250 of 10,000."""
_MIN_ROW = 2048
"""Rows shorter than this are partitioned whole (the sample would not pay for itself)."""


def _threshold(values: FloatArray, m: int) -> float | None:
    """A value that at least ``m`` entries of ``values`` reach, or None when the sample says none helps."""
    sample = values[::_SAMPLE_STRIDE]
    # The sample's j-th largest, j a little above the sample's share of m: about 1.5 m entries reach it.
    j = min(sample.shape[0], (m * 3) // (2 * _SAMPLE_STRIDE) + 1)
    t = float(np.partition(sample, sample.shape[0] - j)[sample.shape[0] - j])
    return t if np.isfinite(t) or t == np.inf else None


def best_indices(values: FloatArray, m: int) -> IntArray:
    """Indices of the ``m`` largest of ``values`` (1-d), in no particular order (see the module docstring)."""
    n = values.shape[0]
    if m >= n:
        return np.arange(n, dtype=np.int64)
    if m <= 0:
        return np.zeros(0, dtype=np.int64)
    if n >= _MIN_ROW:
        # Rows that are mostly -inf (tools outside a candidate pool): partition only the others.
        live = np.flatnonzero(values > -np.inf)
        if live.shape[0] < m:
            return np.argpartition(-values, m - 1)[:m].astype(np.int64)
        if live.shape[0] < _MIN_ROW:
            return _best_of(values, live, m)
        t = _threshold(values, m)
        if t is not None:
            above = np.flatnonzero(values >= t)
            if above.shape[0] >= m:
                return _best_of(values, above, m)
    return np.argpartition(-values, m - 1)[:m].astype(np.int64)


def _best_of(values: FloatArray, among: IntArray, m: int) -> IntArray:
    """The ``m`` largest of ``values`` among the indices ``among`` (at least ``m`` of them)."""
    if among.shape[0] == m:
        return among.astype(np.int64)
    return among[np.argpartition(-values[among], m - 1)[:m]].astype(np.int64)


def best_rows_union(values: FloatArray, m: int, allowed: npt.NDArray[np.bool_]) -> IntArray:
    """Sorted columns that are among some row's ``m`` largest of ``values`` (rows x columns) and ``allowed``."""
    hit = np.zeros(values.shape[1], dtype=bool)
    for row in values:
        hit[best_indices(row, m)] = True
    return np.flatnonzero(hit & allowed).astype(np.int64)
