"""Each word of a request encoded once: steps and the bare text pooled from the request's own pass."""

from __future__ import annotations

import itertools
import re
from typing import Any

import numpy as np
import pytest

from agentfn.router import Router, RouterConfig
from agentfn.router.calibration import bare_request, bare_spans
from agentfn.router.encoder import Encoder, with_request_tokens
from agentfn.router.request_pass import PoolingEncoder, request_vectors

from .conftest import SPECS, CountingEncoder

WITH_VALUES = [
    'translate "good morning, friends" into Italian and post it to Marta on Slack',
    "convert 250.75 USD to EUR, then email the amount to ann@example.org",
    "what's the weather in Bergen on 2025-03-02 and should I take an umbrella",
    "Summary of this article: the council voted on Tuesday to widen the bridge over the river",
    "In Vault: who signed in last week",
    "check https://status.example.com and text Omar if the site is down",
    "book `AF1234` for Lena and Paul, then add it to my calendar at 9am",
    "what is Tesla trading at right now",
]
OFF_TOPIC = ["write me a haiku about autumn leaves", "how do I tie a bowline knot", "who won the 1998 world cup"]


@pytest.mark.parametrize("text", [*WITH_VALUES, "", "42", '"only a quoted value"', "plain words only"])
def test_bare_spans_rebuild_the_bare_request(text: str) -> None:
    spans = bare_spans(text)
    assert all(0 <= a < b <= len(text) for a, b in spans)
    assert all(b1 < a2 for (_, b1), (a2, _) in itertools.pairwise(spans))  # ordered, apart
    assert re.sub(r"\s+", " ", " ".join(text[a:b] for a, b in spans)).strip() == bare_request(text)


def test_bare_spans_leave_out_values_and_names() -> None:
    text = WITH_VALUES[1]
    kept = " ".join(text[a:b] for a, b in bare_spans(text))
    assert "250.75" not in kept and "ann@example.org" not in kept and "convert" in kept and "email" in kept
    payload = WITH_VALUES[3]
    assert " ".join(payload[a:b] for a, b in bare_spans(payload)).strip() == "Summary of this article"


def test_a_group_of_adjacent_spans_pools_like_their_union(encoder: Encoder) -> None:
    assert isinstance(encoder, PoolingEncoder)
    text = "send the quarterly report to the finance team before Friday"
    cut = text.index(" to the")
    _, (split, whole, first) = encoder.encode_pooled([text], [[(0, cut), (cut, len(text))], [(0, len(text))], [(0, cut)]])
    assert split is not None and whole is not None and first is not None
    assert np.allclose(split, whole, atol=1e-6)
    assert float(np.linalg.norm(split)) == pytest.approx(1.0, abs=1e-5)
    _, (single,) = encoder.encode_packed([text], [(0, cut)])  # type: ignore[attr-defined]
    assert single is not None and np.allclose(single, first, atol=1e-6)  # one span: encode_packed's span vector


def test_a_group_outside_the_text_gets_none(encoder: Encoder) -> None:
    assert isinstance(encoder, PoolingEncoder)
    _, (none,) = encoder.encode_pooled(["hello there"], [[(50, 60)]])
    assert none is None


def _passes(router: Router) -> list[list[str]]:
    calls: list[list[str]] = []
    enc = router.index.encoder
    assert isinstance(enc, CountingEncoder)
    inner_encode, inner_pooled = enc.encode, enc.encode_pooled

    def encode(texts: list[str], batch_size: int = 64) -> Any:
        calls.append(texts)
        return inner_encode(texts, batch_size)

    def encode_pooled(texts: list[str], groups: Any = ()) -> Any:
        calls.append(texts)
        return inner_pooled(texts, groups)

    enc.encode, enc.encode_pooled = encode, encode_pooled  # type: ignore[method-assign]
    return calls


def test_the_bare_text_is_not_encoded_again(encoder: Encoder) -> None:
    r = Router.build(SPECS, encoder=CountingEncoder(encoder))
    r.route("warm up the probes")
    r.query_cache_size = 0
    calls = _passes(r)
    for text in WITH_VALUES:
        calls.clear()
        r.route(text)
        ranked = r.scorer.rank_text(text)  # the request as ranked: its quoted values left out
        assert len(calls) == 1 and calls[0][0] == ranked  # one pass, led by the request
        assert bare_request(ranked) not in calls[0][1:] or bare_request(ranked) == ranked


@pytest.mark.parametrize("text", [*WITH_VALUES, *OFF_TOPIC])
def test_pooled_and_encoded_bare_texts_give_the_same_plans(encoder: Encoder, text: str) -> None:
    pooled = Router.build(SPECS, encoder=encoder)
    encoded = Router.build(SPECS, encoder=encoder, config=RouterConfig(bare_vector="encoded"))
    a, b = pooled.route(text), encoded.route(text)
    assert a.ranked == b.ranked  # the bare vector only feeds abstention
    # A request no offered tool serves well ("check <url> and text Omar ...", top tool translate_text)
    # sits near the cut and may go either way; the others get the same decision.
    if "https://" not in text:
        assert a.selected == b.selected and a.abstain == b.abstain
    rv = request_vectors(pooled.scorer, text, [], "")
    assert (rv.bare is not None) is (bare_request(text) != text)  # pooled from the request's pass


def test_a_bare_text_past_the_token_limit_is_encoded_alone(encoder: Encoder) -> None:
    r = Router.build(SPECS, encoder=encoder)
    r.index.encoder = with_request_tokens(encoder, 8)
    text = '"twelve words of a quoted message that fill every token we read" please translate'
    rv = request_vectors(r.scorer, text, [], "")
    assert rv.bare is not None  # no token of the bare text in the cut pass: its own (cut) pass
    assert np.allclose(rv.bare, encoder.encode(["please translate"])[0], atol=1e-5)


def test_context_and_steps_share_the_pass(encoder: Encoder) -> None:
    r = Router.build(SPECS, encoder=CountingEncoder(encoder), config=RouterConfig(step_vectors="spans"))
    r.route("warm up the probes")
    r.query_cache_size = 0
    calls = _passes(r)
    messages = [{"role": "user", "content": "I fly to Norway on Monday"}, {"role": "assistant", "content": "ok"},
                {"role": "user", "content": WITH_VALUES[1]}]
    r.route(messages)
    assert calls == [[WITH_VALUES[1], "I fly to Norway on Monday"]]
