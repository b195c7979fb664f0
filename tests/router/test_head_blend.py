"""The ranking's dense score blends each tool's head (name + first sentence) into its full-text vector."""

from __future__ import annotations

import numpy as np

from agentfn.router import Router, RouterConfig
from agentfn.router.encoder import Encoder

from .conftest import SPECS

LONG = [{**s, "description": f"{s['description']} Responses are paginated JSON; see the vendor docs for quotas and "
         "error codes, retries, authentication headers and the changelog."} for s in SPECS]


def test_ranked_dense_is_the_cosine_with_the_blended_vector(encoder: Encoder) -> None:
    r = Router.build(LONG, encoder=encoder)
    q = "will it rain in Oslo tomorrow"
    sig = r.score_all(q)
    qvec = r.scorer.query_vector(q)
    n = r.index.n_slots
    blended = r.index.emb[:n] + 0.5 * r.index.head_emb[:n]
    blended /= np.linalg.norm(blended, axis=1, keepdims=True)
    expect = blended @ qvec + sig["lexical"]  # weighted = ranked dense + lexical (both weights 1)
    assert np.allclose(sig["weighted"], expect, atol=1e-5)
    assert np.allclose(sig["dense"], r.index.emb[:n] @ qvec, atol=1e-6)  # the plain cosine is kept for abstention


def test_head_blend_zero_ranks_by_the_full_text_alone(encoder: Encoder) -> None:
    r = Router.build(LONG, encoder=encoder, config=RouterConfig(head_blend=0.0))
    sig = r.score_all("convert 20 USD to EUR")
    assert np.allclose(sig["weighted"], sig["dense"] + sig["lexical"], atol=1e-6)


def test_a_router_without_head_vectors_embeds_them_once_and_ranks_the_same(encoder: Encoder) -> None:
    ref = Router.build(LONG, encoder=encoder)
    r = Router.build(LONG, encoder=encoder, embeddings=ref.index.live_vectors(ref.names()))
    assert not r.index.has_head.any()
    q = "text Bob that I'm late"
    assert np.allclose(r.score_all(q)["weighted"], ref.score_all(q)["weighted"], atol=1e-6)
    assert r.index.has_head[: r.index.n_slots].all()  # embedded in one batch on first use


def test_the_head_lifts_a_tool_whose_long_docstring_dilutes_it(encoder: Encoder) -> None:
    noisy = {"name": "get_weather_forecast", "description": "Weather forecast for a city for the next days. "
             + "Supports JSON and XML output formats, API keys, rate limits, pagination cursors, locale codes, "
             "unit systems, caching headers, webhooks, batch endpoints and retries. " * 3}
    specs = [noisy, *(s for s in SPECS if s["name"] != "get_weather_forecast")]
    q = "weather forecast for Oslo"
    plain = Router.build(specs, encoder=encoder, config=RouterConfig(head_blend=0.0)).score_all(q)
    blend = Router.build(specs, encoder=encoder).score_all(q)
    # slot 0 is the noisy tool: its ranked dense score rises once its head is blended in
    assert float(blend["weighted"][0] - blend["lexical"][0]) > float(plain["weighted"][0] - plain["lexical"][0])
