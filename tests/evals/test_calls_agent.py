"""`agentfn eval calls` through the agent loop: routers, forced chains, multi-turn cases, concurrency, drafts."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner

from agentfn import AssistantMessage, FunctionModel, ModelRequest, Toolset, tool
from agentfn.backends.function import call, example_from_schema
from agentfn.evals import evaluate_calls
from agentfn.evals.calls import CallCase
from agentfn.evals.cli import register_eval
from agentfn.exceptions import ModelUnavailableError
from agentfn.messages import Message, ToolMessage
from agentfn.router import Router

RAN: list[str] = []


@tool(side_effects="external")
def airport_code(city: str) -> str:
    """IATA code of the main airport of a city."""
    RAN.append("airport_code")
    return {"paris": "CDG", "rome": "FCO"}.get(city.lower(), "???")


@tool(side_effects="read")
def search_flights(origin: str, destination: str) -> list[str]:
    """Search flights between two airports given as IATA codes."""
    RAN.append("search_flights")
    return [f"{origin}-{destination} 09:10", f"{origin}-{destination} 17:45"]


@tool(side_effects="write")
def send_email(to: str, body: str) -> str:
    """Send an email to a recipient."""
    RAN.append("send_email")
    return "sent"


@tool
def get_weather(city: str) -> str:
    """Current weather for a city."""
    RAN.append("get_weather")
    return f"sunny in {city}"


TOOLS = Toolset([airport_code, search_flights, send_email, get_weather])


def follower(messages: list[Message], request: ModelRequest) -> AssistantMessage | str:
    """Calls the tool it is forced to (with schema-valid example arguments), else answers."""
    if request.tool_choice in ("auto", "required", "none"):
        return "I am not sure which tool to use."
    spec = next(t["function"] for t in request.tools if t["function"]["name"] == request.tool_choice)
    return AssistantMessage(tool_calls=[call(spec["name"], example_from_schema(spec["parameters"]))])


def case(**data: Any) -> CallCase:
    return CallCase.model_validate(data)


def last_tool(messages: list[Message]) -> ToolMessage | None:
    return messages[-1] if isinstance(messages[-1], ToolMessage) else None


def travel_agent(messages: list[Message], request: ModelRequest) -> AssistantMessage | str:
    """A scripted model that uses what tools return, as a capable model would."""
    result = last_tool(messages)
    text = next(m.content for m in reversed(messages) if m.role == "user") or ""
    if result is not None and result.name == "airport_code" and "flight" in text:
        return AssistantMessage(tool_calls=[call("search_flights", {"origin": result.content, "destination": "FCO"})])
    if result is not None:
        return f"Done: {result.content}"
    if "code" in text:
        return AssistantMessage(tool_calls=[call("airport_code", {"city": "Paris"})])
    if "flight" in text:  # refers to the earlier turn's answer
        code = next((m.content for m in messages if isinstance(m, ToolMessage) and m.name == "airport_code"), "?")
        return AssistantMessage(tool_calls=[call("search_flights", {"origin": code, "destination": "FCO"})])
    if "email" in text:
        return AssistantMessage(tool_calls=[call("send_email", {"to": "ann@example.com", "body": "hi"})])
    return "Hello!"


async def test_multi_turn_case_uses_supplied_results_and_scores_each_turn() -> None:
    RAN.clear()
    trip = case(id="trip", order="strict", turns=[
        {"user": "What is the airport code of Paris?",
         "expected": [{"name": "airport_code", "arguments": {"city": ["Paris"]}, "result": "ORY"}]},
        {"user": "Find me a flight from there to Rome.",
         "expected": [{"name": "search_flights", "arguments": {"origin": ["ORY"], "destination": ["FCO"]}}]},
    ])
    report = await evaluate_calls(FunctionModel(travel_agent), TOOLS, [trip])
    run = report.cases[0].runs[0]
    assert run.passed, run.problems
    assert [t.passed for t in run.turns] == [True, True]
    # The supplied result stood in for the external tool; the last turn's call was scored, not run.
    assert RAN == []
    assert run.usage.requests == 2 and report.cases[0].input_tokens > 0


async def test_a_chain_runs_read_tools_and_refuses_writes_without_a_result() -> None:
    RAN.clear()
    chain = case(id="chain", order="strict", prompt="Find a flight from Paris to Rome (look up the code first).",
                 expected=[{"name": "airport_code", "arguments": {"city": ["Paris"]}, "result": "CDG"},
                           {"name": "search_flights", "arguments": {"origin": ["CDG"], "destination": ["FCO"]}}])
    wrong_turn = case(id="wrong", order="strict", turns=[
        {"user": "email Ann", "expected": [{"name": "send_email", "arguments": {"to": ["ann@example.com"], "body": ["hi"]}}]},
        {"user": "and the weather?", "expected": [{"name": "get_weather", "arguments": {"city": ["Paris"]}}]},
    ])
    report = await evaluate_calls(FunctionModel(travel_agent), TOOLS, [chain, wrong_turn])
    by_id = {c.id: c.runs[0] for c in report.cases}
    assert by_id["chain"].passed, by_id["chain"].problems
    assert RAN == []  # airport_code came from the case, search_flights was the last call: scored, not run
    wrong = by_id["wrong"]
    # Turn 1 passed; its write was not run (no result given), and the model was told so.
    assert wrong.turns[0].passed and not wrong.passed and "send_email" not in RAN
    assert wrong.problems and wrong.problems[0].startswith("turn 2:")


async def test_follow_route_forces_the_routers_chain() -> None:
    RAN.clear()
    router = Router.build(list(TOOLS), encoder=None)
    forced: list[str] = []

    def small_model(messages: list[Message], request: ModelRequest) -> AssistantMessage | str:
        forced.append(str(request.tool_choice))
        if request.tool_choice == "airport_code":
            return AssistantMessage(tool_calls=[call("airport_code", {"city": "Paris"})])
        if request.tool_choice == "search_flights":
            code = last_tool(messages)
            return AssistantMessage(tool_calls=[call("search_flights", {"origin": code.content if code else "?", "destination": "FCO"})])
        return AssistantMessage(tool_calls=[call("get_weather", {"city": "Paris"})])  # what it does unforced

    chain = case(id="chain", order="strict", prompt="look up the airport code of Paris and then search flights to Rome",
                 expected=[{"name": "airport_code", "arguments": {"city": ["Paris"]}, "result": "CDG"},
                           {"name": "search_flights", "arguments": {"origin": ["CDG"], "destination": ["FCO"]}}])
    plain = await evaluate_calls(FunctionModel(small_model), TOOLS, [chain], router=router)
    # Unforced it calls the wrong tool; fewer calls than expected, so the loop goes on (the read tool runs).
    assert not plain.cases[0].pass_all and forced == ["auto", "auto"] and RAN == ["get_weather"]
    forced.clear()
    RAN.clear()
    report = await evaluate_calls(FunctionModel(small_model), TOOLS, [chain], router=router,
                                  tool_choice="required", follow_route=True)
    assert report.cases[0].pass_all, report.cases[0].runs[0].problems
    assert forced == ["airport_code", "search_flights"] and RAN == []
    assert report.settings["follow_route"] is True


async def test_concurrency_overlaps_runs_and_keeps_their_results_apart() -> None:
    state = {"now": 0, "peak": 0}

    async def slow(messages: list[Message], request: ModelRequest) -> AssistantMessage | str:
        state["now"] += 1
        state["peak"] = max(state["peak"], state["now"])
        await asyncio.sleep(0.02)
        state["now"] -= 1
        result = last_tool(messages)
        if result is not None:  # echo what this case's own result was
            return AssistantMessage(tool_calls=[call("search_flights", {"origin": result.content, "destination": "FCO"})])
        city = (messages[-1].content or "").split()[-1]
        return AssistantMessage(tool_calls=[call("airport_code", {"city": city})])

    cases = [
        case(id=f"c{i}", order="strict", prompt=f"flights from {city}",
             expected=[{"name": "airport_code", "arguments": {"city": [city]}, "result": code},
                       {"name": "search_flights", "arguments": {"origin": [code], "destination": ["FCO"]}}])
        for i, (city, code) in enumerate([("Paris", "CDG"), ("Berlin", "BER"), ("Madrid", "MAD"), ("Oslo", "OSL")])
    ]
    report = await evaluate_calls(FunctionModel(slow), TOOLS, cases, k=2, concurrency=4)
    assert report.metrics["pass^2"] == 1.0 and state["peak"] > 1
    state["peak"] = 0
    await evaluate_calls(FunctionModel(slow), TOOLS, cases[:2], concurrency=1)
    assert state["peak"] == 1


async def test_drafts_are_skipped_and_counted_and_model_errors_reported() -> None:
    def down(messages: list[Message], request: ModelRequest) -> str:
        raise ModelUnavailableError("server down")

    cases = [case(id="d", prompt="x", expected=[], draft=True), case(id="w", prompt="weather", expected=[])]
    report = await evaluate_calls(FunctionModel(down), TOOLS, cases)
    assert [c.id for c in report.cases] == ["w"] and report.metrics["skipped_drafts"] == 1
    run = report.cases[0].runs[0]
    assert not run.passed and "server down" in run.problems[0]
    assert len((await evaluate_calls(FunctionModel(down), TOOLS, cases, include_drafts=True)).cases) == 2


def test_bad_case_shapes_are_reported(tmp_path: Path) -> None:
    from agentfn.evals import load_cases

    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps(c) for c in [
        {"id": "both", "prompt": "x", "expected": [], "turns": [{"user": "y", "expected": []}]},
        {"id": "empty-turn", "turns": [{"expected": []}]},
        {"id": "no-expected", "prompt": "x"},
    ]))
    cases, errors = load_cases(path)
    assert cases == [] and len(errors) == 3
    assert "'turns'" in errors[0] and "every turn" in errors[1] and "expected" in errors[2]


def test_cli_router_follow_route_and_concurrency(tmp_path: Path) -> None:
    module = tmp_path / "trip_tools.py"
    module.write_text(
        "from agentfn import tool\n\n"
        "@tool\ndef airport_code(city: str) -> str:\n    \"\"\"IATA code of the main airport of a city.\"\"\"\n    return 'CDG'\n\n"
        "@tool\ndef search_flights(origin: str, destination: str) -> str:\n"
        "    \"\"\"Search flights between two airports given as IATA codes.\"\"\"\n    return 'none'\n"
    )
    cases = tmp_path / "cases.jsonl"
    cases.write_text(json.dumps({
        "id": "chain", "order": "strict", "prompt": "look up the airport code of Paris and then search flights to Rome",
        "expected": [{"name": "airport_code", "arguments": {"city": ["a"]}},
                     {"name": "search_flights", "arguments": {"origin": ["a"], "destination": ["a"]}}]}) + "\n")
    from agentfn.toolset import Toolset

    saved = tmp_path / "router"
    Router.build(list(Toolset.load(str(module))), encoder=None).save(saved)
    app = typer.Typer()
    eval_app = typer.Typer()
    register_eval(eval_app)
    app.add_typer(eval_app, name="eval")
    runner = CliRunner()
    base = ["eval", "calls", "--cases", str(cases), "--tools", str(module),
            "--model", "function:tests.evals.test_calls_agent:follower"]
    # Unforced, this model calls nothing; forced along the router's chain it calls one tool per step.
    result = runner.invoke(app, [*base, "--router", str(saved), "--json"])
    assert result.exit_code == 0 and json.loads(result.output)["metrics"]["pass@1"] == 0.0
    result = runner.invoke(app, [*base, "--router", str(saved), "--follow-route", "--concurrency", "2", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["metrics"]["pass@1"] == 1.0 and report["settings"]["tool_choice"] == "required"
    assert report["cases"][0]["input_tokens"] > 0
    assert runner.invoke(app, [*base, "--follow-route"]).exit_code == 2  # needs --router
    assert runner.invoke(app, [*base, "--router", str(saved), "--follow-route", "--tool-choice", "auto"]).exit_code == 2
    assert runner.invoke(app, [*base, "--router", str(tmp_path)]).exit_code == 2  # not a saved router
    result = runner.invoke(app, [*base, "--router", str(saved), "--follow-route"])
    assert result.exit_code == 0 and "latency s" in result.output and "follow_route" in result.output
