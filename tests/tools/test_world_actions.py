"""Requests to act in the world that no tool does get an honest plain reply, not the nearest tool."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from agentfn import FunctionModel
from agentfn._small_path import (
    PLAIN_REPLY,
    PlainReplyRouter,
    build_router,
    small_model_router,
    with_plain_reply,
)
from agentfn._world_actions import NO_ACTION_TOOL, action_words, world_action
from agentfn.context import RunContext
from agentfn.evals.everyday import check_answer
from agentfn.library.text_llm import generate
from agentfn.messages import UserMessage
from agentfn.router.config import RoutePlan
from agentfn.toolset import Toolset


@pytest.mark.parametrize(
    ("request_text", "action"),
    [
        ("remind me to water the plants at 7pm", "remind"),
        ("Could you please book a dentist appointment for Tuesday", "book"),
        ("hey can you switch off the kitchen lights", "switch"),
        ("set an alarm for 6:30 tomorrow", "alarm"),
        ("start a 20 minute timer", "timer"),
        ("add eggs and butter to my shopping list", "shopping list"),
        ("email the landlord that the heater is broken", "email"),
        ("send a message to Priya saying I'm late", "send"),
        ("buy two tickets for the 8pm show", "buy"),
        ("play something relaxing", "play"),
        ("pay my phone bill", "pay"),
    ],
)
def test_acts_in_the_world_are_recognised(request_text: str, action: str) -> None:
    assert world_action(request_text) == action


@pytest.mark.parametrize(
    "request_text",
    [
        "send me a short poem about rain",  # text for the user
        "call me Sam from now on",
        "play a riddle game with me",
        "order these numbers from small to large: 9, 2, 5",  # a sorting
        "turn this sentence into the passive voice",
        "write a reminder note for the team",  # a writing verb leads
        "set the record straight on what a kilobyte is",
        "how many minutes are in 3 hours?",
        "what's the capital of Peru",
    ],
)
def test_requests_for_text_are_not_actions(request_text: str) -> None:
    assert world_action(request_text) is None


def test_action_words_are_the_verb_and_what_it_sets() -> None:
    assert action_words("schedule a meeting with Ravi at noon") == {"schedule", "meeting"}
    assert action_words("add dentist to my to-do list") == {"todo"}
    assert action_words("what is 2 + 2") == set()


def test_the_honest_reply_declines() -> None:
    assert check_answer({"declines": True}, NO_ACTION_TOOL)


class _Fixed:
    """A router that always plans ``selected``."""

    def __init__(self, selected: list[str]) -> None:
        self.selected = selected

    def route(self, query: str | Sequence[Any], k: int = 10) -> RoutePlan:
        return RoutePlan(ranked=[(n, 1.0) for n in self.selected], selected=self.selected)


@pytest.mark.parametrize(
    ("request_text", "chosen", "planned"),
    [
        ("remind me to call grandma at 6pm", "convert_timezone", PLAIN_REPLY),  # "6pm" fills a date-time
        ("set a timer for 15 minutes", "date_add", PLAIN_REPLY),
        ("book a table for four at 8", "calculate", PLAIN_REPLY),
        ("translate 'book a table' into Spanish", "translate", "translate"),  # the instruction names the tool
        ("what time is it in Tokyo", "now", "now"),  # a question, no act
    ],
)
def test_an_act_no_offered_tool_does_goes_to_the_plain_reply(request_text: str, chosen: str, planned: str) -> None:
    specs = [t.openai_schema() for t in Toolset.builtin()]
    router = PlainReplyRouter(_Fixed([chosen]), specs, PLAIN_REPLY)
    assert router.route(request_text).selected == [planned]
    assert router.route([UserMessage(content=request_text)]).selected == [planned]


REMINDERS = '''
from agentfn import tool


@tool(side_effects="write")
def set_reminder(text: str, at: str) -> str:
    """Set a reminder: remind the user of a text at a time."""
    return f"{text} at {at}"


@tool
def list_reminders() -> list[str]:
    """List the reminders that are set."""
    return []
'''


SHOP = '''
from agentfn import tool


@tool(side_effects="write")
def order_pizza(topping: str, quantity: int, address: str) -> str:
    """Order pizzas delivered to an address."""
    return f"{quantity} {topping} to {address}"
'''


def test_what_a_reminder_is_about_is_not_asked_for_now(tmp_path: Path) -> None:
    path = tmp_path / "pizza_tools.py"
    path.write_text(SHOP)
    toolset = with_plain_reply(Toolset.from_path(path))
    router = small_model_router(build_router("auto", toolset, small_model=True), toolset)
    assert router.route("remind me to order a pizza at 7pm").selected == [PLAIN_REPLY]  # was order_pizza
    assert router.route("order a ham pizza to 12 Baker Street").selected == ["order_pizza"]


def test_an_act_a_users_tool_does_goes_to_that_tool(tmp_path: Path) -> None:
    path = tmp_path / "reminder_tools.py"
    path.write_text(REMINDERS)
    toolset = with_plain_reply(Toolset.from_path(path))
    router = small_model_router(build_router("auto", toolset, small_model=True), toolset)
    assert router.route("remind me to call grandma at 6pm").selected == ["set_reminder"]
    assert router.route("hello!").selected == [PLAIN_REPLY]


async def test_generate_never_pretends_to_act(grounded_model: FunctionModel) -> None:
    request = "remind me to call grandma at 6pm"  # the fixture's model fails the test if it is asked
    ctx: RunContext[Any] = RunContext(deps=None, run_id="r", messages=[UserMessage(content=request)], model=grounded_model)
    assert await generate.run({"prompt": "call grandma"}, ctx=ctx) == NO_ACTION_TOOL
