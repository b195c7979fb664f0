"""`agentfn serve` on the small path resolves an elliptical follow-up in the history a client sends
(``agentfn._followups``), as `agentfn chat` does; an agent whose model chooses gets the turn as sent."""

from __future__ import annotations

import re
from typing import Any

import httpx

from agentfn import Agent, FunctionModel, tool
from agentfn._small_path import agent_setup
from agentfn.backends.base import ModelRequest
from agentfn.backends.function import call
from agentfn.messages import AssistantMessage, Message, ToolMessage, UserMessage
from agentfn.serve import ServeConfig, create_app
from agentfn.serve.agents import ServedAgent
from agentfn.toolset import Toolset

from .conftest import running


@tool
def ticket_price(tickets: int, show: str) -> str:
    """The price of theatre tickets for a show.

    Args:
        tickets: how many tickets.
        show: the show's name.
    """
    return f"{tickets * 12} dollars for {show}"


def _reader(seen: list[str]) -> FunctionModel:
    """Fills the forced call from the latest user turn only, as the small model's extraction does."""

    def reply(messages: list[Message], request: ModelRequest) -> AssistantMessage | str:
        latest = max(i for i, m in enumerate(messages) if isinstance(m, UserMessage))
        text = str(messages[latest].content)
        seen.append(text)
        results = [m for m in messages[latest:] if isinstance(m, ToolMessage)]
        if results:
            return f"Answer: {results[-1].content}"
        number = re.search(r"\d+", text)
        return AssistantMessage(tool_calls=[call("ticket_price", {"tickets": int(number.group()) if number else 0,
                                                                 "show": text.rstrip("?").split()[-1]})])

    return FunctionModel(reply)


def _ask(small: bool) -> tuple[str, list[str]]:
    seen: list[str] = []
    model = _reader(seen)
    app = create_app(ServeConfig(auth="none"), model=model, toolsets={"agentfn": Toolset([ticket_price])})
    if small:  # the agent `agentfn serve` builds for the embedded default, over this scripted model
        pool = app.state.agentfn.pool
        setup = agent_setup(Toolset([ticket_price]), small=True, router="lexical")
        agent = Agent(model, setup.toolset, router=setup.router, tool_choice=setup.tool_choice,
                      follow_route=setup.follow_route, route_k=setup.route_k)
        pool.agents["agentfn"] = ServedAgent(pool.agents["agentfn"].config, agent, setup.router)
    history: list[dict[str, Any]] = [
        {"role": "user", "content": "what is the price of 2 tickets for hamlet"},
        {"role": "assistant", "content": "Answer: 24 dollars for hamlet"},
        {"role": "user", "content": "and 5?"},
    ]
    with running(app) as base, httpx.Client(base_url=base, timeout=60) as client:
        reply = client.post("/v1/chat/completions", json={"model": "agentfn", "messages": history}).json()
    return reply["choices"][0]["message"]["content"], seen


def test_served_small_path_resolves_the_followup_in_the_history() -> None:
    content, seen = _ask(small=True)
    assert seen[0] == "what is the price of 5 tickets for hamlet"
    assert content == "Answer: 60 dollars for hamlet"


def test_served_model_that_chooses_gets_the_turn_as_sent() -> None:
    _, seen = _ask(small=False)
    assert seen[0] == "and 5?"
