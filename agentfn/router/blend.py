"""The head blend over each query's best candidates only, not over the whole registry.

The ranking's dense score of a tool (:attr:`~agentfn.router.config.RouterConfig.head_blend`)
is ``(d + a * h) * scale``: ``d = tool . query`` (the plain cosine every tool
gets anyway, abstention reads it), ``h = head . query`` and
``scale = 1 / |tool + a * head|``. ``h`` costs a second product with a
registry-sized matrix. :func:`blended_rows` computes it only for each
query's best ``keep`` tools by an estimate that needs no product: ``h`` taken
as ``c * d`` with ``c = tool . head`` (fixed per registry state; the centre of
the range ``h`` can take given ``d`` and ``c``), plus the lexical score. Tools
outside every query's candidates get ``-inf``, as tools outside the ANN pool do
(:meth:`agentfn.router.scoring.Scorer.pool_scores`).

Guarantees: a candidate's score is the full blend's, computed the same way; a
tool left out is below every candidate. The ranking's top stays the full
blend's as long as its tools lie among the estimate's best ``keep`` (it is an
estimate, not a bound: exact bounds on ``h`` left most of a 10,000-tool registry
in play). ``benchmarks/router_latency.py`` compares the plans with blending into
every tool (``blend_candidates=0``).

:func:`dense_rows` is the registry-sized product itself, for a request and its
steps at once: a contiguous row of scores per query, each row equal to that
query's product alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from agentfn.router.topk import best_rows_union

__all__ = ["BlendTable", "blend_table", "blended_rows", "dense_rows"]

FloatArray = npt.NDArray[np.float32]
BoolArray = npt.NDArray[np.bool_]
_BLOCK_ROWS = 512
"""Rows per block in :func:`dense_rows`: 512 x 384 float32 (768 KiB) fits a core's L2 cache."""


@dataclass
class BlendTable:
    """Per slot: ``scale = 1 / |tool + a * head|`` and ``cos = tool . head``."""

    scale: FloatArray
    cos: FloatArray

    def rows(self, slots: npt.NDArray[np.int64]) -> BlendTable:
        """The table's rows for ``slots`` (a candidate pool)."""
        return BlendTable(self.scale[slots], self.cos[slots])


def blend_table(emb: FloatArray, heads: FloatArray, a: float) -> BlendTable:
    """The blend's per-slot constants for tool rows ``emb`` and head rows ``heads`` (zero rows: no head)."""
    norms = np.linalg.norm(emb + np.float32(a) * heads, axis=1)
    scale = (1.0 / np.maximum(norms, 1e-12)).astype(np.float32)
    return BlendTable(scale, np.einsum("ij,ij->i", emb, heads).astype(np.float32))


def dense_rows(matrix: FloatArray, queries: FloatArray) -> FloatArray:
    """``queries @ matrix.T`` as queries x rows, one matrix-vector product per query row.

    Several queries (a request and its steps) go block by block: each block of
    :data:`_BLOCK_ROWS` rows is read from memory once and stays in the core's cache
    for every query's matrix-vector product. Every row's dot product is computed the
    same way whatever the block and the other queries are, so a request's vector gets
    the same scores alone (:meth:`~agentfn.router.scoring.Scorer.score_all`) as with
    its steps, and each query's scores are one contiguous row. A matrix stored column
    by column goes whole, query by query.
    """
    n, k = matrix.shape[0], queries.shape[0]
    out = np.empty((k, n), dtype=np.float32)
    # A matrix stored column by column (the index's tool vectors) streams well whole: one product per
    # query over every row, the very call a query alone makes, whatever the rows' alignment.
    by_column = matrix.ndim == 2 and matrix.strides[0] == matrix.itemsize and n > 1
    step = max(n, 1) if k == 1 or by_column else _BLOCK_ROWS
    for start in range(0, n, step):
        block = matrix[start : start + step]
        for j in range(k):
            np.matmul(block, queries[j], out=out[j, start : start + step])
    return out


def blended_rows(
    table: BlendTable,
    heads: FloatArray,
    dense: FloatArray,
    queries: FloatArray,
    lexical: FloatArray,
    alive: BoolArray,
    *,
    a: float,
    w_dense: float,
    w_lexical: float,
    keep: int,
) -> FloatArray:
    """``(dense + a * queries @ heads.T) * scale``, computed on each query's best ``keep`` tools only.

    ``dense`` and ``lexical`` are queries x tools (``queries`` one row per query),
    ``heads``, ``alive`` and the table line up with the tools. Tools outside every
    query's best ``keep`` by the estimate (see the module docstring), or not
    ``alive``, get ``-inf`` in every row; with ``keep`` at least the tools, every tool is computed.
    Each query's scores are one contiguous row: every step below reads memory in order.
    """
    af = np.float32(a)
    n = dense.shape[1]
    if keep >= n:
        return ((dense + af * dense_rows(heads, queries)) * table.scale[None, :]).astype(np.float32)
    estimate = (np.float32(w_dense) * (dense * (np.float32(1.0) + af * table.cos[None, :])) * table.scale[None, :]
                + np.float32(w_lexical) * lexical)
    if not alive.all():
        estimate[:, ~alive] = -np.inf
    rows = best_rows_union(estimate, keep, alive)  # sorted
    picked = (dense[:, rows] + af * (heads[rows] @ queries.T).T) * table.scale[None, rows]
    out = np.full(dense.shape, -np.inf, dtype=np.float32)
    out[:, rows] = picked  # every query gets the union: one product, more tools exact
    return out
