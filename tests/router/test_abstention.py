"""Abstention on foreign-style requests: a few offered tools, and none (or one) of them fits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentfn.router import Router, RouterConfig
from agentfn.router.calibration import ABSTAIN_FEATURES, DEFAULT_ABSTAIN_WEIGHTS, bare_request, p_fits
from agentfn.router.encoder import Encoder

from .conftest import SPECS

BY_NAME = {s["name"]: s for s in SPECS}
FIT_RESULTS = Path(__file__).parents[2] / "benchmarks" / "results" / "fit_abstention.json"

# (request, the few tools offered with it, should the router abstain?)
OFFERED = [
    ("what's the weather going to be in Lisbon this weekend", ["send_email", "send_sms", "get_stock_quote"], True),
    ("who wrote the novel Middlemarch", ["translate_text", "convert_currency", "list_files"], True),
    ("summarise the plot of Hamlet in two lines", ["create_invoice", "book_flight"], True),
    ("text my brother that I'm running ten minutes late", ["send_sms", "send_email"], False),
    ("how many euros do I get for 250 US dollars", ["convert_currency", "get_stock_quote"], False),
    ("put a team lunch on my calendar for Friday at noon", ["create_calendar_event", "delete_file"], False),
    ("get me a plane ticket from Madrid to Athens on June 3", ["book_flight", "get_weather_forecast"], False),
]


@pytest.mark.parametrize(("query", "offered", "abstain"), OFFERED)
def test_abstains_only_when_none_of_the_offered_tools_fits(encoder: Encoder, query: str, offered: list[str],
                                                          abstain: bool) -> None:
    router = Router.build([BY_NAME[n] for n in offered], encoder=encoder)  # the default rule
    plan = router.route(query, k=len(offered))
    assert plan.abstain is abstain
    assert (plan.selected == []) is abstain


@pytest.mark.parametrize(("query", "offered", "abstain"), OFFERED)
def test_model_mode_decides_on_its_probability(encoder: Encoder, query: str, offered: list[str],
                                               abstain: bool) -> None:
    router = Router.build([BY_NAME[n] for n in offered], encoder=encoder, config=RouterConfig(abstain_mode="model"))
    features: dict[str, float] = {}
    plan = router.route(query, k=len(offered), features=features)
    assert set(features) == set(ABSTAIN_FEATURES)
    assert plan.confidence == pytest.approx(p_fits(features, DEFAULT_ABSTAIN_WEIGHTS))
    assert plan.abstain is (plan.confidence < router.config.abstain_cut)
    if abstain:  # it refuses every off-topic request; it also refuses some short paraphrases (why it is opt-in)
        assert plan.abstain and plan.selected == []


def test_values_are_left_out_of_what_the_request_asks() -> None:
    assert bare_request("Translate 'good morning' to French") == "Translate to"
    assert bare_request("email bob@example.com about order 55123") == "email about order"


def test_shipped_weights_are_the_fitted_ones() -> None:
    if not FIT_RESULTS.exists():
        pytest.skip("benchmarks/results/fit_abstention.json not generated")
    fit = json.loads(FIT_RESULTS.read_text())
    assert fit["weights"] == DEFAULT_ABSTAIN_WEIGHTS
    assert fit["cut"] == RouterConfig().abstain_cut
