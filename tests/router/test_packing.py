"""One forward pass per request: packed texts get the vectors they get alone, and routing does not change."""

from __future__ import annotations

import numpy as np
import pytest

from agentfn.router import Router, RouterConfig
from agentfn.router._bert import packed, padded
from agentfn.router.combine import segment
from agentfn.router.encoder import Encoder, NumpyBertEncoder, load_encoder
from agentfn.router.lexical import BM25Index
from agentfn.router.onnx_encoder import OnnxBertEncoder

from .conftest import SPECS

REQUEST = "check the weather in Oslo, then send Bob an SMS on whether to bring an umbrella"
STEPS = ["check the weather in Oslo", "send Bob an SMS on whether to bring an umbrella"]
CONTEXT = "I fly to Norway on Monday"
QUERIES = [
    "convert 20 USD to EUR and email it to Ann",
    REQUEST,
    "email the result to Ann after converting 300 GBP into dollars",
    "translate 'we shipped it' into German and then post it on Slack. Also list the files in my projects folder, "
    "then delete the old draft file from disk, and tell me what Tesla is trading at right now please",
    "will it rain in Oslo tomorrow",
]


@pytest.fixture(scope="module")
def numpy_encoder() -> Encoder:
    return load_encoder(backend="numpy")


def _alone(encoder: Encoder, texts: list[str]) -> np.ndarray:
    return np.stack([encoder.encode([t])[0] for t in texts])


def test_packed_row_has_one_segment_per_text_and_restarts_positions() -> None:
    b = packed([[101, 7, 102], [101, 102]])
    assert b.tokens.tolist() == [[101, 7, 102, 101, 102]]
    assert b.positions.tolist() == [[0, 1, 2, 0, 1]]
    assert b.segments.tolist() == [[1, 1, 1, 2, 2]]
    bias = b.attention_bias()
    assert bias.shape == (1, 1, 5, 5) and bias[0, 0, 0, 2] == 0.0 and bias[0, 0, 0, 3] < -1e8
    p = padded([[101, 7, 102], [101, 102]])
    assert p.segments.tolist() == [[1, 1, 1], [1, 1, 0]] and p.positions.tolist() == [[0, 1, 2], [0, 1, 2]]


@pytest.mark.parametrize("backend", ["onnx", "numpy"])
def test_packed_texts_get_the_vectors_they_get_alone(backend: str, encoder: Encoder, numpy_encoder: Encoder) -> None:
    enc = encoder if backend == "onnx" else numpy_encoder
    texts = [REQUEST, *STEPS, CONTEXT, "x"]
    together, _ = enc.encode_packed(texts)  # type: ignore[attr-defined]
    assert np.abs(together - _alone(enc, texts)).max() < 1e-5
    assert np.abs(enc.encode(texts) - _alone(enc, texts)).max() < 1e-6  # padded batches (tool vectors)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)


def test_backends_agree_on_packed_passes(encoder: Encoder, numpy_encoder: Encoder) -> None:
    assert isinstance(encoder, OnnxBertEncoder) and isinstance(numpy_encoder, NumpyBertEncoder)
    texts = [REQUEST, *STEPS, CONTEXT]
    assert np.abs(encoder.encode_packed(texts)[0] - numpy_encoder.encode_packed(texts)[0]).max() < 1e-5
    spans = [(0, REQUEST.index(",")), (REQUEST.index("send"), len(REQUEST))]
    ov, osp = encoder.encode_packed([REQUEST, CONTEXT], spans)
    nv, nsp = numpy_encoder.encode_packed([REQUEST, CONTEXT], spans)
    assert np.abs(ov - nv).max() < 1e-5
    assert all(a is not None and b is not None and np.abs(a - b).max() < 1e-4 for a, b in zip(osp, nsp, strict=True))


def test_span_pass_packs_the_context_without_changing_any_vector(encoder: Encoder) -> None:
    assert isinstance(encoder, OnnxBertEncoder)
    spans = [(0, REQUEST.index(",")), (REQUEST.index("send"), len(REQUEST))]
    whole, alone_spans = encoder.encode_spans(REQUEST, spans)
    vecs, with_ctx = encoder.encode_packed([REQUEST, CONTEXT], spans)
    assert np.abs(vecs[0] - whole).max() < 1e-5
    assert np.abs(vecs[1] - encoder.encode([CONTEXT])[0]).max() < 1e-5
    for a, b in zip(alone_spans, with_ctx, strict=True):
        assert a is not None and b is not None and np.abs(a - b).max() < 1e-5


