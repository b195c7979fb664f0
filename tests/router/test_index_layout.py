"""Tool vectors stored column by column: the same scores and plans as the row-by-row matrix."""

from __future__ import annotations

import numpy as np

from agentfn.router import Router
from agentfn.router.blend import dense_rows
from agentfn.router.encoder import Encoder

from .conftest import SPECS, make_tools

MORE = [
    {"name": "order_pizza", "description": "Order a pizza for delivery to an address.",
     "parameters": {"type": "object", "properties": {"size": {"type": "string"}, "address": {"type": "string"}}}},
    {"name": "track_parcel", "description": "Where a parcel is now, from its tracking number.",
     "parameters": {"type": "object", "properties": {"tracking_number": {"type": "string"}}}},
    {"name": "reserve_table", "description": "Reserve a restaurant table for a number of guests at a time.",
     "parameters": {"type": "object", "properties": {"guests": {"type": "integer"}, "time": {"type": "string"}}}},
]

REQUESTS = [
    "how much is 300 dollars in yen",
    "Book me a seat to Lisbon on the 4th of May. After that, tell Carla by email that I land at noon.",
    "is it going to snow in Oslo this weekend? if so, put 'bring boots' in my calendar for Friday",
    "where is my package 1Z999AA10123456784 right now",
    "get a large margherita delivered to 12 Elm Street and then book a table for four at eight",
    "Please wipe the old logs folder.",
]


def test_vectors_are_stored_by_column_also_after_growing(encoder: Encoder) -> None:
    r = Router.build(make_tools(), encoder=encoder)
    assert r.index.emb.flags.f_contiguous and not r.index.emb.flags.c_contiguous
    cap = r.index.emb.shape[0]
    extra = [{"name": f"report_{i}", "description": f"Weekly report number {i} for the sales team.",
              "parameters": {"type": "object", "properties": {}}} for i in range(cap)]
    for tool in make_tools(MORE + extra):
        r.add(tool)
    assert r.index.emb.shape[0] > cap and r.index.emb.flags.f_contiguous  # grown, still by column
    names = r.names()
    vecs = r.index.live_vectors(names)
    assert vecs.shape == (len(names), encoder.dim)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)


def test_scores_alone_equal_scores_with_other_queries_and_the_row_layout() -> None:
    rng = np.random.default_rng(7)
    rows = rng.standard_normal((3000, 384)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    by_col = np.asfortranarray(rows)
    queries = rng.standard_normal((4, 384)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    many = dense_rows(by_col[:2900], queries)
    for j in range(4):
        assert np.array_equal(many[j], by_col[:2900] @ queries[j])  # a request alone = with its steps
        assert np.array_equal(many[j], dense_rows(by_col[:2900], queries[j : j + 1])[0])
        assert np.abs(many[j] - rows[:2900] @ queries[j]).max() < 1e-6


def test_plans_equal_the_row_layouts(encoder: Encoder) -> None:
    fast = Router.build(make_tools(SPECS + MORE), encoder=encoder)
    reference = Router.build(make_tools(SPECS + MORE), encoder=encoder)
    reference.index.emb = np.ascontiguousarray(reference.index.emb)  # the layout before
    for text in REQUESTS:
        a, b = fast.route(text), reference.route(text)
        assert [n for n, _ in a.ranked] == [n for n, _ in b.ranked]
        assert np.allclose([s for _, s in a.ranked], [s for _, s in b.ranked], atol=1e-5)
        assert (a.selected, a.abstain) == (b.selected, b.abstain)
