"""The head blend computed on each query's best candidates only ranks like the blend over every tool."""

from __future__ import annotations

import numpy as np

from agentfn.router import Router, RouterConfig
from agentfn.router.blend import blend_table, blended_rows, dense_rows
from agentfn.router.encoder import Encoder

from .conftest import SPECS


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=-1, keepdims=True)).astype(np.float32)


def test_candidates_get_the_full_blend_and_the_rest_rank_below() -> None:
    rng = np.random.default_rng(3)
    n, dim = 400, 32
    emb = _unit(rng.normal(size=(n, dim)))
    heads = _unit(emb + rng.normal(scale=0.6, size=(n, dim)))  # heads near their tools, as names are
    queries = _unit(rng.normal(size=(3, dim)))
    lexical = np.maximum(rng.normal(scale=0.2, size=(3, n)), 0).astype(np.float32)
    alive = np.ones(n, dtype=bool)
    alive[[5, 17]] = False
    table = blend_table(emb, heads, 0.5)
    dense = queries @ emb.T
    full = ((dense + 0.5 * (queries @ heads.T)) * table.scale[None, :]).astype(np.float32)
    got = blended_rows(table, heads, dense, queries, lexical, alive, a=0.5, w_dense=1.0, w_lexical=1.0, keep=60)
    picked = np.isfinite(got)
    assert not picked[:, ~alive].any()
    assert np.allclose(got[picked], full[picked], atol=1e-6)  # a candidate's score is the full blend's
    for j in range(3):
        row = np.where(alive, full[j] + lexical[j], -np.inf)
        top = np.argsort(-row)[:10]
        assert np.isfinite(got[j, top]).all()  # the best ten by the full blend are all candidates
    every = blended_rows(table, heads, dense, queries, lexical, alive, a=0.5, w_dense=1.0, w_lexical=1.0, keep=n)
    assert np.allclose(every, full, atol=1e-6)


def test_dense_rows_are_each_query_alone() -> None:
    """One product per query: a query's scores do not depend on which other queries share the call."""
    rng = np.random.default_rng(5)
    matrix = _unit(rng.normal(size=(1100, 24)))  # more rows than one block
    queries = _unit(rng.normal(size=(4, 24)))
    together = dense_rows(matrix, queries)
    assert together.shape == (4, 1100) and together.flags.c_contiguous
    assert np.allclose(together, queries @ matrix.T, atol=1e-6)
    for j in range(4):
        assert np.array_equal(together[j], dense_rows(matrix, queries[j : j + 1])[0])
        assert np.array_equal(together[j], matrix @ queries[j])


VENDORS = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne"]
"""Each hand-made tool again from several vendors: a registry of near-duplicates, as large ones are."""
MANY = SPECS + [{**s, "name": f"{v.lower()}_{s['name']}", "description": f"{s['description']} Provided by {v}."}
                for v in VENDORS for s in SPECS]


def test_routing_with_few_blend_candidates_matches_blending_everywhere(encoder: Encoder) -> None:
    requests = ["how much is 50 pounds in yen", "text my landlord that the rent is late", "is it going to snow in Bergen",
                "fly from Lisbon to Rome next Friday, then put the trip in my calendar", "what is Apple trading at"]
    everywhere = Router.build(MANY, encoder=encoder, config=RouterConfig(blend_candidates=0))
    few = Router.build(MANY, encoder=encoder, config=RouterConfig(blend_candidates=64))
    assert len(MANY) > 64
    for text in requests:
        a, b = everywhere.route(text, k=10), few.route(text, k=10)
        assert [n for n, _ in a.ranked] == [n for n, _ in b.ranked], text
        assert np.allclose([s for _, s in a.ranked], [s for _, s in b.ranked], atol=1e-6), text
        assert (a.selected, a.abstain) == (b.selected, b.abstain), text
