"""best_indices / best_rows_union pick the same entries as a full partition (ties aside)."""

from __future__ import annotations

import numpy as np
import pytest

from agentfn.router.topk import best_indices, best_rows_union


def _full(values: np.ndarray, m: int) -> set[int]:
    return set(map(int, np.argpartition(-values, m - 1)[:m]))


@pytest.mark.parametrize("n", [10, 3000, 10000])
@pytest.mark.parametrize("m", [1, 17, 64, 512])
def test_best_indices_equal_a_full_partition(n: int, m: int) -> None:
    rng = np.random.default_rng(n + m)
    values = rng.standard_normal(n).astype(np.float32)
    got = best_indices(values, m)
    assert got.dtype == np.int64
    if m >= n:
        assert sorted(got.tolist()) == list(range(n))
        return
    assert len(got) == m and set(map(int, got)) == _full(values, m)


def test_best_indices_skip_minus_infinity_and_nan() -> None:
    rng = np.random.default_rng(1)
    values = np.full(10000, -np.inf, dtype=np.float32)
    live = rng.choice(10000, 700, replace=False)
    values[live] = rng.standard_normal(700).astype(np.float32)
    values[live[:3]] = np.nan
    got = best_indices(values, 80)
    assert np.all(np.isfinite(values[got]))
    finite = np.where(np.isnan(values), -np.inf, values)
    assert set(map(int, got)) == _full(finite, 80)


def test_best_indices_every_value_left_out_is_no_larger() -> None:
    values = np.repeat(np.arange(50, dtype=np.float32), 200)  # many ties at every value
    got = best_indices(values, 300)
    left = np.setdiff1d(np.arange(values.shape[0]), got)
    assert len(got) == 300 and values[got].min() >= values[left].max()


def test_best_rows_union_is_the_sorted_union_within_the_mask() -> None:
    rng = np.random.default_rng(2)
    values = rng.standard_normal((3, 5000)).astype(np.float32)
    allowed = rng.random(5000) > 0.1
    got = best_rows_union(values, 100, allowed)
    want = sorted({int(c) for row in values for c in _full(row, 100) if allowed[c]})
    assert got.tolist() == want
