"""Composition: type-checked pipelines and plans (validated first, parallel, failures contained)."""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
from typing import Any, Literal

import pytest
from pydantic import BaseModel

import agentfn
from agentfn import Agent, FunctionModel, ModelRequest, RunContext, Tool, Toolset, tool
from agentfn.backends.function import call
from agentfn.compose import (
    Pipeline,
    PlanValidationError,
    compose,
    execute_plan,
    plan_from_chain,
    plan_tool,
    validate_plan,
)
from agentfn.exceptions import ToolDefinitionError, ToolRetry
from agentfn.messages import AssistantMessage, Message


class Coords(BaseModel):
    lat: float
    lon: float


class Place(BaseModel):
    name: str
    location: Coords
    country: str | None = None


class Forecast(BaseModel):
    summary: str
    temperature_c: float


CALLS: list[str] = []


@tool
def geocode(city: str) -> Place:
    """Find a city's coordinates."""
    CALLS.append(f"geocode {city}")
    if city == "Atlantis":
        raise ValueError("no such city")
    return Place(name=city, location=Coords(lat=48.85, lon=2.35))


@tool
def weather(coords: Coords, units: Literal["metric", "imperial"] = "metric") -> Forecast:
    """Weather at coordinates."""
    CALLS.append(f"weather {coords.lat}")
    return Forecast(summary=f"sunny at {coords.lat:.2f}", temperature_c=21.5)


@tool
def forecast_at(location: Coords) -> Forecast:
    """Weather at a location."""
    return Forecast(summary=f"rain at {location.lon:.2f}", temperature_c=12)


@tool
def shout(text: str) -> str:
    """Upper-case a text."""
    return text.upper()


@tool
def repeat(text: str, times: int = 2) -> list[str]:
    """Repeat a text."""
    return [text] * times


@tool
def square(n: int) -> int:
    """Square a number."""
    return n * n


@tool
def celsius_to_f(temperature_c: float) -> float:
    """Convert."""
    return temperature_c * 9 / 5 + 32


@tool
def maybe_name(city: str) -> str | None:
    """A name, or nothing."""
    return city or None


TOOLS = Toolset([geocode, weather, forecast_at, shout, repeat, square, celsius_to_f, maybe_name])


@pytest.fixture(autouse=True)
def clear_calls() -> None:
    CALLS.clear()


# -- pipelines -------------------------------------------------------------------------


async def test_pipeline_whole_result_and_field_wiring() -> None:
    pipeline = compose(geocode, forecast_at, name="city_forecast")
    assert isinstance(pipeline, Pipeline) and isinstance(pipeline, Tool)
    assert pipeline.parameters == geocode.parameters
    assert pipeline.return_schema == forecast_at.return_schema
    assert [str(link.mode) for link in pipeline.links] == ["fields"]
    assert await pipeline("Paris") == Forecast(summary="rain at 2.35", temperature_c=12)
    assert await pipeline.call({"city": "Paris"}) == Forecast(summary="rain at 2.35", temperature_c=12)

    chain = compose(geocode, forecast_at, celsius_to_f)
    assert chain.name == "geocode_then_forecast_at_then_celsius_to_f"
    assert await chain(city="Oslo") == pytest.approx(53.6)


async def test_pipeline_single_parameter_and_plain_functions() -> None:
    def exclaim(text: str) -> str:
        return text + "!"

    pipeline = compose(shout, exclaim, repeat)
    assert await pipeline("hi") == ["HI!", "HI!"]
    assert pipeline.return_schema == {"type": "array", "items": {"type": "string"}}


async def test_pipeline_starting_with_an_llm_function() -> None:
    from agentfn.llm_function import llm_function

    @llm_function(prompt="Name a city in {{ country }}.")
    async def pick_city(country: str) -> str:
        """Pick a city."""
        ...

    pipeline = compose(pick_city, geocode)
    assert pipeline.parameters["required"] == ["country"]
    model = FunctionModel(lambda messages, request: '{"result": "Lyon"}')
    with pytest.raises(TypeError, match="takes 1 argument"):
        pipeline("France", "extra")
    ctx = RunContext(deps=None, model=model)
    place = await pipeline.call({"country": "France"}, ctx)
    assert place.name == "Lyon" and CALLS == ["geocode Lyon"]


def test_type_mismatch_is_refused_when_built() -> None:
    with pytest.raises(ToolDefinitionError, match="produces string, expected integer"):
        compose(shout, square)
    with pytest.raises(ToolDefinitionError, match="has no field 'lat'"):
        compose(geocode, weather)  # Place is not Coords, and no field is named 'coords'
    with pytest.raises(ToolDefinitionError, match="null"):
        compose(maybe_name, shout)  # may return None; shout needs a string
    with pytest.raises(ToolDefinitionError, match="at least two"):
        compose(shout)
    with pytest.raises(ToolDefinitionError) as caught:
        compose(shout, square, geocode)
    assert len(caught.value.problems) >= 2  # every broken link is named at once


