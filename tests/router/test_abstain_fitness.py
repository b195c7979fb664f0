"""Action clashes between a request and its offered tools (``fitness.fit_features``): the near-domain abstention signals."""

from __future__ import annotations

from typing import Any

import pytest

from agentfn.router import Router, RouterConfig
from agentfn.router.calibration import ABSTAIN_FEATURES, DEFAULT_ABSTAIN_WEIGHTS
from agentfn.router.encoder import Encoder
from agentfn.router.fitness import FIT_FEATURES, action_groups, asked_groups, fit_features


@pytest.mark.parametrize(("request_text", "groups"), [
    ("On Nextcloud, share the slides with Priya", {"send"}),  # "On <place>," is no action
    ("turn on the porch lamp", {"on"}),
    ("tell me when the next train leaves", {"read"}),
    ("tell Bob I'm running late", {"send"}),
    ("give me the cheapest hotel in Lyon", {"read"}),
    ("get rid of the old invoices", {"delete"}),
    ("drop the team a note about Friday", {"send"}),
    ("shoot me an email when it ships", {"send"}),
    ("drop the staging table", {"delete"}),
    ("email Sam the quarterly report", {"send"}),
    ("dim the hallway lights in 5 minutes", {"update", "create"}),  # a delayed command also asks for a timer
])
def test_asked_groups_read_the_clause_opening_action(request_text: str, groups: set[str]) -> None:
    assert asked_groups(request_text) == groups


def test_action_groups_of_a_name_include_the_action_after_and() -> None:
    assert action_groups("music__search_and_play") == {"read", "on"}
    assert action_groups("mail_delete_email") == {"delete"}  # "email" names the object in a tool's name


def test_agree_is_zero_only_when_every_top_tool_clashes() -> None:
    assert fit_features("add 5 minutes to the oven timer", ["pause_timer", "cancel_timer"])["agree"] == 0.0
    assert fit_features("add 5 minutes to the oven timer", ["pause_timer", "extend_timer"])["agree"] == 1.0
    assert fit_features("lovely weather today", ["pause_timer"])["agree"] == 1.0  # no asked action: no clash
    assert set(fit_features("x", [])) == set(FIT_FEATURES)


def test_reads_needs_a_reading_question_and_a_tool_that_reads() -> None:
    assert fit_features("is the garage door open?", ["get_door_state"])["reads"] == 1.0
    assert fit_features("is the garage door open?", ["set_door_position"])["reads"] == 0.0
    assert fit_features("open the garage door", ["get_door_state"])["reads"] == 0.0


def _tool(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "description": description,
            "parameters": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}}


TIMERS = {
    "pause_timer": _tool("pause_timer", "Pause a running kitchen timer."),
    "add_time_to_timer": _tool("add_time_to_timer", "Add time to a running kitchen timer."),
}


def test_route_reports_the_clash_and_a_weight_on_it_lowers_only_clashing_offers(encoder: Encoder) -> None:
    text = "add 10 minutes to the pasta timer"
    # More weight on agreement with the bias lowered by as much: requests without a clash keep their confidence.
    shipped = DEFAULT_ABSTAIN_WEIGHTS
    weighted = {**shipped, "agree": shipped["agree"] + 2.0, "bias": shipped["bias"] - 2.0}
    conf: dict[tuple[str, bool], float] = {}
    for name, tool in TIMERS.items():
        for w in (False, True):
            cfg = RouterConfig(abstain_weights=weighted) if w else RouterConfig()
            feats: dict[str, float] = {}
            conf[name, w] = Router.build([tool], encoder=encoder, config=cfg).route(text, k=1, features=feats).confidence
            assert set(feats) == set(ABSTAIN_FEATURES)
            assert feats["agree"] == (0.0 if name == "pause_timer" else 1.0)
    assert conf["pause_timer", True] < conf["pause_timer", False]
    assert conf["add_time_to_timer", True] == pytest.approx(conf["add_time_to_timer", False])
