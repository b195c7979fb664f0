"""Requests for live facts no tool serves get an honest reply, never an invented one; chit-chat is still answered."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from agentfn import FunctionModel, ModelRequest
from agentfn._live_facts import NO_LIVE_TOOL, asks_live_fact
from agentfn._small_path import PlainReplyRouter
from agentfn.context import RunContext
from agentfn.evals.everyday import check_answer
from agentfn.library.text_llm import generate
from agentfn.messages import Message, UserMessage
from agentfn.router.config import RoutePlan
from agentfn.toolset import Toolset

LIVE = [
    "will it snow in Zurich tonight?",
    "what's the forecast for Madrid on the weekend",
    "how much is one share of Tesla right now",
    "price of gold?",
    "any big news this morning?",
    "who's winning the tennis final",
    "what was the final score of the Lakers game yesterday",
    "pounds to yen",
    "can you tell me whether train services are running today",
    "quick question: is it windy in Dublin right now?",
    "is flight AF 1234 on schedule",
    "is the pharmacy on Main Street open now?",
]
NOT_LIVE = [
    "hello there!",
    "how are you doing today?",
    "what's your name",
    "tell me a riddle",
    "write a short poem about rain tomorrow",
    "translate 'good news' into German",
    "who painted the Mona Lisa?",
    "who won the 1966 world cup",
    "where do koalas live",
    "what is a normal resting heart rate",
    "how many grams in 2 pounds",
]


@pytest.mark.parametrize("request_text", LIVE)
def test_live_facts_are_recognised(request_text: str) -> None:
    assert asks_live_fact(request_text, today=datetime(2026, 12, 7, tzinfo=UTC))


@pytest.mark.parametrize("request_text", NOT_LIVE)
def test_chit_chat_writing_and_settled_facts_are_not_live(request_text: str) -> None:
    assert not asks_live_fact(request_text, today=datetime(2026, 12, 7, tzinfo=UTC))


def test_the_honest_reply_declines_and_invents_no_figure() -> None:
    assert check_answer({"declines": True}, NO_LIVE_TOOL)


def _grounded(seen: list[ModelRequest], text: str) -> FunctionModel:
    def reply(messages: list[Message], request: ModelRequest) -> str:
        seen.append(request)
        return text

    model = FunctionModel(reply)
    model.answer_mode = "grounded"  # type: ignore[attr-defined]  # what the embedded backend sets
    return model


async def test_generate_never_asks_the_small_model_for_a_live_fact() -> None:
    seen: list[ModelRequest] = []
    model = _grounded(seen, "Tomorrow in Oslo it will be sunny with 18 degrees.")
    request = "will it be sunny in Oslo tomorrow?"
    ctx: RunContext[Any] = RunContext(deps=None, run_id="r", messages=[UserMessage(content=request)], model=model)
    assert await generate.run({"prompt": "sunny in Oslo"}, ctx=ctx) == NO_LIVE_TOOL
    assert seen == []


async def test_generate_still_answers_chit_chat() -> None:
    seen: list[ModelRequest] = []
    model = _grounded(seen, "I am doing well, thank you for asking!")
    ctx: RunContext[Any] = RunContext(deps=None, run_id="r", messages=[UserMessage(content="how are you today?")],
                                      model=model)
    assert await generate.run({"prompt": "how are you today"}, ctx=ctx) == "I am doing well, thank you for asking!"
    assert len(seen) == 1


class _Fixed:
    """A router that always plans ``selected``."""

    def __init__(self, selected: list[str]) -> None:
        self.selected = selected

    def route(self, query: str | Sequence[Any], k: int = 10) -> RoutePlan:
        return RoutePlan(ranked=[(n, 1.0) for n in self.selected], selected=self.selected)


def _specs(*names: str) -> list[dict[str, Any]]:
    return [t.openai_schema() for t in Toolset.builtin() if t.name in names]


@pytest.mark.parametrize(
    ("request_text", "chosen", "planned"),
    [
        ("yen to pounds, today's rate?", "now", "generate"),  # the clock is not an exchange rate
        ("is it going to rain in Lyon tomorrow", "date_add", "generate"),
        ("what time is it in Lima right now", "now", "now"),  # the clock serves the time now
        ("what's the date today", "now", "now"),  # present, but no kind of live data: the router's choice
        ("how many days until new year", "date_diff", "date_diff"),
        ("hi there", "generate", "generate"),
    ],
)
def test_live_fact_router_sends_unserved_live_facts_to_the_plain_reply(request_text: str, chosen: str, planned: str) -> None:
    router = PlainReplyRouter(_Fixed([chosen]), _specs("now", "date_add", "date_diff", "generate"), "generate")
    assert router.route(request_text).selected == [planned]
    assert router.route([UserMessage(content=request_text)]).selected == [planned]


def test_live_fact_router_without_a_plain_reply_keeps_the_plan() -> None:
    router = PlainReplyRouter(_Fixed(["now"]), _specs("now"), "generate")
    assert router.route("yen to pounds, today's rate?").selected == ["now"]


@pytest.mark.parametrize(
    ("request_text", "chosen", "planned"),
    [
        ("flip 'racecar level' backwards", "sentiment", "generate"),  # no tool flips text
        ("scramble the letters of 'orange'", "text_stats", "generate"),
        ("translate 'see you soon' into Dutch", "translate", "translate"),  # the verb names the tool
        ("Judge the sentiment: 'the soup was cold'", "sentiment", "sentiment"),  # the instruction names it
        ("Going by this note, who signed it? 'Signed, Ada'", "answer", "answer"),  # a question about the quote
        ("Sort 'great service' into praise or complaint", "classify", "classify"),  # options to choose from
        ("alphabetize these: kiwi, plum, date", "text_stats", "generate"),  # a passage after the colon
        ("We ordered 4 teas at 2.50 each. What did we pay?", "calculate", "calculate"),  # a question
    ],
)
def test_an_instruction_no_tool_does_goes_to_the_plain_reply(request_text: str, chosen: str, planned: str) -> None:
    specs = [t.openai_schema() for t in Toolset.builtin()]
    assert PlainReplyRouter(_Fixed([chosen]), specs, "generate").route(request_text).selected == [planned]