def test_integer_feeds_number_but_not_the_reverse() -> None:
    compose(square, celsius_to_f)
    with pytest.raises(ToolDefinitionError, match="expected integer"):
        compose(celsius_to_f, square)


async def test_pipeline_in_an_agent_and_policy_metadata() -> None:
    @tool(side_effects="write", requires_approval=True)
    def save(text: str) -> str:
        return f"saved {text}"

    pipeline = compose(shout, save)
    assert pipeline.side_effects == "write" and pipeline.requires_approval and not pipeline.idempotent
    pure = compose(geocode, forecast_at)
    assert pure.side_effects == "none" and pure.idempotent and not pure.requires_approval

    def reply(messages: list[Message], request: ModelRequest) -> AssistantMessage | str:
        if not any(m.role == "tool" for m in messages):
            return AssistantMessage(tool_calls=[call(pure.name, {"city": "Rome"})])
        return messages[-1].content or ""

    result = await Agent(FunctionModel(reply), tools=[pure]).run("forecast for Rome")
    tool_reply = next(m for m in result.messages if m.role == "tool")
    assert json.loads(str(tool_reply.content)) == {"summary": "rain at 2.35", "temperature_c": 12.0}
    # A final text that only echoes the tool output is rendered as a readable answer grounded in it.
    assert "rain at 2.35" in str(result.output) and "{" not in str(result.output)


async def test_pipeline_stage_failure_propagates() -> None:
    pipeline = compose(geocode, forecast_at)
    with pytest.raises(ValueError, match="no such city"):
        await pipeline("Atlantis")


def test_module_level_pipelines_are_collected() -> None:
    assert compose(shout, repeat).function.__module__ == __name__  # type: ignore[union-attr]
    module = type(sys)("composed_tools_module")
    exec("from agentfn.compose import compose\nfrom test_compose import shout, repeat\nboth = compose(shout, repeat)",
         module.__dict__)
    assert Toolset.from_module(module).names() == ["shout_then_repeat"]


def test_agentfn_compose_is_the_module_and_calls_the_function() -> None:
    import importlib

    module = importlib.import_module("agentfn.compose")
    assert agentfn.compose is module and module.compose is compose  # type: ignore[comparison-overlap]
    assert module.execute_plan is execute_plan
    built = agentfn.compose(shout, repeat)
    assert isinstance(built, Pipeline) and built.name == "shout_then_repeat"


# -- plans -----------------------------------------------------------------------------


PLAN = {
    "steps": [
        {"id": "1", "tool": "geocode", "arguments": {"city": "Paris"}},
        {"id": "2", "tool": "weather", "arguments": {"coords": "$1.location", "units": "metric"}},
        {"id": "3", "tool": "shout", "arguments": {"text": "In ${1.name}: ${2.summary} (${2.temperature_c} C)"}},
        {"id": "4", "tool": "repeat", "arguments": {"text": "$$literal", "times": 1}},
    ],
    "output": "$3",
}


async def test_references_are_resolved() -> None:
    result = await execute_plan(PLAN, TOOLS)
    assert result.ok and result.output == "IN PARIS: SUNNY AT 48.85 (21.5 C)"
    assert result.step("2").arguments == {"coords": {"lat": 48.85, "lon": 2.35}, "units": "metric"}
    assert result.step("2").value == {"summary": "sunny at 48.85", "temperature_c": 21.5}
    assert result.step("4").value == ["$literal"]
    assert [s.status for s in result.steps] == ["ok"] * 4


async def test_plan_forms_and_default_output() -> None:
    text = json.dumps({"steps": [{"id": "a", "tool": "square", "arguments": {"n": 7}},
                                 {"id": "b", "tool": "square", "arguments": {"n": "$a"}}]})
    result = await execute_plan(text, TOOLS)
    assert result.output == 2401
    indexed = await execute_plan({"steps": [{"id": "1", "tool": "repeat", "arguments": {"text": "x"}},
                                            {"id": "2", "tool": "shout", "arguments": {"text": "$1.1"}}]}, TOOLS)
    assert indexed.output == "X"


