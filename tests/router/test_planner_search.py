"""search_tools: deferred tool loading through a real Agent loop driven by a scripted model."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agentfn import Agent, AssistantMessage, FunctionModel, ModelRequest, Toolset
from agentfn.backends.function import call
from agentfn.events import ToolResultEvent
from agentfn.exceptions import UserError
from agentfn.messages import Message, ToolMessage
from agentfn.router import Router
from agentfn.router.search import ToolSearch
from agentfn.tool import Tool
from tests.router.conftest import SPECS


def live_tools() -> Toolset:
    def bind(spec: dict[str, Any]) -> Tool[..., Any]:
        name = spec["name"]
        return Tool.from_schema({k: v for k, v in spec.items() if k != "return_schema"},
                                function=lambda **kw: f"{name} ran with {sorted(kw)}")
    return Toolset([bind(s) for s in SPECS])


async def test_search_then_call_the_found_tool_end_to_end() -> None:
    tools = live_tools()
    offered: list[list[str]] = []

    def reply(messages: list[Message], request: ModelRequest) -> AssistantMessage | str:
        offered.append(request.tool_names())
        last = messages[-1]
        if last.role == "user":
            return AssistantMessage(tool_calls=[call("search_tools", {"query": "currency exchange rate", "k": 2})])
        if isinstance(last, ToolMessage) and last.name == "search_tools":
            found = json.loads(last.content)
            assert found["names"][0] == "convert_currency"
            spec = found["tools"][0]
            assert spec["parameters"]["properties"]["amount"]["type"] == "number"
            return AssistantMessage(tool_calls=[call("convert_currency", {"amount": 20, "from_currency": "USD", "to_currency": "EUR"})])
        return "20 USD is about 18 EUR."

    agent = Agent(FunctionModel(reply), tools, tool_search=True, pinned_tools=["list_files"])
    run = agent.iter("How much is 20 USD in EUR?")
    events = [e async for e in run]
    assert run.result.ok and run.result.output == "20 USD is about 18 EUR."
    # Step 0: only the pinned tool and the search tool; afterwards the found tools join.
    assert offered[0] == ["list_files", "search_tools"]
    assert offered[1] == ["convert_currency", "list_files", "search_tools"]  # registry order, search last
    results = [e for e in events if isinstance(e, ToolResultEvent)]
    assert [(r.tool_name, r.status) for r in results] == [("search_tools", "ok"), ("convert_currency", "ok")]
    assert "list_files" not in json.loads(results[0].content)["names"]  # pinned tools are not searched


async def test_search_uses_the_agents_router_and_only_its_tools() -> None:
    # A shared router that indexes more tools than this agent has.
    router = Router.build(SPECS, encoder=None)
    tools = Toolset([t for t in live_tools() if t.name in {"send_email", "send_sms"}])
    search = ToolSearch(k=5).bind(tools, router=router)
    found = search.search("send a message")
    assert set(found["names"]) <= {"send_email", "send_sms"} and found["names"]
    assert "note" not in found
    nothing = search.search("zzzz qqqq")  # nothing fits: said so, not an error
    assert nothing["names"] == [] and "Try other words" in nothing["note"]
    agent = Agent(FunctionModel(lambda m, r: "ok"), tools, router=router, tool_search=True)
    assert agent.tool_search is not None and agent.tool_search.router is router


async def test_k_is_bounded_by_the_schema() -> None:
    search = ToolSearch(k=2, max_k=3).bind(live_tools())
    tool = search.tool
    assert tool.parameters["properties"]["k"]["maximum"] == 3
    assert len((await tool.call({"query": "send message"}))["names"]) == 2
    with pytest.raises(Exception, match="k"):
        await tool.call({"query": "send message", "k": 50})
    assert len(search.search("send message", 99)["names"]) == 3


def test_names_survive_a_truncated_result() -> None:
    search = ToolSearch().bind(live_tools())
    content = Tool.to_content(search.search("email"))
    truncated = content[: content.index('"tools"') + 30]  # the executor cut a long result short
    assert search.names_in(truncated) == search.names_in(content) == search.search("email")["names"]
    assert search.names_in('{"names": ["not_a_tool", "send_email"]}') == ["send_email"]
    assert search.names_in("garbage") == []


def test_conflicts_are_reported() -> None:
    tools = live_tools()
    with pytest.raises(UserError, match="follow a route"):
        Agent(FunctionModel(lambda m, r: "ok"), tools, tool_search=True, follow_route=True)
    with pytest.raises(UserError, match="already named"):
        Agent(FunctionModel(lambda m, r: "ok"), tools, tool_search=ToolSearch(name="send_email"))
