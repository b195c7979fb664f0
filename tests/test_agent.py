"""The agent loop, driven by scripted models (no mocks of our own code)."""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import BaseModel

from agentfn import (
    Agent,
    ApprovalRequest,
    AssistantMessage,
    FunctionModel,
    LoopGuards,
    ModelRequest,
    ModelUnavailableError,
    RunContext,
    TestModel,
    ToolArgumentError,
    ToolRetry,
    tool,
)
from agentfn.backends.base import Model, ModelResponse
from agentfn.backends.function import call
from agentfn.events import (
    ModelResponseEvent,
    RunEnd,
    RunStart,
    StepEnd,
    TextDeltaEvent,
    ToolCallEvent,
    ToolResultEvent,
)
from agentfn.messages import Message, ToolMessage, UserMessage, dump_messages, load_messages


@tool
def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: first.
        b: second.
    """
    return a + b


@dataclass
class Deps:
    greeting: str


def tool_messages(messages: list[Message]) -> list[ToolMessage]:
    return [m for m in messages if isinstance(m, ToolMessage)]


def script(*replies: AssistantMessage | str) -> FunctionModel:
    """A model that plays ``replies`` in order, one per step."""
    queue = list(replies)

    def reply(messages: list[Message], request: ModelRequest) -> AssistantMessage | str:
        return queue.pop(0)

    return FunctionModel(reply)


async def test_two_step_run_answers_with_tool_result() -> None:
    agent = Agent(script(AssistantMessage(tool_calls=[call("add", {"a": 2, "b": 3})]), "5"), [add])
    result = await agent.run("what is 2+3?")
    assert result.outcome == "answered" and result.output == "5"
    assert [m.content for m in tool_messages(result.messages)] == ["5"]
    assert result.usage.requests == 2 and result.usage.tool_calls == 1
    assert result.steps == 2


async def test_parallel_calls_run_concurrently_and_keep_call_order() -> None:
    first_started = asyncio.Event()

    @tool
    async def waits_for_other() -> str:
        # Deadlocks (and times out) unless the other call runs at the same time.
        await asyncio.wait_for(first_started.wait(), 5)
        return "second"

    @tool
    async def signals() -> str:
        first_started.set()
        await asyncio.sleep(0)
        return "first"

    model = script(AssistantMessage(tool_calls=[call("waits_for_other"), call("signals")]), "done")
    result = await Agent(model, [waits_for_other, signals]).run("go")
    assert [m.content for m in tool_messages(result.messages)] == ["second", "first"]
    assert result.outcome == "answered"


async def test_sync_tools_run_in_threads_in_parallel() -> None:
    barrier = threading.Barrier(2, timeout=5)

    @tool
    def left() -> str:
        barrier.wait()
        return "L"

    @tool
    def right() -> str:
        barrier.wait()
        return "R"

    model = script(AssistantMessage(tool_calls=[call("left"), call("right")]), "ok")
    result = await Agent(model, [left, right]).run("go")
    assert [m.content for m in tool_messages(result.messages)] == ["L", "R"]


async def test_non_blocking_sync_tool_runs_inline_on_the_loop_thread() -> None:
    seen: dict[str, int] = {}

    @tool(blocking=False)
    def pure(x: int) -> int:
        seen["pure"] = threading.get_ident()
        return x * 2

    @tool
    def blocking(x: int) -> int:
        seen["blocking"] = threading.get_ident()
        return x + 1

    assert pure.runs_inline and not blocking.runs_inline
    model = script(AssistantMessage(tool_calls=[call("pure", {"x": 4}), call("blocking", {"x": 4})]), "ok")
    result = await Agent(model, [pure, blocking]).run("go")
    assert [m.content for m in tool_messages(result.messages)] == ["8", "5"]
    assert seen["pure"] == threading.get_ident()
    assert seen["blocking"] != threading.get_ident()


def test_pure_built_in_tools_are_declared_non_blocking() -> None:
    from agentfn.library.calculator import calculate
    from agentfn.library.datetime_tools import date_add
    from agentfn.library.units import convert_units

    assert calculate.runs_inline and convert_units.runs_inline and date_add.runs_inline


async def test_wrong_argument_is_reported_and_repaired_on_retry() -> None:
    model = script(
        AssistantMessage(tool_calls=[call("add", {"a": 1, "b": "two"})]),
        AssistantMessage(tool_calls=[call("add", {"a": 1, "b": 2})]),
        "3",
    )
    result = await Agent(model, [add]).run("1+2")
    first, second = tool_messages(result.messages)
    assert first.is_error and "b:" in first.content and "Fix the arguments" in first.content
    assert not second.is_error and second.content == "3"
    assert result.output == "3"
    # The model saw its mistake: the second request holds the error message.
    assert any(isinstance(m, ToolMessage) and m.is_error for m in model.requests[1].messages)


async def test_malformed_json_arguments_are_reported_not_raised() -> None:
    model = script(AssistantMessage(tool_calls=[call("add", '{"a": 1, "b": ')]), "gave up")
    result = await Agent(model, [add]).run("x")
    (msg,) = tool_messages(result.messages)
    assert msg.is_error and "not valid JSON" in msg.content
    assert result.outcome == "answered"


async def test_hanging_async_tool_is_cancelled_and_reported() -> None:
    cancelled = asyncio.Event()

    @tool(timeout=0.05)
    async def hangs() -> str:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return "never"

    result = await Agent(script(AssistantMessage(tool_calls=[call("hangs")]), "sorry"), [hangs]).run("x")
    (msg,) = tool_messages(result.messages)
    assert msg.is_error and "did not finish within 0.05 s" in msg.content
    assert cancelled.is_set()


async def test_hanging_sync_tool_times_out_without_blocking_the_loop() -> None:
    release = threading.Event()

    @tool
    def blocks() -> str:
        release.wait(10)
        return "late"

    agent = Agent(script(AssistantMessage(tool_calls=[call("blocks")]), "moved on"), [blocks], tool_timeout=0.05)
    result = await agent.run("x")
    release.set()
    assert tool_messages(result.messages)[0].content.startswith("Tool 'blocks' did not finish")
    assert result.output == "moved on"


async def test_raising_tool_returns_error_to_model_and_run_continues() -> None:
    @tool
    def explode(x: int) -> int:
        raise RuntimeError(f"disk on fire {x}")

    result = await Agent(script(AssistantMessage(tool_calls=[call("explode", {"x": 1})]), "handled"), [explode]).run("x")
    (msg,) = tool_messages(result.messages)
    assert msg.is_error and "RuntimeError: disk on fire 1" in msg.content
    assert result.output == "handled"


async def test_tool_retry_goes_back_to_the_model() -> None:
    @tool
    def lookup(user_id: int) -> str:
        if user_id < 1000:
            raise ToolRetry("ids are 4 digits")
        return "Ann"

    model = script(
        AssistantMessage(tool_calls=[call("lookup", {"user_id": 7})]),
        AssistantMessage(tool_calls=[call("lookup", {"user_id": 1007})]),
        "Ann it is",
    )
    result = await Agent(model, [lookup]).run("who")
    retry, ok = tool_messages(result.messages)
    assert retry.is_error and "ids are 4 digits" in retry.content
    assert ok.content == "Ann"


async def test_retries_exhausted_end_the_run_with_a_reason() -> None:
    bad = AssistantMessage(tool_calls=[call("add", {"a": "x", "b": 1})])

    def reply(messages: list[Message], request: ModelRequest) -> AssistantMessage:
        return bad.model_copy(deep=True)

    guards = LoopGuards(None, None, stop_repeated_failures=False)
    result = await Agent(FunctionModel(reply), [add], retries=1, guards=guards).run("x")
    assert result.outcome == "error" and "'add' failed 2 times" in (result.reason or "")
    assert not result.ok


async def test_a_failed_call_repeated_word_for_word_ends_the_run_without_a_third_try() -> None:
    calls: list[str] = []

    def reply(messages: list[Message], request: ModelRequest) -> AssistantMessage:
        calls.append("add")
        return AssistantMessage(tool_calls=[call("add", {"a": "x", "b": 1})])

    result = await Agent(FunctionModel(reply), [add], retries=2).run("x")
    assert result.outcome == "error" and "repeated a failed call word for word" in (result.reason or "")
    assert calls == ["add", "add"]  # retries allowed a third call: repeating the same failure is pointless
    assert isinstance(result.error, ToolArgumentError)


async def test_a_failed_call_retried_with_other_arguments_keeps_its_retries() -> None:
    n = {"i": 0}

    def reply(messages: list[Message], request: ModelRequest) -> AssistantMessage:
        n["i"] += 1
        if n["i"] == 1:
            return AssistantMessage(tool_calls=[call("add", {"a": "x", "b": 1})])
        if n["i"] == 2:
            return AssistantMessage(tool_calls=[call("add", {"a": "y", "b": 1})])
        if n["i"] == 3:
            return AssistantMessage(tool_calls=[call("add", {"a": 2, "b": 1})])
        return AssistantMessage(content="3")

    result = await Agent(FunctionModel(reply), [add], retries=2).run("x")
    assert result.ok and result.output == "3"


async def test_unknown_tool_lists_available_tools() -> None:
    result = await Agent(script(AssistantMessage(tool_calls=[call("mul", {})]), "ok"), [add]).run("x")
    (msg,) = tool_messages(result.messages)
    assert "Unknown tool 'mul'" in msg.content and "add" in msg.content


async def test_step_limit_ends_run_with_typed_outcome() -> None:
    n = {"i": 0}

    def reply(messages: list[Message], request: ModelRequest) -> AssistantMessage:
        n["i"] += 1
        return AssistantMessage(tool_calls=[call("add", {"a": n["i"], "b": 0})])

    result = await Agent(FunctionModel(reply), [add], max_steps=3).run("loop")
    assert (result.outcome, result.reason, result.steps) == ("limit", "max_steps", 3)
    assert result.output is None
    with pytest.raises(Exception, match="max_steps"):
        result.raise_for_outcome()


async def test_tool_call_and_token_limits() -> None:
    def reply(messages: list[Message], request: ModelRequest) -> AssistantMessage:
        k = len(messages)
        return AssistantMessage(tool_calls=[call("add", {"a": k, "b": i}) for i in range(3)])

    result = await Agent(FunctionModel(reply), [add], max_tool_calls=5).run("x")
    assert (result.outcome, result.reason) == ("limit", "max_tool_calls")
    result = await Agent(FunctionModel(reply), [add], max_tokens=10).run("x" * 100)
    assert (result.outcome, result.reason) == ("limit", "max_tokens")


async def test_huge_tool_output_is_truncated_with_marker() -> None:
    @tool
    def dump() -> str:
        return "x" * 50_000

    result = await Agent(script(AssistantMessage(tool_calls=[call("dump")]), "ok"), [dump], max_result_chars=100).run("x")
    (msg,) = tool_messages(result.messages)
    assert msg.content.startswith("x" * 100) and "[... truncated 49900 characters of 50000]" in msg.content


async def test_non_serialisable_output_is_rendered_not_raised() -> None:
    class Opaque:
        def __repr__(self) -> str:
            return "<Opaque>"

    @tool
    def weird() -> Any:
        return {"thing": Opaque()}

    result = await Agent(script(AssistantMessage(tool_calls=[call("weird")]), "ok"), [weird]).run("x")
    assert tool_messages(result.messages)[0].content == '{"thing":"<Opaque>"}'


async def test_approval_denied_is_reported_and_tool_not_run() -> None:
    ran: list[int] = []
    asked: list[ApprovalRequest] = []

    @tool(requires_approval=True, side_effects="write")
    def delete(item: int) -> str:
        ran.append(item)
        return "deleted"

    def approver(request: ApprovalRequest) -> bool:
        asked.append(request)
        return request.arguments == {"item": 1}

    model = script(AssistantMessage(tool_calls=[call("delete", {"item": 2}), call("delete", {"item": 1})]), "done")
    result = await Agent(model, [delete], approver=approver).run("x")
    denied, ok = tool_messages(result.messages)
    assert denied.is_error and "denied" in denied.content and ok.content == "deleted"
    assert ran == [1]
    assert [a.arguments for a in asked] == [{"item": 2}, {"item": 1}] and asked[0].side_effects == "write"


async def test_requires_approval_without_approver_never_runs() -> None:
    @tool(requires_approval=True)
    def launch() -> str:
        raise AssertionError("must not run")

    result = await Agent(script(AssistantMessage(tool_calls=[call("launch")]), "ok"), [launch]).run("x")
    assert "no approver is configured" in tool_messages(result.messages)[0].content


async def test_run_context_carries_deps_and_is_hidden_from_schema() -> None:
    @tool
    def greet(ctx: RunContext[Deps], name: str) -> str:
        assert ctx.tool_name == "greet" and ctx.tool_call_id
        return f"{ctx.deps.greeting}, {name}"

    assert list(greet.parameters["properties"]) == ["name"]
    model = script(AssistantMessage(tool_calls=[call("greet", {"name": "Ann"})]), "done")
    result = await Agent(model, [greet], deps_type=Deps).run("hi", deps=Deps("Hello"))
    assert tool_messages(result.messages)[0].content == "Hello, Ann"


async def test_history_round_trips_through_json_and_continues() -> None:
    agent = Agent(script(AssistantMessage(tool_calls=[call("add", {"a": 1, "b": 1})]), "2", "4"), [add],
                  system_prompt="be brief")
    first = await agent.run("1+1")
    restored = load_messages(dump_messages(first.messages))
    assert restored == first.messages
    second = await agent.run("and doubled?", message_history=restored)
    assert second.output == "4"
    assert sum(1 for m in second.messages if m.role == "system") == 1
    assert [m.role for m in second.new_messages] == ["user", "assistant"]


async def test_output_type_via_final_result_tool_and_text() -> None:
    class Answer(BaseModel):
        value: int
        unit: str

    result = await Agent(TestModel(), [add], output_type=Answer).run("x")
    assert isinstance(result.output, Answer)
    text_model = script("not json", '{"value": 3, "unit": "m"}')
    result = await Agent(text_model, [], output_type=Answer).run("x")
    assert result.output == Answer(value=3, unit="m")
    assert any(isinstance(m, UserMessage) and "JSON matching" in m.content for m in result.messages)


async def test_parallel_tool_calls_false_keeps_only_the_first() -> None:
    model = script(AssistantMessage(tool_calls=[call("add", {"a": 1, "b": 1}), call("add", {"a": 2, "b": 2})]), "ok")
    result = await Agent(model, [add], parallel_tool_calls=False).run("x")
    assert [m.content for m in tool_messages(result.messages)] == ["2"]


async def test_repeated_identical_calls_trip_the_guard() -> None:
    def reply(messages: list[Message], request: ModelRequest) -> AssistantMessage:
        return AssistantMessage(tool_calls=[call("add", {"a": 1, "b": 1})])

    result = await Agent(FunctionModel(reply), [add], max_steps=50).run("x")
    assert result.outcome == "guard" and (result.reason or "").startswith("repeated_call")
    assert result.steps == 4


async def test_model_unavailable_ends_run_with_error_outcome() -> None:
    class Down(Model):
        name = "down"

        async def request(self, request: ModelRequest) -> ModelResponse:
            raise ModelUnavailableError("connection refused", attempts=3)

    result = await Agent(Down(), [add]).run("x")
    assert result.outcome == "error" and "connection refused" in (result.reason or "")
    assert isinstance(result.error, ModelUnavailableError)
    with pytest.raises(ModelUnavailableError):
        result.raise_for_outcome()


async def test_events_stream_in_order_with_text_deltas() -> None:
    model = script(AssistantMessage(tool_calls=[call("add", {"a": 1, "b": 2})]), "the answer is 3")
    run = Agent(model, [add]).iter("x", stream=True)
    events = [e async for e in run]
    kinds = [type(e) for e in events]
    assert kinds[0] is RunStart and kinds[-1] is RunEnd
    assert kinds.index(ToolCallEvent) < kinds.index(ToolResultEvent) < kinds.index(StepEnd)
    text = "".join(e.text for e in events if isinstance(e, TextDeltaEvent))
    assert text == "the answer is 3"
    assert sum(isinstance(e, ModelResponseEvent) for e in events) == 2
    assert run.result.output == "the answer is 3"
    end = events[-1]
    assert isinstance(end, RunEnd) and end.outcome == "answered"
    json.loads(end.model_dump_json())


async def test_event_handler_failure_never_breaks_a_run() -> None:
    seen: list[str] = []

    class Flaky:
        def handle(self, event: Any) -> None:
            seen.append(event.kind)
            raise RuntimeError("store down")

    result = await Agent(TestModel(), [add], handlers=[Flaky()]).run("x")
    assert result.ok and seen[0] == "run_start" and seen[-1] == "run_end"


def test_run_sync_and_test_model_call_every_tool() -> None:
    @tool
    def shout(text: str, times: int = 1) -> str:
        return text.upper() * times

    result = Agent(TestModel(), [add, shout]).run_sync("go")
    assert json.loads(result.output or "{}") == {"add": "0", "shout": "A"}


async def test_many_concurrent_runs_share_one_agent() -> None:
    agent = Agent(TestModel(), [add])
    results = await asyncio.gather(*(agent.run(f"q{i}") for i in range(200)))
    assert all(r.ok for r in results)
    assert len({r.run_id for r in results}) == 200


async def test_required_tool_choice_forces_only_the_first_step() -> None:
    model = script(AssistantMessage(tool_calls=[call("add", {"a": 1, "b": 1})]), "2")
    result = await Agent(model, [add], tool_choice="required").run("x")
    assert [r.tool_choice for r in model.requests] == ["required", "auto"]
    assert result.output == "2"
    none_model = script("no tools")
    await Agent(none_model, [add], tool_choice="none").run("x")
    assert none_model.requests[0].tool_choice == "none"


async def test_run_metadata_is_recorded_on_run_start() -> None:
    run = Agent(TestModel(), [add]).iter("x", metadata={"request_id": "r-1"})
    events = [e async for e in run]
    assert isinstance(events[0], RunStart) and events[0].metadata == {"request_id": "r-1"}


async def test_output_type_that_is_not_a_class() -> None:
    result = await Agent(script("[1, 2, 3]"), [], output_type=list[int]).run("x")
    assert result.output == [1, 2, 3]


async def test_with_tools_narrows_a_copy_and_leaves_the_agent_alone() -> None:
    @tool
    def first() -> str:
        return "1"

    @tool
    def second() -> str:
        return "2"

    model = script(AssistantMessage(tool_calls=[call("second")]), "done")
    agent = Agent(model, [first, second], pinned_tools=["first", "second"])
    narrowed = agent.with_tools({"first"})
    assert narrowed.toolset.names() == ["first"] and narrowed.pinned_tools == ["first"]
    assert agent.toolset.names() == ["first", "second"] and agent.pinned_tools == ["first", "second"]
    result = await narrowed.run("go")
    (message,) = tool_messages(result.messages)
    assert message.is_error and "Unknown tool 'second'" in message.content
