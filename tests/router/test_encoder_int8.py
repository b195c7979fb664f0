"""query_int8: requests go through an int8 copy of the encoder, tools stay float32."""

from __future__ import annotations

import numpy as np
import pytest

from agentfn.router import Router, RouterConfig
from agentfn.router.encoder import Encoder, TruncatedRequests, with_request_tokens

from .conftest import SPECS

pytest.importorskip("onnxruntime")


def test_int8_request_vectors_stay_close_to_float(encoder: Encoder) -> None:
    twin = with_request_tokens(encoder, None, int8=True)
    assert isinstance(twin, TruncatedRequests) and twin.queries is not None
    texts = ["turn 300 dollars into euros", "remind the team about Friday's standup by email",
             "which files are in my downloads folder and how big are they"]
    fast, _ = twin.encode_packed(texts)
    exact = encoder.encode(texts)
    assert np.all(np.sum(fast * exact, axis=1) > 0.97)
    assert np.allclose(twin.encode(texts), exact)  # tool-side texts: the float32 model
    assert with_request_tokens(twin, None) is twin.inner  # switched off again: the plain encoder


def test_router_with_int8_requests_keeps_float_tools_and_routes_alike(encoder: Encoder) -> None:
    plain = Router.build(SPECS, encoder=encoder)
    fast = Router.build(SPECS, encoder=encoder, config=RouterConfig(query_int8=True))
    n = plain.index.n_slots
    assert np.array_equal(plain.index.emb[:n], fast.index.emb[:n])
    for text in ["what will the weather be in Porto on Sunday", "wire 40 francs to euros", "drop a note to Kim on Slack"]:
        assert plain.route(text, k=3).ranked[0][0] == fast.route(text, k=3).ranked[0][0], text


def test_int8_from_sends_only_long_requests_to_the_twin(encoder: Encoder) -> None:
    twin = with_request_tokens(encoder, None, int8=True, int8_from=16)
    assert isinstance(twin, TruncatedRequests) and twin.int8_from == 16
    short = "turn 300 dollars into euros"
    long = ("look up every invoice we sent to the Lisbon office last quarter, add up what is still unpaid, "
            "and then email the total to the finance team")
    assert twin.token_count(short) < 16 <= twin.token_count(long)
    (short_vec,), _ = twin.encode_pooled([short])
    (long_vec,), _ = twin.encode_pooled([long])
    exact = encoder.encode([short, long])
    assert np.allclose(short_vec, exact[0], atol=1e-5)  # short: the float32 model
    assert not np.allclose(long_vec, exact[1], atol=1e-5) and float(long_vec @ exact[1]) > 0.97  # long: int8
    r = Router.build(SPECS, encoder=encoder, config=RouterConfig(query_int8=True, query_int8_min_tokens=16))
    assert isinstance(r.index.encoder, TruncatedRequests) and r.index.encoder.int8_from == 16
