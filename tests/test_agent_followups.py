"""``Agent.run``/``run_sync`` with ``message_history`` on the small path: an elliptical follow-up is made a
request that stands alone before the forced call is filled (the same rules as ``agentfn chat``/``serve``)."""

from __future__ import annotations

import re

from agentfn import Agent, FunctionModel, tool
from agentfn._small_path import agent_setup
from agentfn.backends.base import ModelRequest
from agentfn.backends.function import call
from agentfn.messages import AssistantMessage, Message, ToolMessage, UserMessage
from agentfn.toolset import Toolset


@tool
def paint_needed(square_metres: float, coats: int) -> str:
    """Litres of wall paint needed for an area.

    Args:
        square_metres: the wall area in square metres.
        coats: how many coats of paint.
    """
    return f"{square_metres * coats / 10:g} litres"


@tool
def city_weather(city: str) -> str:
    """Today's weather forecast for a city.

    Args:
        city: the city.
    """
    return f"sunny in {city}"


def _model(seen: list[str]) -> FunctionModel:
    """Fills the forced call from the latest user turn alone, as the small model's extraction does."""

    def reply(messages: list[Message], request: ModelRequest) -> AssistantMessage | str:
        latest = max(i for i, m in enumerate(messages) if isinstance(m, UserMessage))
        text = str(messages[latest].content)
        results = [m for m in messages[latest:] if isinstance(m, ToolMessage)]
        if results:
            return f"That is {results[-1].content}."
        seen.append(text)
        if request.tool_choice == "paint_needed":
            numbers = [float(n) for n in re.findall(r"\d+(?:\.\d+)?", text)] + [0.0, 0.0]
            return AssistantMessage(tool_calls=[call("paint_needed", {"square_metres": numbers[0], "coats": int(numbers[1])})])
        if request.tool_choice == "city_weather":
            return AssistantMessage(tool_calls=[call("city_weather", {"city": text.rstrip("?").split()[-1]})])
        return "Hello!"

    return FunctionModel(reply)


def _agent(seen: list[str], *, small: bool) -> Agent[None, str]:
    setup = agent_setup(Toolset([paint_needed, city_weather]), small=True, router="lexical")
    return Agent(_model(seen), setup.toolset, router=setup.router, tool_choice=setup.tool_choice,
                 follow_route=small and setup.follow_route, route_k=setup.route_k)


def test_run_sync_with_history_resolves_a_followup_value() -> None:
    seen: list[str] = []
    agent = _agent(seen, small=True)
    first = agent.run_sync("how much paint for 40 square metres with 2 coats")
    assert first.output == "That is 8 litres."
    second = agent.run_sync("and 60 square metres?", message_history=first.messages)
    assert seen[-1] == "how much paint for 60 square metres with 2 coats"
    assert second.output == "That is 12 litres."
    assert second.new_messages[0].content == "how much paint for 60 square metres with 2 coats"
    third = agent.run_sync("what about 3 coats?", message_history=second.messages)
    assert seen[-1] == "how much paint for 60 square metres with 3 coats"
    assert third.output == "That is 18 litres."


async def test_run_with_history_resolves_a_new_place_and_leaves_a_new_topic_alone() -> None:
    seen: list[str] = []
    agent = _agent(seen, small=True)
    first = await agent.run("what's the weather forecast in Lisbon")
    second = await agent.run("and in Porto?", message_history=first.messages)
    assert seen[-1] == "what's the weather forecast in Porto"
    assert second.output == "That is sunny in Porto."
    third = await agent.run("how much paint for 12 square metres with 1 coat", message_history=second.messages)
    assert seen[-1] == "how much paint for 12 square metres with 1 coat"
    assert third.output == "That is 1.2 litres."


def test_a_model_that_chooses_and_a_list_prompt_get_the_turn_as_written() -> None:
    seen: list[str] = []
    first = _agent(seen, small=True).run_sync("what's the weather forecast in Lisbon")
    _agent(seen, small=False).run_sync("and in Porto?", message_history=first.messages)
    assert seen[-1] == "and in Porto?"
    small = _agent(seen, small=True)
    given = [*first.messages, UserMessage(content="and in Porto?")]
    result = small.run_sync(given)  # a whole conversation passed as the prompt is sent as written
    assert result.messages[len(first.messages)].content == "and in Porto?"


def test_a_short_request_in_another_language_is_read_in_english_on_the_small_path() -> None:
    seen: list[str] = []
    _agent(seen, small=True).run_sync("Combien font 12 fois 4 ?")
    assert seen[-1] == "what is 12 * 4"
    _agent(seen, small=False).run_sync("Combien font 12 fois 4 ?")  # a model that chooses reads it itself
    assert seen[-1] == "Combien font 12 fois 4 ?"
