"""Follow-up turns on the small path: an elliptical turn is resolved against the previous request,
a request that stands alone is left alone (``agentfn._followups``; ``agentfn chat`` with a scripted model)."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from agentfn import Agent, FunctionModel, tool
from agentfn._followups import previous_result, resolve_followups, standalone_request
from agentfn._small_path import agent_setup
from agentfn.backends.base import ModelRequest
from agentfn.backends.function import call
from agentfn.chat import ChatSession
from agentfn.messages import AssistantMessage, Message, ToolMessage, UserMessage
from agentfn.toolset import Toolset


@pytest.mark.parametrize(("previous", "followup", "expected"), [
    # one value changed: the number beside the same unit / preposition, else the only one
    ("how many ounces is 2 cups", "and 5?", "how many ounces is 5 cups"),
    ("how many ounces is 2 cups", "ok what about 7 cups", "how many ounces is 7 cups"),
    ("what's 12% of 300", "and 30%?", "what's 30% of 300"),
    ("what's 12% of 300", "and of 450?", "what's 12% of 450"),
    ("a 60 dollar dinner for 3 friends, what does each pay", "what if there were 5 friends?",
     "a 60 dollar dinner for 5 friends, what does each pay"),
    ("which weekday was 2023-05-01", "and 2023-06-01?", "which weekday was 2023-06-01"),
    ("days from 2022-01-10 to 2022-02-10", "and from 2022-03-01 to 2022-04-15?", "days from 2022-03-01 to 2022-04-15"),
    ("count the letters in 'banana'", "and in 'cherry'?", "count the letters in 'cherry'"),
    ("summarise this: the cat sat on the mat all day", "now this: dogs bark at night",
     "summarise this: dogs bark at night"),
    ("show me notes/a.txt", "and notes/b.txt?", "show me notes/b.txt"),
    # one unit / place / language changed
    ("what is the time in Berlin", "and in Madrid?", "what is the time in Madrid"),
    ("what is the time in Berlin", "how about Lisbon", "what is the time in Lisbon"),
    ("convert 3 hours to minutes", "what about to seconds?", "convert 3 hours to seconds"),
    ("how many inches are in 4 metres", "and in yards?", "how many yards are in 4 metres"),
    ("say 'thank you' in italian", "and in german?", "say 'thank you' in german"),
    ("how many vowels are in 'elephant'", "and how many consonants?", "how many consonants are in 'elephant'"),
])
def test_an_elliptical_followup_changes_only_what_it_states(previous: str, followup: str, expected: str) -> None:
    assert standalone_request(previous, followup) == expected


@pytest.mark.parametrize(("followup", "answer", "expected"), [
    ("multiply that by 3", "8 + 9 = 17", "multiply 17 by 3"),
    ("and a third of it?", "The total is 90.", "what is 90 / 3"),
    ("convert that to grams", "2 pounds = 0.907 kg", "convert 0.907 kg to grams"),
])
def test_it_and_that_are_the_previous_result(followup: str, answer: str, expected: str) -> None:
    assert standalone_request("some earlier request", followup, answer) == expected


@pytest.mark.parametrize("followup", [
    "write me a limerick about cats",  # a new topic never inherits the previous one
    "and what is the capital of Peru?",
    "how many grams are in a pound?",
    "what time is it?",  # "it" is no result here
    "and what weekday is it today?",
    "thanks, that's all",
    "hello again",
    "multiply that by 3",  # a result it could mean, but the previous turn gave none
])
def test_a_request_that_stands_alone_is_left_alone(followup: str) -> None:
    assert standalone_request("how many ounces is 2 cups", followup) is None


@pytest.mark.parametrize(("previous", "followup", "expected"), [
    # a fragment with another preposition replaces the previous request's phrase with that preposition
    ("how many weeks until the summer holidays", "and until easter?", "how many weeks until easter"),
    ("book a table for two on friday", "and on sunday?", "book a table for two on sunday"),
    ("what's the weather in Rome", "and Madrid?", "what's the weather in Madrid"),  # a bare new target
])
def test_a_fragment_replaces_its_own_phrase(previous: str, followup: str, expected: str) -> None:
    assert standalone_request(previous, followup) == expected


@pytest.mark.parametrize(("previous", "followup"), [
    ("shuffle these names: Ann Bob Cy", "now capitalise them"),  # a new instruction about the earlier text
    ("count the words in this: red green blue", "and lowercase this"),
    ("what's today's date", "and since last monday?"),  # no 'since' phrase to replace
])
def test_a_fragment_with_no_place_in_the_previous_request_is_not_forced_in(previous: str, followup: str) -> None:
    assert standalone_request(previous, followup) is None


def test_previous_result_reads_the_stated_value() -> None:
    assert previous_result("3 feet = 0.9144 m") == "0.9144 m"
    assert previous_result("12 * 4 = 48") == "48"
    assert previous_result("There are 7 words in it.") == "7 words"
    assert previous_result("I cannot do that.") is None


def test_a_conversation_is_resolved_turn_after_turn() -> None:
    messages: list[Message] = [
        UserMessage(content="how many ounces is 2 cups"), AssistantMessage(content="2 cups = 16.7 oz"),
        UserMessage(content="and 5?"), AssistantMessage(content="5 cups = 41.7 oz"),
        UserMessage(content="what about in tablespoons?"),
    ]
    resolved = resolve_followups(messages)
    assert resolved[-1].content == "how many tablespoons is 5 cups"
    assert resolved[:-1] == messages[:-1]  # earlier turns stay as the user wrote them
    assert resolve_followups(messages[:1]) == messages[:1]


# -- agentfn chat on the small path, with a scripted model ------------------------------------------------


@tool
def scale_recipe(servings: int, ingredient: str) -> str:
    """Scale a recipe ingredient to a number of servings.

    Args:
        servings: how many servings.
        ingredient: the ingredient to scale.
    """
    return f"{servings * 50} g of {ingredient}"


@tool
def world_clock(city: str) -> str:
    """The local time in a city.

    Args:
        city: the city.
    """
    return f"12:00 in {city}"


def _reader(seen: list[tuple[str, object]]) -> FunctionModel:
    """Fills the forced call from the latest user turn only, as the small model's extraction does."""

    def reply(messages: list[Message], request: ModelRequest) -> AssistantMessage | str:
        text = str([m for m in messages if isinstance(m, UserMessage)][-1].content)
        seen.append((text, request.tool_choice))
        results = [m for m in messages[messages.index(next(m for m in reversed(messages) if isinstance(m, UserMessage))):]
                   if isinstance(m, ToolMessage)]
        if results:
            return f"Answer: {results[-1].content}"
        if request.tool_choice == "scale_recipe":
            number = re.search(r"\d+", text)
            words = re.findall(r"[a-z]+", text.split(" of ")[-1])
            return AssistantMessage(tool_calls=[call("scale_recipe", {"servings": int(number.group()) if number else 0,
                                                                     "ingredient": words[0] if words else ""})])
        if request.tool_choice == "world_clock":
            return AssistantMessage(tool_calls=[call("world_clock", {"city": text.rstrip("?").split()[-1]})])
        return "Hello!"

    return FunctionModel(reply)


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[list[ChatSession]]:
    made: list[ChatSession] = []
    yield made
    for session in made:
        session.close()


