"""The head blend over each query's best candidates only, not over the whole registry.

The ranking's dense score of a tool (:attr:`~agentfn.router.config.RouterConfig.head_blend`)
is ``(d + a * h) * scale``: ``d = tool . query`` (the plain cosine every tool
gets anyway, abstention reads it), ``h = head . query`` and
``scale = 1 / |tool + a * head|``. ``h`` costs a second product with a
registry-sized matrix. :func:`blended_columns` computes it only for each
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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["BlendTable", "blend_table", "blended_columns"]

FloatArray = npt.NDArray[np.float32]
BoolArray = npt.NDArray[np.bool_]


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


def blended_columns(
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
    """``(dense + a * heads @ queries.T) * scale``, computed on each column's best ``keep`` rows only.

    ``dense`` and ``lexical`` are rows x queries (``queries`` one row per query),
    ``heads``, ``alive`` and the table line up with the rows. Rows outside every
    column's best ``keep`` by the estimate (see the module docstring), or not
    ``alive``, get ``-inf`` in every column; with ``keep`` at least the rows, every row is computed.
    """
    af = np.float32(a)
    n = dense.shape[0]
    if keep >= n:
        return ((dense + af * (heads @ queries.T)) * table.scale[:, None]).astype(np.float32)
    estimate = (np.float32(w_dense) * (dense * (np.float32(1.0) + af * table.cos[:, None])) * table.scale[:, None]
                + np.float32(w_lexical) * lexical)
    estimate[~alive] = -np.inf
    best = np.argpartition(-estimate, keep - 1, axis=0)[:keep]  # keep x queries
    rows = np.unique(best)
    rows = rows[alive[rows]]
    picked = (dense[rows] + af * (heads[rows] @ queries.T)) * table.scale[rows, None]
    out = np.full(dense.shape, -np.inf, dtype=np.float32)
    out[rows] = picked  # every column gets the union: one product, more rows exact
    return out
