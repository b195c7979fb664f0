"""A delayed command ("turn off the lights in 10 minutes") also wants what waits: a timer or a scheduler."""

from __future__ import annotations

import pytest

from agentfn.router import Router
from agentfn.router.combine import segment
from agentfn.router.steps import delay_phrase


@pytest.mark.parametrize(("text", "delay"), [
    ("turn off the lights in 1 hour and 10 minutes", "in 1 hour and 10 minutes"),
    ("please start the dishwasher in half an hour", "in half an hour"),
    ("can you lock the door after 30 seconds", "in 30 seconds"),
    ("water the plants in 2 hours 15 minutes and 10 seconds.", "in 2 hours 15 minutes and 10 seconds"),
])
def test_a_command_ending_in_a_delay_has_one(text: str, delay: str) -> None:
    assert delay_phrase(text) == delay


@pytest.mark.parametrize("text", [
    "what is the weather in 2 days",  # a question
    "will it rain in 3 hours?",
    "the meeting starts in 10 minutes",  # a statement
    "set a timer for 10 minutes",  # the duration is the timer's own, not a delay
    "turn off the lights",
])
def test_questions_statements_and_plain_commands_have_none(text: str) -> None:
    assert delay_phrase(text) is None


def test_the_delay_is_a_segment_that_lifts_but_does_not_ask() -> None:
    steps = segment("turn off the lights in 5 minutes", actions=True)
    assert [s.asks for s in steps][-1] is False and steps[-1].text == "in 5 minutes"
    assert all(s.asks for s in segment("turn off the lights", actions=True))


def test_a_delayed_command_lifts_the_timer_into_the_ranking() -> None:
    specs = [
        {"name": "set_light", "description": "Turn a light on or off.",
         "parameters": {"type": "object", "properties": {"on": {"type": "boolean"}, "room": {"type": "string"}}}},
        {"name": "set_fan", "description": "Turn a fan on or off.",
         "parameters": {"type": "object", "properties": {"on": {"type": "boolean"}}}},
        {"name": "set_heater", "description": "Turn the heater on or off.",
         "parameters": {"type": "object", "properties": {"on": {"type": "boolean"}}}},
        {"name": "start_timer", "description": "Start a timer that runs for some hours, minutes and seconds.",
         "parameters": {"type": "object", "properties": {"hours": {"type": "integer"}, "minutes": {"type": "integer"},
                                                          "seconds": {"type": "integer"}}}},
        {"name": "send_email", "description": "Send an email.",
         "parameters": {"type": "object", "properties": {"to": {"type": "string"}}}},
    ]
    router = Router.build(specs, encoder=None)
    top = [name for name, _ in router.route("switch off the kitchen light in 10 minutes", k=3).ranked]
    assert set(top[:2]) == {"set_light", "start_timer"}  # the action and what waits, before other switches