def _session(tmp_path: Path, seen: list[tuple[str, object]], *, small: bool) -> ChatSession:
    setup = agent_setup(Toolset([scale_recipe, world_clock]), small=True, router="lexical")
    agent = Agent(_reader(seen), setup.toolset, router=setup.router, tool_choice=setup.tool_choice,
                  follow_route=small and setup.follow_route, route_k=setup.route_k)
    return ChatSession(agent, console=Console(file=io.StringIO()), history_file=tmp_path / "history")


def _chat(tmp_path: Path, seen: list[tuple[str, object]], sessions: list[ChatSession], *, small: bool) -> ChatSession:
    sessions.append(_session(tmp_path, seen, small=small))
    return sessions[-1]


def test_chat_on_the_small_path_resolves_followups_and_keeps_new_topics(tmp_path: Path, sessions: list[ChatSession]) -> None:
    seen: list[tuple[str, object]] = []
    session = _chat(tmp_path, seen, sessions, small=True)
    session.handle("scale the recipe to 4 servings of flour")
    session.handle("and 6?")
    assert seen[2] == ("scale the recipe to 6 servings of flour", "scale_recipe")
    assert session.messages[-1].content == "Answer: 300 g of flour"
    session.handle("what is the local time in Oslo?")  # a new topic routes on its own words
    assert seen[4] == ("what is the local time in Oslo?", "world_clock")
    session.handle("and in Rome?")
    assert seen[6] == ("what is the local time in Rome?", "world_clock")
    assert session.messages[-1].content == "Answer: 12:00 in Rome"
    out = session.console.file.getvalue()  # pyright: ignore[reportAttributeAccessIssue]
    assert "(understood as: what is the local time in Rome?)" in out
    assert json.loads(session.transcript())[-4]["content"] == "what is the local time in Rome?"


def test_chat_with_a_model_that_chooses_sends_the_turn_as_typed(tmp_path: Path, sessions: list[ChatSession]) -> None:
    seen: list[tuple[str, object]] = []
    session = _chat(tmp_path, seen, sessions, small=False)
    session.handle("scale the recipe to 4 servings of flour")
    session.handle("and 6?")
    assert [text for text, _ in seen][-1] == "and 6?"
