"""Questions go to tools that read: request mood against state-changing tool names."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from agentfn.router import Router, RouterConfig
from agentfn.router.encoder import Encoder
from agentfn.router.mood import asks_to_read, changes_state, mood_penalty


@pytest.mark.parametrize(
    "text",
    ["what is the temperature in the bedroom", "are all the windows closed", "how much time is left on my timer",
     "is jane home", "hey, what's 23% of 1,850?", "Can you tell me the weather in Paris?",
     "which lights are on in the kitchen", "has my plane from Toronto landed yet"],
)
def test_questions_ask_to_read(text: str) -> None:
    assert asks_to_read(text)


@pytest.mark.parametrize(
    "text",
    ["can you book a table for two?", "could you turn off the lights", "how do I cancel my order",
     "set a timer for 10 minutes", "turn on the kitchen lights", "", "   ", "please, ok, hey"],
)
def test_commands_and_empty_requests_do_not(text: str) -> None:
    assert not asks_to_read(text)


def test_state_changing_tool_names() -> None:
    assert changes_state("HassClimateSetTemperature") and changes_state("increase_timer") and changes_state("turnOff")
    assert not changes_state("HassClimateGetTemperature") and not changes_state("timer_status")
    assert not changes_state("search_flights")


def test_penalty_is_a_share_of_the_spread_and_only_for_acting_tools() -> None:
    fused = np.asarray([1.0, 0.9, 0.5, 0.0], dtype=np.float32)
    acts = np.asarray([1.0, 0.0, 1.0, 0.0], dtype=np.float32)
    out = mood_penalty(fused, acts, 0.25, spread_rank=4)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [0.75, 0.9, 0.25, 0.0])
    assert mood_penalty(fused, acts, 0.0) is fused
    assert mood_penalty(np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.float32), 0.5).size == 0
    # Slots of removed tools hold -inf: they neither set the spread nor turn into NaN.
    gone = np.asarray([1.0, -np.inf, 0.0], dtype=np.float32)
    np.testing.assert_array_equal(mood_penalty(gone, np.ones(3, dtype=np.float32), 0.5, spread_rank=3),
                                  np.asarray([0.5, -np.inf, -0.5], dtype=np.float32))


THERMO: list[dict[str, Any]] = [
    {"name": "thermostat_set_temperature", "description": "Set the target temperature of a room's thermostat.",
     "parameters": {"type": "object", "properties": {"room": {"type": "string"}, "degrees": {"type": "number"}}}},
    {"name": "thermostat_get_temperature", "description": "Current temperature reported by a room's thermostat.",
     "parameters": {"type": "object", "properties": {"room": {"type": "string"}}}},
    {"name": "send_email", "description": "Send an email message to a recipient.",
     "parameters": {"type": "object", "properties": {"to": {"type": "string"}, "body": {"type": "string"}}}},
]


def test_a_question_prefers_the_reading_near_duplicate(encoder: Encoder) -> None:
    on = Router.build(THERMO, encoder=encoder, config=RouterConfig(mood_weight=0.5))
    off = Router.build(THERMO, encoder=encoder, config=RouterConfig(mood_weight=0.0))
    question = "what is the temperature in the bedroom thermostat set to"
    assert on.route(question).ranked[0][0] == "thermostat_get_temperature"
    # A command is left alone, and with the weight at 0 nothing changes.
    command = "set the bedroom thermostat temperature to 21 degrees"
    assert on.route(command).ranked[0][0] == off.route(command).ranked[0][0] == "thermostat_set_temperature"
    assert [n for n, _ in on.route(command).ranked] == [n for n, _ in off.route(command).ranked]


def test_without_lead_drops_the_opening_filler_only() -> None:
    from agentfn.router.mood import without_lead

    assert without_lead("quick one: hey, water the ferns") == "water the ferns"
    assert without_lead("ok so is the oven on?") == "is the oven on?"
    assert without_lead("water the ferns, ok") == "water the ferns, ok"