@pytest.mark.parametrize(
    ("steps", "problem"),
    [
        ([{"id": "1", "tool": "square", "arguments": {"n": "seven"}}], "'seven' is not of type 'integer'"),
        ([{"id": "1", "tool": "nope", "arguments": {}}], "unknown tool 'nope'"),
        ([{"id": "1", "tool": "square", "arguments": {}}], "missing required argument 'n'"),
        ([{"id": "1", "tool": "square", "arguments": {"n": 1, "m": 2}}], "unknown argument 'm'"),
        ([{"id": "1", "tool": "shout", "arguments": {"text": "$2"}}, {"id": "2", "tool": "shout", "arguments": {"text": "a"}}],
         "not an earlier step"),
        ([{"id": "1", "tool": "shout", "arguments": {"text": "a"}}, {"id": "1", "tool": "shout", "arguments": {"text": "b"}}],
         "duplicate step id"),
        ([{"id": "1", "tool": "shout", "arguments": {"text": "a"}}, {"id": "2", "tool": "square", "arguments": {"n": "$1"}}],
         "produces string, expected integer"),
        ([{"id": "1", "tool": "geocode", "arguments": {"city": "a"}}, {"id": "2", "tool": "weather", "arguments": {"coords": "$1"}}],
         "has no field 'lat'"),
        ([{"id": "1", "tool": "geocode", "arguments": {"city": "a"}}, {"id": "2", "tool": "weather", "arguments": {"coords": "$1.where"}}],
         "no field 'where'"),
        ([{"id": "1", "tool": "geocode", "arguments": {"city": "a"}}, {"id": "2", "tool": "shout", "arguments": {"text": "$1.country"}}],
         "null"),
        ([{"id": "1", "tool": "repeat", "arguments": {"text": "a"}}, {"id": "2", "tool": "square", "arguments": {"n": "${1}"}}],
         "produces string, expected integer"),
        ([{"id": "bad id", "tool": "shout", "arguments": {}}], "pattern"),
        ([], "at least 1"),
    ],
)
async def test_plans_are_refused_before_anything_runs(steps: list[dict[str, Any]], problem: str) -> None:
    with pytest.raises(PlanValidationError, match=problem):
        await execute_plan({"steps": steps}, TOOLS)
    assert CALLS == []


def test_every_problem_is_listed_and_it_is_a_retry_for_the_model() -> None:
    with pytest.raises(PlanValidationError) as caught:
        validate_plan({"steps": [{"id": "1", "tool": "nope"}, {"id": "2", "tool": "square", "arguments": {"n": "x"}}],
                       "output": "$9"}, TOOLS)
    assert len(caught.value.problems) == 3 and isinstance(caught.value, ToolRetry)
    assert "output: refers to unknown step '9'" in caught.value.message


async def test_independent_steps_run_in_parallel() -> None:
    inside = 0
    peak = 0
    lock = threading.Lock()

    @tool
    def slow(label: str) -> str:
        """Takes a while (sync: runs in a worker thread)."""
        nonlocal inside, peak
        with lock:
            inside += 1
            peak = max(peak, inside)
        time.sleep(0.3)
        with lock:
            inside -= 1
        return label

    @tool
    async def join(parts: list[str]) -> str:
        """Join parts."""
        return "+".join(parts)

    steps = [{"id": str(i), "tool": "slow", "arguments": {"label": f"p{i}"}} for i in range(4)]
    steps.append({"id": "j", "tool": "join", "arguments": {"parts": ["$0", "$1", "$2", "$3"]}})
    result = await execute_plan({"steps": steps}, [slow, join])
    assert result.output == "p0+p1+p2+p3"
    assert peak == 4  # all four independent steps were in flight together


async def test_concurrency_bound() -> None:
    running = 0
    peak = 0

    @tool
    async def tick(n: int) -> int:
        """Tick."""
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.05)
        running -= 1
        return n

    steps = [{"id": str(i), "tool": "tick", "arguments": {"n": i}} for i in range(6)]
    assert (await execute_plan({"steps": steps}, [tick], max_concurrency=2)).ok
    assert peak == 2


async def test_a_failing_branch_is_reported_and_the_others_complete() -> None:
    plan = {
        "steps": [
            {"id": "bad", "tool": "geocode", "arguments": {"city": "Atlantis"}},
            {"id": "good", "tool": "geocode", "arguments": {"city": "Lima"}},
            {"id": "bad_weather", "tool": "weather", "arguments": {"coords": "$bad.location"}},
            {"id": "bad_text", "tool": "shout", "arguments": {"text": "${bad_weather.summary}"}},
            {"id": "good_weather", "tool": "weather", "arguments": {"coords": "$good.location"}},
        ],
        "output": "$good_weather.summary",
    }
    result = await execute_plan(plan, TOOLS)
    status = {s.id: s.status for s in result.steps}
    assert status == {"bad": "error", "good": "ok", "bad_weather": "skipped", "bad_text": "skipped", "good_weather": "ok"}
    assert not result.ok and result.output == "sunny at 48.85"
    assert result.step("bad").error == "ValueError: no such city"
    assert result.step("bad_text").error == "skipped: depends on failed step(s) bad_weather"
    assert "geocode Lima" in CALLS and "weather 48.85" in CALLS


