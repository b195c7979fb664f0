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


def test_blended_rows_equal_the_full_partition_formulation() -> None:
    """The candidate union (sampled thresholds) gives exactly what argpartition + unique gave."""
    from agentfn.router.blend import blend_table, blended_rows, dense_rows

    rng = np.random.default_rng(4)
    n, dim, keep = 6000, 48, 256
    emb = rng.normal(size=(n, dim)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    heads = emb + rng.normal(scale=0.5, size=(n, dim)).astype(np.float32)
    heads /= np.linalg.norm(heads, axis=1, keepdims=True)
    queries = rng.normal(size=(3, dim)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    lexical = np.maximum(rng.normal(scale=0.2, size=(3, n)), 0).astype(np.float32)
    alive = rng.random(n) > 0.05
    table = blend_table(emb, heads, 0.5)
    dense = dense_rows(emb, queries)
    got = blended_rows(table, heads, dense, queries, lexical, alive, a=0.5, w_dense=0.7, w_lexical=0.3, keep=keep)
    af = np.float32(0.5)
    estimate = (np.float32(0.7) * (dense * (np.float32(1.0) + af * table.cos[None, :])) * table.scale[None, :]
                + np.float32(0.3) * lexical)
    estimate[:, ~alive] = -np.inf
    rows = np.unique(np.argpartition(-estimate, keep - 1, axis=1)[:, :keep])
    rows = rows[alive[rows]]
    want = np.full(dense.shape, -np.inf, dtype=np.float32)
    want[:, rows] = (dense[:, rows] + af * (heads[rows] @ queries.T).T) * table.scale[None, rows]
    assert np.array_equal(got, want)


@pytest.mark.parametrize("k", [1, 4, 10, 40])
def test_scorer_top_equals_a_full_sort(k: int) -> None:
    """Scorer.top over a registry row (mostly -inf, as outside a candidate pool, or dense) is the
    full sort's best k, ties by name."""
    from agentfn.router import Router

    tools = [{"name": f"tool_{i:04d}", "description": f"Does task number {i} for the user."} for i in range(3000)]
    scorer = Router.build(tools, encoder=None).scorer
    names = scorer.index.slot_names
    rng = np.random.default_rng(k)
    for share in (0.1, 1.0):
        scores = np.full(len(tools), -np.inf, dtype=np.float32)
        live = rng.random(len(tools)) < share
        scores[live] = np.round(rng.normal(size=int(live.sum())), 2).astype(np.float32)  # ties too
        want = sorted(((names[i], float(scores[i])) for i in np.flatnonzero(live)), key=lambda p: (-p[1], p[0]))[:k]
        assert scorer.top(scores, k) == want
