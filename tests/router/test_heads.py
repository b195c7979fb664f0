"""Head vectors are embedded with the tools, saved with the router, and never encoded while routing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from agentfn.router import Router
from agentfn.router.combine import segment
from agentfn.router.encoder import Encoder
from agentfn.router.heads import head_text
from agentfn.router.text import ToolRecord

from .conftest import SPECS, CountingEncoder

LONG = [{**s, "description": f"{s['description']} It answers in JSON and may be rate limited."} for s in SPECS]
"""The specs with a second sentence, so a tool's head (name + first sentence) differs from its full text."""
QUERIES = [
    "convert 20 USD to EUR and email it to Ann",
    "will it rain in Oslo tomorrow",
    "text Bob that I'm late",
    "check the weather in Oslo, then send Bob an SMS on whether to bring an umbrella",
    "write me a poem about autumn leaves",
]


class RecordingEncoder(CountingEncoder):
    """Wraps the real encoder and keeps every text it was asked to embed, packed passes included."""

    def __init__(self, inner: Encoder) -> None:
        super().__init__(inner)
        self.seen: list[str] = []

    def encode(self, texts: list[str], batch_size: int = 64) -> Any:
        self.seen += texts
        return super().encode(texts, batch_size)

    def encode_packed(self, texts: list[str], spans: Any = ()) -> Any:
        self.seen += texts
        return self.inner.encode_packed(texts, spans)  # type: ignore[attr-defined]

    def encode_pooled(self, texts: list[str], groups: Any = ()) -> Any:
        self.seen += texts
        return self.inner.encode_pooled(texts, groups)  # type: ignore[attr-defined]


def _heads() -> set[str]:
    return {head_text(ToolRecord.of(s)) for s in LONG}


def test_build_embeds_heads_and_routing_encodes_no_tool_text(encoder: Encoder) -> None:
    rec = RecordingEncoder(encoder)
    r = Router.build(LONG, encoder=rec)
    assert r.index.has_head[: len(LONG)].all()
    assert _heads() <= set(rec.seen)  # embedded at build time, beside the full texts
    names = r.names()
    assert np.allclose(r.index.live_heads(names), encoder.encode([head_text(r.record(n)) for n in names]), atol=1e-6)
    rec.seen.clear()
    r.route(QUERIES[0])  # warms the probe and background vectors (once per encoder)
    rec.seen.clear()
    for q in QUERIES:
        r.route(q)
    assert not set(rec.seen) & _heads()
    r.add({"name": "get_stock_price", "description": "Latest trading price of a stock ticker. Delayed 15 min."})
    assert r.index.has_head[r.index.slot_of["get_stock_price"]]


def test_saved_router_keeps_heads_and_loads_without_encoding(tmp_path: Path, encoder: Encoder) -> None:
    r = Router.build(LONG, encoder=encoder)
    r.save(tmp_path / "r")
    assert (tmp_path / "r" / "heads.npy").exists()
    rec = RecordingEncoder(encoder)
    loaded = Router.load(tmp_path / "r", encoder=rec)
    assert rec.seen == []
    names = r.names()
    assert np.array_equal(loaded.index.live_heads(names), r.index.live_heads(names))
    for q in QUERIES:
        fa: dict[str, float] = {}
        fb: dict[str, float] = {}
        assert loaded.route(q, features=fa) == r.route(q, features=fb)
        assert fa == fb
    assert not set(rec.seen) & _heads()


