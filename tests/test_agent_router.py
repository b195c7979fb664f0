"""Agent + router: only routed tools are offered, in a stable order, and the decision is an event."""

from __future__ import annotations

from agentfn import Agent, AssistantMessage, FunctionModel, ModelRequest, Toolset, tool
from agentfn.backends.function import call
from agentfn.events import RouteDecision
from agentfn.messages import Message, ToolMessage
from agentfn.router import Router


def make_tools() -> Toolset:
    specs = {
        "convert_currency": "Convert an amount of money from one currency to another using exchange rates.",
        "send_email": "Send an email message to a recipient address.",
        "get_weather": "Current weather forecast for a city.",
        "create_invoice": "Create a customer invoice with line items.",
        "translate_text": "Translate text into another language.",
        "list_files": "List files in a directory.",
        "book_flight": "Book a flight between two airports.",
        "search_web": "Search the web for pages.",
        "get_stock_price": "Latest stock price for a ticker symbol.",
        "set_reminder": "Set a reminder at a time.",
    }
    def make(name: str, description: str) -> object:
        def fn(query: str = "") -> str:
            return f"{name} ok"

        fn.__name__ = name
        fn.__doc__ = description
        return tool(fn)

    return Toolset([make(n, d) for n, d in specs.items()])  # type: ignore[misc]


async def test_agent_offers_routed_tools_in_registry_order_and_records_decision() -> None:
    tools = make_tools()
    router = Router.build(list(tools), encoder=None)  # lexical mode: no model weights needed
    seen: list[list[str]] = []

    def reply(messages: list[Message], request: ModelRequest) -> AssistantMessage | str:
        seen.append(request.tool_names())
        if messages[-1].role == "user":
            return AssistantMessage(tool_calls=[call("convert_currency", {"query": "20 USD to EUR"})])
        return "done"

    agent = Agent(FunctionModel(reply), tools, router=router, route_k=3, pinned_tools=["search_web"])
    run = agent.iter("convert 20 dollars to euros with today's exchange rate")
    events = [e async for e in run]
    decisions = [e for e in events if isinstance(e, RouteDecision)]
    assert decisions and decisions[0].ranked[0][0] == "convert_currency"
    offered = seen[0]
    assert "convert_currency" in offered and "search_web" in offered
    assert len(offered) <= 4
    registry_order = tools.names()
    assert offered == sorted(offered, key=registry_order.index)
    assert run.result.ok


async def test_call_to_real_but_unoffered_tool_widens_the_offer_once() -> None:
    tools = make_tools()
    router = Router.build(list(tools), encoder=None)

    def reply(messages: list[Message], request: ModelRequest) -> AssistantMessage | str:
        if messages[-1].role == "user":
            return AssistantMessage(tool_calls=[call("set_reminder", {"query": "at 5"})])
        return "done"

    result = await Agent(FunctionModel(reply), tools, router=router, route_k=2).run("what is the weather in Paris")
    (msg,) = [m for m in result.messages if isinstance(m, ToolMessage)]
    assert msg.content == "set_reminder ok"


async def test_follow_route_forces_the_selected_chain_one_call_per_step() -> None:
    tools = make_tools()
    router = Router.build(list(tools), encoder=None)
    choices: list[str] = []

    def reply(messages: list[Message], request: ModelRequest) -> AssistantMessage | str:
        choices.append(request.tool_choice)
        if request.tool_choice in request.tool_names():
            return AssistantMessage(tool_calls=[call(request.tool_choice, {"query": "x"})])
        return "done"

    query = "convert 20 dollars to euros with the exchange rate and then send an email message to Ann"
    plan = router.route(query, k=3)
    agent = Agent(FunctionModel(reply), tools, router=router, route_k=3, tool_choice="required", follow_route=True)
    result = await agent.run(query)
    assert len(plan.selected) >= 2
    assert choices == [*plan.selected, "auto"]
    assert [m.name for m in result.messages if isinstance(m, ToolMessage)] == plan.selected


async def test_follow_route_stops_at_a_denied_call_instead_of_forcing_it_again() -> None:
    import copy
    import io

    from agentfn.approval import TerminalApprover

    tools = make_tools()
    gated = copy.copy(tools["list_files"])
    gated.requires_approval = True  # as require_approval marks a tool with side effects
    tools = Toolset([gated if t.name == "list_files" else t for t in tools])
    router = Router.build(list(tools), encoder=None)
    forced: list[str] = []

    def reply(messages: list[Message], request: ModelRequest) -> AssistantMessage | str:
        forced.append(request.tool_choice)
        if request.tool_choice in request.tool_names():
            return AssistantMessage(tool_calls=[call(request.tool_choice, {"query": "."})])
        return "done"

    approver = TerminalApprover(interactive=False, stderr=io.StringIO())  # no terminal: nobody can approve
    agent = Agent(FunctionModel(reply), tools, router=router, route_k=3, tool_choice="required", follow_route=True,
                  approver=approver)
    result = await agent.run("list files in a directory")
    # one forced call, denied; the run ends there with the reason, not after the retries and the no-progress guard
    assert forced == ["list_files"]
    assert result.outcome == "error" and result.reason == "tool 'list_files' was not approved"
