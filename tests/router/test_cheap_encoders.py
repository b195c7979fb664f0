"""Cheaper request encoders: request-side truncation and the static table distilled from MiniLM."""

from __future__ import annotations

import numpy as np
from tokenizers import Tokenizer

from agentfn.router import Router, RouterConfig
from agentfn.router._bert import LocalBertEncoder
from agentfn.router.encoder import Encoder, TruncatedRequests, default_model_dir
from agentfn.router.static_encoder import StaticEncoder, distill_table

from .conftest import SPECS

LONG = "convert 20 USD to EUR and email it to Ann, " * 12


def test_request_tokens_cut_request_texts_only(encoder: Encoder) -> None:
    assert isinstance(encoder, LocalBertEncoder)
    r = Router.build(SPECS, encoder=encoder, config=RouterConfig(request_tokens=16))
    assert isinstance(r.encoder, TruncatedRequests) and r.encoder.token_count(LONG) == 16
    full = Router.build(SPECS, encoder=encoder)
    names = r.names()
    assert np.array_equal(r.index.live_vectors(names), full.index.live_vectors(names))  # tools embedded whole
    ids = encoder._tok.encode(LONG).ids  # pyright: ignore[reportPrivateUsage]
    cut = encoder._tok.decode(ids[1:15])  # pyright: ignore[reportPrivateUsage]
    vec, _ = r.encoder.encode_packed([LONG])
    assert np.abs(vec[0] - encoder.encode([cut])[0]).max() < 1e-5  # the first 16 tokens, [SEP] kept
    assert r.route(LONG).ranked[0][0] == "convert_currency"
    r.set_encoder(encoder)
    assert isinstance(r.encoder, TruncatedRequests)  # the setting survives an encoder swap


def test_distilled_rows_are_the_model_on_each_token_alone(encoder: Encoder) -> None:
    assert isinstance(encoder, LocalBertEncoder)
    tok = Tokenizer.from_file(str(default_model_dir() / "tokenizer.json"))
    words = ["weather", "email", "music"]
    ids = [tok.token_to_id(w) for w in words]
    assert None not in ids  # whole words of the vocabulary: alone, each is [CLS] word [SEP]
    rows = distill_table(encoder, [i for i in ids if i is not None])
    assert np.abs(rows - encoder.encode(words)).max() < 1e-5


def test_static_encoder_averages_weighted_rows() -> None:
    rng = np.random.default_rng(0)
    tok = Tokenizer.from_file(str(default_model_dir() / "tokenizer.json"))
    table = rng.normal(size=(tok.get_vocab_size(), 8)).astype(np.float32)
    table /= np.linalg.norm(table, axis=1, keepdims=True)
    enc = StaticEncoder(default_model_dir(), table)
    vecs = enc.encode(["send an email", "", "send an email"])
    assert vecs.shape == (3, 8) and np.allclose(vecs[0], vecs[2]) and not vecs[1].any()
    assert np.isclose(np.linalg.norm(vecs[0]), 1.0, atol=1e-5)
    r = Router.build(SPECS, encoder=enc)
    assert r.route("send an email to Bob").ranked  # a router runs on it end to end