def test_old_saved_router_without_heads_loads_and_routes_the_same(tmp_path: Path, encoder: Encoder) -> None:
    r = Router.build(LONG, encoder=encoder)
    r.save(tmp_path / "r")
    (tmp_path / "r" / "heads.npy").unlink()  # the format before head vectors
    rec = RecordingEncoder(encoder)
    old = Router.load(tmp_path / "r", encoder=rec)
    assert rec.seen == []
    assert not old.index.has_head.any()
    for q in QUERIES:  # heads embedded on demand give the same decisions and features
        fa: dict[str, float] = {}
        fb: dict[str, float] = {}
        assert old.route(q, features=fa) == r.route(q, features=fb)
        assert fa == fb
    assert set(rec.seen) & _heads()  # the top tools' heads were embedded on first use
    old.save(tmp_path / "again")  # partly embedded heads round-trip; missing rows stay missing
    again = Router.load(tmp_path / "again", encoder=encoder)
    assert np.array_equal(again.index.has_head, old.index.has_head)


def test_precomputed_heads_are_used_and_checked(encoder: Encoder) -> None:
    ref = Router.build(LONG, encoder=encoder)
    names = ref.names()
    rec = RecordingEncoder(encoder)
    r = Router.build(LONG, encoder=rec, embeddings=ref.index.live_vectors(names), head_embeddings=ref.index.live_heads(names))
    assert rec.seen == []
    assert [r.route(q) for q in QUERIES] == [ref.route(q) for q in QUERIES]


def test_request_pass_equals_separate_encodes(encoder: Encoder) -> None:
    r = Router.build(LONG, encoder=encoder)
    r.query_cache_size = 0
    text = QUERIES[3]
    steps = [s.text for s in segment(text)]
    extra = ["check the weather in , then send an on whether to bring an umbrella", "I fly to Norway on Monday"]
    whole, step_vecs, others = r.scorer.encode_all(text, steps, extra)
    alone = np.stack([encoder.encode([t])[0] for t in [text, *steps, *extra]])
    assert np.abs(np.stack([whole, *step_vecs, *others]) - alone).max() < 1e-5


def test_a_routed_request_is_one_encoder_pass(encoder: Encoder) -> None:
    rec = RecordingEncoder(encoder)
    r = Router.build(LONG, encoder=rec)
    r.route("warm up the probes")
    calls: list[list[str]] = []
    inner_encode, inner_packed, inner_pooled = rec.encode, rec.encode_packed, rec.encode_pooled

    def encode(texts: list[str], batch_size: int = 64) -> Any:
        calls.append(texts)
        return inner_encode(texts, batch_size)

    def encode_packed(texts: list[str], spans: Any = ()) -> Any:
        calls.append(texts)
        return inner_packed(texts, spans)

    def encode_pooled(texts: list[str], groups: Any = ()) -> Any:
        calls.append(texts)
        return inner_pooled(texts, groups)

    rec.encode, rec.encode_packed, rec.encode_pooled = encode, encode_packed, encode_pooled  # type: ignore[method-assign]
    messages = [{"role": "user", "content": "I fly to Norway on Monday"}, {"role": "assistant", "content": "ok"},
                {"role": "user", "content": QUERIES[3]}]
    for query in [*QUERIES, messages]:
        calls.clear()
        r.route(query)
        assert len(calls) == 1, calls  # request, its steps, its bare text and its context: one packed pass
        assert len(calls[0]) == len(set(calls[0]))  # nothing twice


def test_precomputed_tool_vectors_alone_leave_heads_to_first_use(encoder: Encoder) -> None:
    ref = Router.build(LONG, encoder=encoder)
    rec = RecordingEncoder(encoder)
    r = Router.build(LONG, encoder=rec, embeddings=ref.index.live_vectors(ref.names()))
    assert rec.seen == [] and not r.index.has_head.any()
    for q in QUERIES:  # heads embedded on first use: the same decisions and features
        fa: dict[str, float] = {}
        fb: dict[str, float] = {}
        assert r.route(q, features=fa) == ref.route(q, features=fb)
        assert fa == fb
    rec.seen.clear()
    r.add({"name": "get_stock_price", "description": "Latest trading price of a stock ticker. Delayed 15 min."})
    assert rec.seen == ["get stock price: Latest trading price of a stock ticker. Delayed 15 min."]  # its full text only
