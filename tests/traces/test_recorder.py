"""The recorder with a real Agent (scripted models) and with hand-built events."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest

from agentfn.agent import Agent
from agentfn.backends.base import ModelRequest
from agentfn.backends.function import FunctionModel, TestModel, call
from agentfn.exceptions import ToolRetry
from agentfn.messages import AssistantMessage, Message
from agentfn.tool import tool
from agentfn.traces import MultiRecorder, TraceRecorder, TraceStore
from agentfn.traces.testing import ScriptedCall, scripted_run_events


@tool
def get_weather(city: str, unit: str = "C") -> dict[str, object]:
    """Current weather for a city.

    Args:
        city: the city name.
        unit: C or F.
    """
    return {"city": city, "temp": 21, "unit": unit}


@tool
def lookup_user(user_id: int) -> str:
    """Find a user by id.

    Args:
        user_id: ids look like 1000-9999.
    """
    if user_id < 1000:
        raise ToolRetry("ids look like 1000-9999")
    return f"user {user_id}"


@pytest.fixture(params=["thread", "process"])
def writer(request: pytest.FixtureRequest) -> Any:
    """Both recorder writers keep the same promises."""
    return request.param


def _scripted_reply(messages: list[Message], request: ModelRequest) -> AssistantMessage | str:
    tool_replies = [m for m in messages if m.role == "tool"]
    if not tool_replies:
        return AssistantMessage(
            tool_calls=[call("get_weather", {"city": "Paris"}), call("lookup_user", {"user_id": "not a number"})]
        )
    if len(tool_replies) == 2:
        return AssistantMessage(tool_calls=[call("lookup_user", {"user_id": 12})])
    if len(tool_replies) == 3:
        return AssistantMessage(tool_calls=[call("lookup_user", {"user_id": 1234})])
    return "Paris is 21C; the user is 1234."


async def test_agent_run_is_recorded_with_failures_retries_and_order(store: TraceStore, writer: Any) -> None:
    recorder = TraceRecorder(store, writer=writer)
    agent = Agent(FunctionModel(_scripted_reply), tools=[get_weather, lookup_user], name="weather-bot", recorder=recorder)
    result = await agent.run("Weather in Paris, and who is user 1234?")
    assert await recorder.aflush(30)
    recorder.close()
    assert recorder.errors == 0 and recorder.dropped == 0
    run = store.get_run(result.run_id)
    assert run is not None
    assert run.agent_name == "weather-bot" and run.backend == "FunctionModel"
    assert run.outcome == result.outcome == "answered"
    assert run.request == "Weather in Paris, and who is user 1234?"
    assert len(run.steps) == result.steps == 4
    statuses = [(c.name, c.status) for c in run.tool_calls]
    assert statuses == [
        ("get_weather", "ok"),
        ("lookup_user", "invalid_arguments"),
        ("lookup_user", "retry"),
        ("lookup_user", "ok"),
    ]
    assert run.successful_tools() == ["get_weather", "lookup_user"]
    assert [c.status for c in run.retried_calls()] == ["invalid_arguments", "retry"]
    assert run.tool_calls[0].arguments == {"city": "Paris", "unit": "C"}
    assert run.tool_calls[1].raw_arguments == '{"user_id": "not a number"}' and run.tool_calls[1].arguments is None
    assert "1000-9999" in (run.tool_calls[2].content or "")
    assert {t.name for t in run.tools} == {"get_weather", "lookup_user"}
    assert {t.schema_hash for t in run.tools} == {get_weather.schema_hash, lookup_user.schema_hash}
    assert run.usage.requests == 4 and run.usage.tool_calls == 4
    # the stored conversation is the run's conversation
    assert [m.model_dump() for m in run.messages()] == [m.model_dump() for m in result.messages]


async def test_many_concurrent_agent_runs_one_recorder(tmp_path: Path, writer: Any) -> None:
    store = TraceStore.open(tmp_path / "t.db")
    recorder = TraceRecorder(store, writer=writer)
    agent = Agent(TestModel(), tools=[get_weather], recorder=recorder)
    results = await asyncio.gather(*(agent.run(f"weather {i}") for i in range(200)))
    await recorder.aflush()
    recorder.close()
    assert recorder.errors == 0
    assert store.count_runs() == 200
    assert store.count_runs(outcome="answered", tool="get_weather") == 200
    assert {r.run_id for r in results} == {r.id for r in store.list_runs(limit=None)}
    store.close()


async def test_model_error_run_keeps_partial_step(store: TraceStore, writer: Any) -> None:
    from agentfn.exceptions import ModelUnavailableError

    def reply(messages: list[Message], request: ModelRequest) -> AssistantMessage:
        if any(m.role == "tool" for m in messages):
            raise ModelUnavailableError("server down", status_code=503)
        return AssistantMessage(tool_calls=[call("get_weather", {"city": "Oslo"})])

    recorder = TraceRecorder(store, writer=writer)
    result = await Agent(FunctionModel(reply), tools=[get_weather], recorder=recorder).run("Oslo?")
    await recorder.aflush()
    recorder.close()
    run = store.get_run(result.run_id)
    assert run is not None and run.outcome == "error" and "server down" in (run.reason or "")
    assert run.successful_tools() == ["get_weather"]


def test_dead_store_does_not_break_the_run(tmp_path: Path, caplog: pytest.LogCaptureFixture, writer: Any) -> None:
    store = TraceStore.open(tmp_path / "t.db")
    recorder = TraceRecorder(store, retries=1, writer=writer)
    # The database goes away under the recorder: its tables are dropped by another process.
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE steps")
    agent = Agent(TestModel(), tools=[get_weather], recorder=recorder)
    with caplog.at_level(logging.WARNING, logger="agentfn.traces"):
        result = agent.run_sync("weather?")
        assert recorder.flush(30)
    assert result.outcome == "answered"
    assert recorder.errors >= 1 and recorder.dropped >= 1
    assert recorder.last_error is not None
    # the run row could still be written; the step writes were refused and logged
    assert any("trace store refused" in r.message or "trace store write failed" in r.message for r in caplog.records)
    recorder.close()
    store.close()


def test_locked_store_waits_then_writes(tmp_path: Path, writer: Any) -> None:
    store = TraceStore.open(tmp_path / "t.db")
    recorder = TraceRecorder(store, writer=writer)
    blocker = TraceStore.open(tmp_path / "t.db")
    conn = blocker.engine.connect()
    tx = conn.begin()  # BEGIN IMMEDIATE: holds the write lock
    for e in scripted_run_events([[ScriptedCall("a")]], run_id="locked"):
        recorder.handle(e)  # returns at once although the store is locked
    assert not recorder.flush(0.5)
    tx.rollback()
    conn.close()
    assert recorder.flush(30)
    assert recorder.errors == 0 and store.get_run("locked") is not None
    recorder.close()
    blocker.close()
    store.close()


def test_handle_never_raises_and_counts_drops(tmp_path: Path, writer: Any) -> None:
    recorder = TraceRecorder(tmp_path / "t.db", max_queue=1, writer=writer)
    blocker = TraceStore.open(tmp_path / "t.db")
    with blocker.engine.begin():
        events = scripted_run_events([[ScriptedCall("a")]] * 5)
        for e in events:
            recorder.handle(e)
        recorder.handle(None)  # type: ignore[arg-type]  # garbage in: still no exception
    assert recorder.dropped >= 1
    recorder.close()
    recorder.handle(events[0])  # after close: dropped, no exception
    blocker.close()


def test_recorder_opens_default_store_and_owns_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTFN_TRACE_STORE", str(tmp_path / "d.db"))
    with TraceRecorder() as recorder:
        for e in scripted_run_events([[ScriptedCall("a", {"x": 1})]], run_id="d1"):
            recorder.handle(e)
    with TraceStore.open(tmp_path / "d.db") as store:
        run = store.get_run("d1")
        assert run is not None and run.successful_tools() == ["a"]


def test_multi_recorder_isolates_failures(tmp_path: Path) -> None:
    class Broken:
        def handle(self, event: object) -> None:
            raise RuntimeError("broken consumer")

        async def aflush(self) -> None:
            raise RuntimeError("broken")

        def close(self) -> None:
            raise RuntimeError("broken")

    store = TraceStore.open(tmp_path / "t.db")
    recorder = TraceRecorder(store)
    multi = MultiRecorder(Broken(), recorder, None)
    for e in scripted_run_events([[ScriptedCall("a")]], run_id="m1"):
        multi.handle(e)
    asyncio.run(multi.aflush())
    multi.close()
    assert store.get_run("m1") is not None
    store.close()


def test_a_refused_row_costs_only_itself(tmp_path: Path, writer: Any) -> None:
    store = TraceStore.open(tmp_path / "t.db")
    with store.engine.begin() as conn:  # stands in for a value PostgreSQL refuses
        conn.exec_driver_sql(
            "CREATE TRIGGER no_bad BEFORE INSERT ON tool_calls WHEN NEW.name = 'forbidden'"
            " BEGIN SELECT RAISE(ABORT, 'forbidden tool'); END"
        )
    recorder = TraceRecorder(store, retries=0, flush_interval=1.0, writer=writer)  # both runs land in one batch
    for e in scripted_run_events([[ScriptedCall("fine")]], run_id="good") + scripted_run_events(
        [[ScriptedCall("forbidden")]], run_id="bad"
    ):
        recorder.handle(e)
    recorder.close()
    good = store.get_run("good")
    assert good is not None and good.outcome == "answered" and good.successful_tools() == ["fine"]
    bad = store.get_run("bad")
    assert bad is not None and bad.outcome == "answered"  # the run row and other steps survive
    assert [s.step for s in bad.steps] == [1]  # only the step holding the refused call is lost
    assert recorder.errors == 1 and recorder.dropped == 1
    store.close()
