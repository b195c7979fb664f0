"""Abstention on foreign-style requests: a few offered tools, and none (or one) of them fits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentfn.router import Router, RouterConfig
from agentfn.router.calibration import (
    ABSTAIN_FEATURES,
    DEFAULT_ABSTAIN_WEIGHTS,
    bare_request,
    head_text,
    object_request,
    p_fits,
)
from agentfn.router.encoder import Encoder
from agentfn.router.text import ToolRecord

from .conftest import SPECS

BY_NAME = {s["name"]: s for s in SPECS}
FIT_RESULTS = Path(__file__).parents[2] / "benchmarks" / "results" / "fit_abstention.json"
SHORT_REQUESTS = Path(__file__).parents[2] / "agentfn" / "evals" / "data" / "short_requests.json"
MAX_REFUSED_PARAPHRASES = 5
"""Measured with the shipped model rule: 5 of 20 (the threshold rule refuses 1 of them; the earlier model 7 or more)."""

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
    assert plan.abstain is abstain
    assert (plan.selected == []) is abstain


def test_values_are_left_out_of_what_the_request_asks() -> None:
    assert bare_request("Translate 'good morning' to French") == "Translate to"
    assert bare_request("email bob@example.com about order 55123") == "email about order"
    # a text handed over after a colon is a value; a place named before a colon is not
    assert bare_request("tl;dr of this article: the council voted to close the old bridge") == "tl;dr of this article"
    assert bare_request("In Vault: who signed in from a new device this week").endswith("who signed in from a new device this week")
    # an opening filler before a colon hands nothing over: the request after it is kept
    assert bare_request("quick question: which trains leave for Leeds after noon").endswith("which trains leave for after noon")
    assert bare_request("hey: how far is the moon from the earth") == "hey: how far is the moon from the earth"


def test_what_the_request_acts_on_leaves_out_actions_and_values() -> None:
    assert object_request("cancel the 1 hour timer") == "hour timer"
    assert object_request("please send Ann the report") == "report"


def test_head_text_is_the_name_and_first_sentence() -> None:
    rec = ToolRecord.of(BY_NAME["send_email"])
    head = head_text(rec)
    assert head.startswith("send email: ") and head.count(".") <= 1


def test_background_tools_say_when_another_kind_of_tool_would_serve(encoder: Encoder) -> None:
    router = Router.build([BY_NAME["send_email"]], encoder=encoder, config=RouterConfig(abstain_mode="model"))
    fits: dict[str, float] = {}
    other: dict[str, float] = {}
    router.route("email Sam the minutes of today's meeting", k=1, features=fits)
    router.route("what's the weather going to be in Lisbon this weekend", k=1, features=other)
    assert fits["bgmargin"] > other["bgmargin"]  # a background weather tool beats the offered one
    assert fits["zreq"] > other["zreq"] and fits["bgrank"] > other["bgrank"]


def test_shipped_weights_and_default_rule_are_the_fitted_ones() -> None:
    if not FIT_RESULTS.exists():
        pytest.skip("benchmarks/results/fit_abstention.json not generated")
    fit = json.loads(FIT_RESULTS.read_text())
    # The rule the benchmark's criterion chose: the refit, or the previous weights when the refit does not beat them.
    assert fit["chosen_weights"] == DEFAULT_ABSTAIN_WEIGHTS
    assert fit["chosen_cut"] == RouterConfig().abstain_cut
    assert fit["chosen_mode"] == RouterConfig().abstain_mode
    if fit["default"] == "model":
        assert fit["weights"] == DEFAULT_ABSTAIN_WEIGHTS


# Short paraphrases of what the hand-made registry's tools do: none names its tool.
SHORT_PARAPHRASES = [
    ("will it rain in Oslo tomorrow", "get_weather_forecast"), ("is it going to be windy in Hamburg", "get_weather_forecast"),
    ("how cold will Boston get this week", "get_weather_forecast"), ("email Sam the minutes", "send_email"),
    ("text mum I'm home", "send_sms"), ("ping the dev channel that the build is green", "sendSlackMessage"),
    ("what's Apple trading at", "get_stock_quote"), ("TSLA price?", "get_stock_quote"),
    ("100 USD in yen", "convert_currency"), ("how much is 50 pounds in euros", "convert_currency"),
    ("say thank you in Japanese", "translate_text"), ("what's 'cheese' in Italian", "translate_text"),
    ("fly me to Rome on Friday", "book_flight"), ("get me to Berlin from Paris next Monday", "book_flight"),
    ("drop Ana a line about lunch", "send_email"), ("bill Acme 300 dollars", "create_invoice"),
    ("what's in my downloads folder", "list_files"),
    ("remove old.log", "delete_file"), ("schedule standup at 9 tomorrow", "create_calendar_event"),
    ("put dentist on my calendar Tuesday 3pm", "create_calendar_event"),
]


def _refused(router: Router, requests: list[str]) -> list[str]:
    return [q for q in requests if router.route(q, k=5).abstain]


def test_shipped_rule_serves_short_paraphrases(encoder: Encoder) -> None:
    default = Router.build(SPECS, encoder=encoder)
    threshold = Router.build(SPECS, encoder=encoder, config=RouterConfig(abstain_mode="threshold"))
    texts = [q for q, _ in SHORT_PARAPHRASES]
    assert len(_refused(default, texts)) <= MAX_REFUSED_PARAPHRASES
    assert len(_refused(threshold, texts)) <= 1
    assert sum(default.route(q, k=5).ranked[0][0] == tool for q, tool in SHORT_PARAPHRASES) >= len(texts) - 3


def test_shipped_rule_refuses_no_more_short_builtin_requests_than_the_threshold_rule(encoder: Encoder) -> None:
    from agentfn.toolset import Toolset

    data = json.loads(SHORT_REQUESTS.read_text())["requests"]
    tools = list(Toolset.builtin())
    assert {r["tool"] for r in data} <= {t.name for t in tools}
    texts = [r["text"] for r in data]
    shipped = _refused(Router.build(tools, encoder=encoder), texts)
    threshold = _refused(Router.build(tools, encoder=encoder, config=RouterConfig(abstain_mode="threshold")), texts)
    assert len(shipped) <= len(threshold)
    assert len(shipped) <= len(texts) // 4


def test_fit_requests_are_apart_from_the_held_out_short_requests() -> None:
    held = {r["text"] for r in json.loads(SHORT_REQUESTS.read_text())["requests"]}
    fit = json.loads((SHORT_REQUESTS.parent / "short_requests_fit.json").read_text())
    assert fit["requests"] and not held & {r["text"] for r in fit["requests"]}
