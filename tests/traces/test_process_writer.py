"""What only the writer process has to get right: start-up checks, a dying child, foreign objects."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from pydantic import BaseModel

from agentfn.agent import Agent
from agentfn.backends.function import TestModel
from agentfn.exceptions import ConfigError
from agentfn.tool import tool
from agentfn.traces import TraceRecorder, TraceStore
from agentfn.traces.testing import ScriptedCall, scripted_run_events


@tool
def get_weather(city: str) -> dict[str, object]:
    """Current weather for a city.

    Args:
        city: the city name.
    """
    return {"city": city, "temp": 21}


def _wait(predicate: object, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached")


def test_refuses_what_another_process_cannot_share(tmp_path: Path) -> None:
    with TraceStore.open(":memory:") as memory, pytest.raises(ConfigError, match="in-memory"):
        TraceRecorder(memory, writer="process")
    with TraceStore.open(tmp_path / "t.db") as store:
        with pytest.raises(ConfigError, match="redactor"):
            TraceRecorder(store, writer="process", redact=lambda text: text.replace("x", "*"))
        with pytest.raises(ConfigError, match="unknown trace writer"):
            TraceRecorder(store, writer="fork")  # type: ignore[arg-type]


def test_a_killed_writer_process_hands_over_to_an_in_process_writer(tmp_path: Path) -> None:
    store = TraceStore.open(tmp_path / "t.db")
    recorder = TraceRecorder(store, writer="process")
    for e in scripted_run_events([[ScriptedCall("a")]], run_id="before"):
        recorder.handle(e)
    assert recorder.flush(30)
    pid = recorder.writer_pid
    assert pid is not None and pid != os.getpid()
    os.kill(pid, signal.SIGKILL)
    _wait(lambda: recorder.writer_pid is None)
    for e in scripted_run_events([[ScriptedCall("b")]], run_id="after"):
        recorder.handle(e)  # never raises; written by the thread writer now
    assert recorder.flush(30)
    recorder.close()
    assert store.get_run("before") is not None
    after = store.get_run("after")
    assert after is not None and after.successful_tools() == ["b"]
    store.close()


def test_ctrl_c_does_not_stop_the_writer(tmp_path: Path) -> None:
    # A terminal's Ctrl-C reaches the writer only if sent to it directly; even then it finishes.
    store = TraceStore.open(tmp_path / "t.db")
    recorder = TraceRecorder(store, writer="process")
    assert recorder.flush(30)
    assert recorder.writer_pid is not None
    os.kill(recorder.writer_pid, signal.SIGINT)
    for e in scripted_run_events([[ScriptedCall("a")]], run_id="still"):
        recorder.handle(e)
    assert recorder.flush(30) and recorder.writer_pid is not None
    recorder.close()
    assert store.get_run("still") is not None and recorder.dropped == 0
    store.close()


async def test_objects_the_writer_cannot_import_are_stored_as_json(tmp_path: Path) -> None:
    class Forecast(BaseModel):  # local class: the writer process could not unpickle it
        city: str
        temp: int

    store = TraceStore.open(tmp_path / "t.db")
    recorder = TraceRecorder(store, writer="process")
    agent = Agent(TestModel(), tools=[get_weather], output_type=Forecast, recorder=recorder)
    result = await agent.run("weather in Oslo", metadata={"ticket": Forecast(city="x", temp=1), "n": {1, 2}})
    assert await recorder.aflush(30)
    recorder.close()
    assert recorder.errors == 0 and recorder.dropped == 0
    run = store.get_run(result.run_id)
    assert run is not None and run.outcome == "answered"
    assert run.output == result.output.model_dump()
    assert run.metadata["ticket"] == {"city": "x", "temp": 1}
    store.close()


def test_auto_picks_the_process_writer_where_it_can_run(tmp_path: Path) -> None:
    with TraceStore.open(":memory:") as memory:
        rec = TraceRecorder(memory, writer="auto")
        assert rec.writer == "thread" and rec.writer_pid is None
        rec.close()
    with TraceStore.open(tmp_path / "t.db") as store:
        rec = TraceRecorder(store, writer="auto", redact=lambda text: text)
        assert rec.writer == "thread"
        rec.close()
        rec = TraceRecorder(store, writer="auto")
        assert rec.writer == "process" and rec.writer_pid is not None
        rec.close()
