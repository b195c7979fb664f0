"""DurableAgent in-process: same results as a plain run, one DBOS step per model call and tool call."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from agentfn import Agent, AssistantMessage, FunctionModel, ModelRequest, tool
from agentfn.backends.function import call
from agentfn.durable import DurableAgent, DurableRuntime, durable_store_url
from agentfn.exceptions import DurableRunError, ModelUnavailableError, UserError
from agentfn.messages import Message


@tool
def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


@tool
def mul(a: int, b: int) -> int:
    """Multiply two numbers."""
    return a * b


class Answer(BaseModel):
    total: int


def parallel_then_answer(messages: list[Message], request: ModelRequest) -> AssistantMessage | str:
    results = [m for m in messages if m.role == "tool"]
    if not results:
        return AssistantMessage(tool_calls=[call("add", {"a": 2, "b": 3}), call("mul", {"a": 4, "b": 5})])
    return AssistantMessage(tool_calls=[call("final_result", {"total": sum(int(r.content) for r in results)})])


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[DurableRuntime]:
    rt = DurableRuntime(tmp_path / "traces.db")
    try:
        yield rt
    finally:
        rt.close()


def test_store_url_sits_beside_the_trace_store(tmp_path: Path) -> None:
    assert durable_store_url(tmp_path / "t.db") == f"sqlite:///{tmp_path / 't.durable.db'}"
    assert durable_store_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    for memory in (":memory:", "sqlite://"):
        with pytest.raises(UserError, match="in-memory"):
            durable_store_url(memory)


async def test_durable_run_matches_a_plain_run(runtime: DurableRuntime) -> None:
    agent: Agent[Any, Answer] = Agent(FunctionModel(parallel_then_answer), [add, mul], output_type=Answer)
    plain = await agent.run("sum them")
    durable = DurableAgent(agent, runtime=runtime)
    result = await durable.run("sum them", run_id="run-parallel")
    assert result.ok and result.output == plain.output == Answer(total=25)
    def shape(messages: list[Message]) -> list[tuple[str, Any]]:  # call ids are random
        return [(m.role, getattr(m, "name", None), m.content) for m in messages]

    assert shape(result.messages) == shape(plain.messages)
    assert result.usage.tool_calls == plain.usage.tool_calls and result.steps == plain.steps
    steps = await asyncio.to_thread(runtime.client().list_workflow_steps, "run-parallel")
    # Parallel calls drew their step ids in call order; the final answer is validated, not a step.
    assert [s["function_name"] for s in steps] == ["model", "tool:add", "tool:mul", "model"]


async def test_streamed_durable_run_delivers_text_deltas(runtime: DurableRuntime) -> None:
    agent = Agent(FunctionModel(lambda messages, request: "Hello there, durable world."), [])
    run = DurableAgent(agent, runtime=runtime).iter("hi", stream=True)
    kinds = [event.kind async for event in run]
    assert "text_delta" in kinds and kinds[0] == "run_start" and kinds[-1] == "run_end"
    assert run.result.output == "Hello there, durable world."


async def test_model_errors_are_recorded_as_the_run_error(runtime: DurableRuntime) -> None:
    def down(messages: list[Message], request: ModelRequest) -> str:
        raise ModelUnavailableError("server down", status_code=503)

    result = await DurableAgent(Agent(FunctionModel(down), [add]), runtime=runtime).run("hi")
    assert result.outcome == "error"
    assert isinstance(result.error, ModelUnavailableError) and "server down" in str(result.error)


async def test_finished_runs_resume_to_their_recorded_result(runtime: DurableRuntime) -> None:
    durable = DurableAgent(Agent(FunctionModel(parallel_then_answer), [add, mul], output_type=Answer),
                           runtime=runtime)
    first = await durable.run("sum them", run_id="done-1")
    again = durable.resume("done-1")
    assert [e async for e in again] == []
    assert again.result.output == first.output == Answer(total=25)
    missing = durable.resume("no-such-run")
    with pytest.raises(DurableRunError, match="no durable run"):
        async for _ in missing:
            pass


def test_agents_register_before_launch(runtime: DurableRuntime) -> None:
    DurableAgent(Agent(FunctionModel(parallel_then_answer), [add]), runtime=runtime, name="one")
    with pytest.raises(DurableRunError, match="two durable agents"):
        DurableAgent(Agent(FunctionModel(parallel_then_answer), [mul]), runtime=runtime, name="one")
    asyncio.run(runtime.launch())
    with pytest.raises(DurableRunError, match="before its runtime launches"):
        DurableAgent(Agent(FunctionModel(parallel_then_answer), [mul]), runtime=runtime, name="two")


async def test_a_model_planner_call_is_a_recorded_step(runtime: DurableRuntime) -> None:
    from agentfn.router import Router
    from agentfn.router.planner import ModelPlanner

    asked: list[int] = []

    def planner_reply(messages: list[Message], request: ModelRequest) -> str:
        asked.append(1)
        return '{"tools": ["add"]}'

    def reply(messages: list[Message], request: ModelRequest) -> AssistantMessage | str:
        if not any(m.role == "tool" for m in messages):
            return AssistantMessage(tool_calls=[call("add", {"a": 1, "b": 2})])
        return "3"

    router = Router.build([add, mul], encoder=None)
    agent = Agent(FunctionModel(reply), [add, mul], router=router, planner=ModelPlanner(FunctionModel(planner_reply)))
    result = await DurableAgent(agent, runtime=runtime).run("add one and two", run_id="planned")
    assert result.output == "3" and asked
    steps = await asyncio.to_thread(runtime.client().list_workflow_steps, "planned")
    assert [s["function_name"] for s in steps][:3] == ["planner", "model", "tool:add"]