@pytest.mark.parametrize("mode", ["separate", "spans"])
def test_encode_all_gives_request_steps_and_context_vectors(mode: str, encoder: Encoder) -> None:
    r = Router.build(SPECS, encoder=encoder, config=RouterConfig(step_vectors=mode))  # type: ignore[arg-type]
    whole, steps, (ctx,) = r.scorer.encode_all(REQUEST, STEPS, [CONTEXT])
    assert np.abs(whole - encoder.encode([REQUEST])[0]).max() < 1e-5
    assert np.abs(ctx - encoder.encode([CONTEXT])[0]).max() < 1e-5
    if mode == "separate":
        assert np.abs(np.stack(steps) - _alone(encoder, STEPS)).max() < 1e-5
    else:
        _, spans = encoder.encode_spans(REQUEST, [(0, len(STEPS[0])), (REQUEST.index("send"), len(REQUEST))])
        assert all(s is not None and np.abs(v - s).max() < 1e-5 for v, s in zip(steps, spans, strict=True))
    again = r.scorer.encode_all(REQUEST, STEPS, [CONTEXT])  # from the cache now
    assert np.array_equal(again[0], whole) and np.array_equal(again[2][0], ctx)


@pytest.mark.parametrize("mode", ["separate", "spans", "auto"])
def test_routing_is_the_same_whether_texts_are_packed_or_encoded_one_by_one(mode: str, encoder: Encoder) -> None:
    cfg = RouterConfig(step_vectors=mode)  # type: ignore[arg-type]
    cold = Router.build(SPECS, encoder=encoder, config=cfg)
    cold.query_cache_size = 0  # every request is encoded afresh, request + steps + context packed in one pass
    warm = Router.build(SPECS, encoder=encoder, config=cfg.model_copy(update={"step_vectors": "separate"}))
    for q in QUERIES:
        got = cold.route(q, k=5)
        if mode == "separate" or (mode == "auto" and len(q.split()) <= cfg.span_min_words):
            # The same texts, each encoded in its own pass, seeded into the other router's cache.
            segs = [s for s in segment(q) if s.text != q]
            for t in [q, *[s.text for s in segs]]:
                warm.scorer.query_cache[t] = encoder.encode([t])[0]
            ref = warm.route(q, k=5)
            assert got.selected == ref.selected and got.abstain == ref.abstain
            assert [n for n, _ in got.ranked] == [n for n, _ in ref.ranked]
            assert all(abs(a - b) < 1e-5 for (_, a), (_, b) in zip(got.ranked, ref.ranked, strict=True))
        assert cold.route(q, k=5).ranked == got.ranked  # deterministic
    chat = [{"role": "user", "content": CONTEXT}, {"role": "user", "content": QUERIES[0]}]
    assert cold.route(chat, k=5).ranked[0][0] == "convert_currency"


def test_bm25_cached_term_weights_follow_edits() -> None:
    docs = {0: ["send", "email", "ann"], 1: ["send", "sms"], 2: ["weather", "forecast", "city"], 3: ["email", "email", "list"]}
    live = BM25Index()
    for slot, toks in docs.items():
        live.add(slot, toks)
    q = ["send", "email", "email", "weather"]
    first = live.scores(q)
    assert np.array_equal(live.scores(q), first)  # cached weights: same floats
    live.remove(1)
    live.add(4, ["email", "calendar"])
    fresh = BM25Index()
    for slot, toks in {**{k: v for k, v in docs.items() if k != 1}, 4: ["email", "calendar"]}.items():
        fresh.add(slot, toks)
    got, want = live.scores(q), fresh.scores(q)
    assert got[1] == 0.0 and np.allclose(got, want, atol=1e-6)
    assert not np.allclose(got[:4], first[:4])  # the edit changed idf and average length: weights were recomputed