async def test_runtime_failures_timeouts_and_missing_fields() -> None:
    @tool(timeout=0.2)
    async def hang(x: int) -> int:
        """Never ends."""
        await asyncio.sleep(10)
        return x

    @tool
    def free(x: int) -> dict[str, Any]:
        """Free-form result."""
        return {"a": x}

    @tool
    def retry_me(x: int) -> int:
        """Asks for a retry."""
        raise ToolRetry("x must be positive")

    result = await execute_plan({"steps": [
        {"id": "1", "tool": "hang", "arguments": {"x": 1}},
        {"id": "2", "tool": "free", "arguments": {"x": 2}},
        {"id": "3", "tool": "free", "arguments": {"x": "$2.b"}},  # free-form: only known at run time
        {"id": "4", "tool": "retry_me", "arguments": {"x": 1}},
    ]}, [hang, free, retry_me])
    errors = {s.id: s.error for s in result.steps}
    assert errors["1"] == "timed out after 0.2 s" and errors["2"] is None
    assert errors["3"] == "$2.b does not exist in the result of step 2"
    assert errors["4"] == "x must be positive"
    assert result.output is None


async def test_approval_tools_are_refused_inside_plans() -> None:
    @tool(requires_approval=True, side_effects="write")
    def delete(name: str) -> str:
        """Delete."""
        return "deleted"

    result = await execute_plan({"steps": [{"id": "1", "tool": "delete", "arguments": {"name": "x"}}]}, [delete])
    assert result.steps[0].status == "error" and "requires approval" in (result.steps[0].error or "")
    allowed = await execute_plan({"steps": [{"id": "1", "tool": "delete", "arguments": {"name": "x"}}]}, [delete],
                                 allow_approval_tools=True)
    assert allowed.output == "deleted"


async def test_context_reaches_tools_in_plans() -> None:
    @tool
    def who(ctx: RunContext[str], greeting: str) -> str:
        """Uses deps."""
        return f"{greeting} {ctx.deps} ({ctx.tool_name}, {ctx.tool_call_id})"

    result = await execute_plan({"steps": [{"id": "1", "tool": "who", "arguments": {"greeting": "hi"}}]}, [who],
                                RunContext(deps="ann"))
    assert result.output == "hi ann (who, plan-1)"


async def test_the_model_submits_a_plan_through_run_plan() -> None:
    runner = plan_tool(TOOLS)
    assert runner.name == "run_plan" and "geocode" in runner.description and "$1" in runner.description
    assert "ctx" not in json.dumps(runner.parameters)
    bad_then_good = [
        {"steps": [{"id": "1", "tool": "square", "arguments": {"n": "two"}}]},
        {"steps": [{"id": "1", "tool": "square", "arguments": {"n": 2}}, {"id": "2", "tool": "square", "arguments": {"n": "$1"}}]},
    ]

    def reply(messages: list[Message], request: ModelRequest) -> AssistantMessage | str:
        tool_messages = [m for m in messages if m.role == "tool"]
        if len(tool_messages) < 2:
            return AssistantMessage(tool_calls=[call("run_plan", bad_then_good[len(tool_messages)])])
        return tool_messages[-1].content or ""

    result = await Agent(FunctionModel(reply), tools=[*TOOLS, runner]).run("square 2 twice")
    tool_messages = [m for m in result.messages if m.role == "tool"]
    assert tool_messages[0].is_error and "'two' is not of type 'integer'" in tool_messages[0].content
    last_tool = [m for m in result.messages if m.role == "tool"][-1]
    assert json.loads(str(last_tool.content))["output"] == 16
    assert "16" in str(result.output)  # the echoed tool output comes back as a readable answer


def test_plan_skeleton_from_a_router_chain() -> None:
    from agentfn.router import RoutePlan

    plan = plan_from_chain(RoutePlan(selected=["geocode", "forecast_at", "celsius_to_f"]), TOOLS, {"city": "Oslo"})
    assert [s.model_dump() for s in plan.steps] == [
        {"id": "1", "tool": "geocode", "arguments": {"city": "Oslo"}},
        {"id": "2", "tool": "forecast_at", "arguments": {"location": "$1.location"}},
        {"id": "3", "tool": "celsius_to_f", "arguments": {"temperature_c": "$2.temperature_c"}},
    ]
    validate_plan(plan, TOOLS)
    # A link that cannot be wired is left for the model to fill in; validation names it.
    gap = plan_from_chain(["shout", "square"], TOOLS)
    assert gap.steps[1].arguments == {} and gap.steps[0].arguments == {}
    with pytest.raises(PlanValidationError, match="missing required argument 'n'"):
        validate_plan(gap, TOOLS)


async def test_skeleton_runs() -> None:
    result = await execute_plan(plan_from_chain(["geocode", "forecast_at"], TOOLS, {"city": "Oslo"}), TOOLS)
    assert result.output == {"summary": "rain at 2.35", "temperature_c": 12.0}
