"""A misbehaving model server, for real: an HTTP server on 127.0.0.1 that goes down, stalls, answers 5xx,
cuts a stream in the middle of a tool call's arguments or sends bodies that are not JSON.

Each test drives ``Agent(OpenAIModel(base_url=...), tools, recorder=TraceRecorder(store))`` against it and
checks the three promises of the fault policy: retries are bounded (the server counts the attempts) and
spaced by backoff, the run ends with a typed outcome instead of raising, and the trace store never holds a
call as done whose arguments did not arrive in full (nor a tool that ran because of one).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from agentfn import Agent, tool
from agentfn.agent import RunResult
from agentfn.backends.openai_compat import OpenAIModel
from agentfn.exceptions import ModelError, ModelUnavailableError
from agentfn.traces import TraceRecorder, TraceStore
from agentfn.traces.records import Run

pytestmark = pytest.mark.stress

MAX_RETRIES = 2
BACKOFF = 0.02  # retries wait 0.02 s, then 0.04 s: fast, but long enough to measure a lower bound


# --- the server ----------------------------------------------------------------------------------

Action = str
"""What the server does with one POST: ``ok``, ``status:<code>``, ``slow``, ``cut`` (chunked stream closed
mid-arguments), ``cut_eof`` (HTTP/1.0-style stream closed mid-arguments without ``[DONE]``), ``bad_json``,
``html`` (an error page sent with status 200) or ``bad_sse`` (a stream line that is not JSON)."""


class ScriptedServer(ThreadingHTTPServer):
    """Plays one action per chat request; the last action repeats once the script is used up."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, script: list[Action]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script = script
        self.actions: list[Action] = []
        self.request_times: list[float] = []
        self.release = threading.Event()  # frees handlers stalled by ``slow``
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def next_action(self) -> Action:
        with self.lock:
            action = self.script[min(len(self.actions), len(self.script) - 1)]
            self.actions.append(action)
            self.request_times.append(time.monotonic())
            return action

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # writes to a client that gave up (timeouts) fail by design


class _Handler(BaseHTTPRequestHandler):
    server: ScriptedServer  # pyright: ignore[reportIncompatibleVariableOverride]
    protocol_version = "HTTP/1.1"  # keep-alive and chunked streams, like uvicorn/vLLM

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, data: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        body: dict[str, Any] = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        action = self.server.next_action()
        if action.startswith("status:"):
            self._send(int(action.split(":")[1]), json.dumps({"error": {"message": "the server is having a bad day"}}).encode())
        elif action == "bad_json":
            self._send(200, b'{"id": "c", "object": "chat.completion", "choices": [{"index": 0, "mess')
        elif action == "html":
            self._send(200, b"<html><body>502 Bad Gateway</body></html>", "text/html")
        elif action == "slow":
            self.server.release.wait(30)
            self._reply(body)
        elif action in ("cut", "cut_eof", "bad_sse"):
            self._broken_stream(action)
        else:
            self._reply(body)

    # -- a well-behaved server: call echo(x="hello"), then answer with its result ----------------

    def _reply(self, body: dict[str, Any]) -> None:
        results = [m for m in body["messages"] if m.get("role") == "tool"]
        if body.get("stream"):
            self._start_stream()
            if results:
                self._event({"role": "assistant", "content": f"done: {results[-1]['content']}"})
            else:
                self._event({"role": "assistant", "tool_calls": [
                    {"index": 0, "id": "call_ok", "type": "function", "function": {"name": "echo", "arguments": ""}}]})
                for piece in ('{"x": ', '"hel', 'lo"}'):
                    self._event({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
            self._event({}, finish_reason="stop" if results else "tool_calls")
            self._chunk(b"data: [DONE]\n\n")
            self._chunk(b"")  # the terminating chunk: the response is complete
            return
        if results:
            message: dict[str, Any] = {"role": "assistant", "content": f"done: {results[-1]['content']}"}
        else:
            message = {"role": "assistant", "content": None, "tool_calls": [
                {"id": "call_ok", "type": "function", "function": {"name": "echo", "arguments": '{"x": "hello"}'}}]}
        completion = {"id": "c", "object": "chat.completion", "created": 0, "model": "fake",
                      "choices": [{"index": 0, "message": message, "finish_reason": "stop" if results else "tool_calls"}],
                      "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}}
        self._send(200, json.dumps(completion).encode())

    # -- streams ----------------------------------------------------------------------------------

    chunked = True

    def _start_stream(self, chunked: bool = True) -> None:
        self.chunked = chunked
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Connection", "close")  # the body ends when the connection does
            self.close_connection = True
        self.end_headers()

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n" if self.chunked else data)
        self.wfile.flush()

    def _event(self, delta: dict[str, Any], finish_reason: str | None = None) -> None:
        chunk = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "fake",
                 "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}
        self._chunk(f"data: {json.dumps(chunk)}\n\n".encode())

    def _broken_stream(self, action: Action) -> None:
        self._start_stream(chunked=action != "cut_eof")
        self._event({"role": "assistant", "tool_calls": [
            {"index": 0, "id": "call_cut", "type": "function", "function": {"name": "echo", "arguments": ""}}]})
        # Only part of the arguments arrives: the tool must not run with "wor" (or at all).
        self._event({"tool_calls": [{"index": 0, "function": {"arguments": '{"x": "wor'}}]})
        if action == "bad_sse":
            self._chunk(b"data: {this is not json\n\n")
            self._chunk(b"")
            return
        # The connection drops: no end of the arguments, no finish_reason, no [DONE], no final chunk.
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)


@contextmanager
def scripted_server(*script: Action) -> Iterator[ScriptedServer]:
    server = ScriptedServer(list(script))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def refused_url() -> str:
    """A 127.0.0.1 URL where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    return f"http://127.0.0.1:{port}/v1"


# --- the agent side ------------------------------------------------------------------------------


class Executions:
    """Every time the tool really ran, with its arguments."""

    def __init__(self) -> None:
        self.args: list[str] = []


@pytest.fixture
def ran() -> Executions:
    return Executions()


@pytest.fixture
async def traced(tmp_path: Path) -> AsyncIterator[tuple[TraceStore, TraceRecorder]]:
    store = TraceStore.open(tmp_path / "traces.db")
    recorder = TraceRecorder(store, flush_interval=0)
    try:
        yield store, recorder
    finally:
        recorder.close()
        store.close()


async def run_agent(
    url: str, ran: Executions, recorder: TraceRecorder, *, stream: bool = False, timeout: float = 5.0,
) -> tuple[RunResult[Any], float]:
    @tool
    def echo(x: str) -> str:
        """Echo the text back."""
        ran.args.append(x)
        return x

    model = OpenAIModel("fake", base_url=url, max_retries=MAX_RETRIES, backoff=BACKOFF, timeout=timeout)
    agent = Agent(model, [echo], recorder=recorder, max_steps=4)
    t0 = time.monotonic()
    try:
        run = agent.iter("echo hello", stream=stream)
        async for _ in run:
            pass
        return run.result, time.monotonic() - t0
    finally:
        await model.aclose()


async def stored(store: TraceStore, recorder: TraceRecorder, run_id: str) -> Run:
    assert await recorder.aflush(10)
    assert recorder.errors == 0 and recorder.dropped == 0
    run = store.get_run(run_id)
    assert run is not None
    return run


def assert_backoff(server: ScriptedServer, retries: int = MAX_RETRIES) -> None:
    """The first ``retries`` retries were spaced by at least the configured, doubling backoff."""
    times = server.request_times[: retries + 1]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(g >= BACKOFF * 2**i * 0.9 for i, g in enumerate(gaps)), gaps


# --- tests ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True], ids=["request", "stream"])
async def test_server_down_ends_with_a_typed_error_after_bounded_retries(
    stream: bool, ran: Executions, traced: tuple[TraceStore, TraceRecorder],
) -> None:
    store, recorder = traced
    result, elapsed = await run_agent(refused_url(), ran, recorder, stream=stream)
    assert result.outcome == "error" and isinstance(result.error, ModelUnavailableError)
    assert result.error.attempts == MAX_RETRIES + 1  # pyright: ignore[reportAttributeAccessIssue]
    assert elapsed >= (BACKOFF + 2 * BACKOFF) * 0.9  # it waited between attempts
    assert ran.args == []
    run = await stored(store, recorder, result.run_id)
    assert run.outcome == "error" and "unavailable" in (run.reason or "")
    assert run.tool_calls == []


async def test_slow_server_times_out_then_typed_error(ran: Executions, traced: tuple[TraceStore, TraceRecorder]) -> None:
    store, recorder = traced
    with scripted_server("slow") as server:
        result, elapsed = await run_agent(server.url, ran, recorder, timeout=0.3)
        assert server.actions == ["slow"] * (MAX_RETRIES + 1)
    assert result.outcome == "error" and isinstance(result.error, ModelUnavailableError)
    assert "Timeout" in str(result.error)
    assert elapsed < 20  # bounded: three 0.3 s attempts and two short waits, not the server's stall
    assert ran.args == []
    assert (await stored(store, recorder, result.run_id)).tool_calls == []


@pytest.mark.parametrize("stream", [False, True], ids=["request", "stream"])
async def test_5xx_then_recovery_completes_the_run(
    stream: bool, ran: Executions, traced: tuple[TraceStore, TraceRecorder],
) -> None:
    store, recorder = traced
    with scripted_server("status:503", "status:502", "ok") as server:
        result, _ = await run_agent(server.url, ran, recorder, stream=stream)
        assert server.actions == ["status:503", "status:502", "ok", "ok"]
        assert_backoff(server)
    assert result.outcome == "answered" and result.output == "done: hello", result.reason
    assert ran.args == ["hello"]  # the tool ran once: retries repeat the model request, never the tool
    run = await stored(store, recorder, result.run_id)
    assert run.outcome == "answered"
    assert [(c.name, c.status, c.arguments) for c in run.tool_calls] == [("echo", "ok", {"x": "hello"})]


@pytest.mark.parametrize("status", [500, 503, 429])
async def test_5xx_forever_is_a_typed_error_after_bounded_retries(
    status: int, ran: Executions, traced: tuple[TraceStore, TraceRecorder],
) -> None:
    store, recorder = traced
    with scripted_server(f"status:{status}") as server:
        result, _ = await run_agent(server.url, ran, recorder)
        assert len(server.actions) == MAX_RETRIES + 1
        assert_backoff(server)
    assert result.outcome == "error" and isinstance(result.error, ModelUnavailableError)
    assert result.error.status_code == status  # pyright: ignore[reportAttributeAccessIssue]
    run = await stored(store, recorder, result.run_id)
    assert run.outcome == "error" and run.tool_calls == [] and ran.args == []


async def test_4xx_is_not_retried(ran: Executions, traced: tuple[TraceStore, TraceRecorder]) -> None:
    store, recorder = traced
    with scripted_server("status:400") as server:
        result, _ = await run_agent(server.url, ran, recorder)
        assert server.actions == ["status:400"]  # the same request would fail the same way
    assert result.outcome == "error" and isinstance(result.error, ModelError)
    assert not isinstance(result.error, ModelUnavailableError)
    assert "bad day" in str(result.error)
    assert (await stored(store, recorder, result.run_id)).outcome == "error"


async def test_stream_cut_mid_arguments_records_no_call(ran: Executions, traced: tuple[TraceStore, TraceRecorder]) -> None:
    store, recorder = traced
    with scripted_server("cut") as server:
        result, _ = await run_agent(server.url, ran, recorder, stream=True)
        assert server.actions == ["cut"]  # deltas were already delivered: a cut stream is not replayed
    assert result.outcome == "error" and isinstance(result.error, ModelUnavailableError)
    assert "broke off" in str(result.error)
    assert ran.args == []  # the tool never ran with the partial arguments
    run = await stored(store, recorder, result.run_id)
    assert run.outcome == "error"
    assert run.tool_calls == []  # the half-received call is not in the store at all, let alone as ok


@pytest.mark.parametrize(("fault", "stream"), [("cut", True), ("status:503", False)], ids=["stream-cut", "5xx-forever"])
async def test_fault_in_second_step_keeps_the_first(
    fault: Action, stream: bool, ran: Executions, traced: tuple[TraceStore, TraceRecorder],
) -> None:
    """The step that completed stays recorded as done; the one that failed adds nothing."""
    store, recorder = traced
    with scripted_server("ok", fault) as server:
        result, _ = await run_agent(server.url, ran, recorder, stream=stream)
        assert server.actions == ["ok"] + [fault] * (1 if stream else MAX_RETRIES + 1)
    assert result.outcome == "error" and isinstance(result.error, ModelUnavailableError)
    assert ran.args == ["hello"]
    run = await stored(store, recorder, result.run_id)
    assert run.outcome == "error"
    assert [(c.step, c.name, c.status, c.arguments) for c in run.tool_calls] == [(0, "echo", "ok", {"x": "hello"})]
    assert all(c.raw_arguments == '{"x": "hello"}' for c in run.tool_calls)


async def test_many_runs_against_a_flaky_server_all_end_typed(ran: Executions, traced: tuple[TraceStore, TraceRecorder]) -> None:
    """50 concurrent runs while the server fails every request: each ends as a typed error, none raises."""
    store, recorder = traced
    with scripted_server("status:503") as server:
        results = await asyncio.gather(*(run_agent(server.url, ran, recorder) for _ in range(50)))
        # Some attempts may be refused at connect time under this load: each still counts as one.
        assert len(server.actions) <= 50 * (MAX_RETRIES + 1)
    assert all(r.outcome == "error" and isinstance(r.error, ModelUnavailableError) for r, _ in results)
    assert {getattr(r.error, "attempts", None) for r, _ in results} == {MAX_RETRIES + 1}
    assert await recorder.aflush(30)
    assert store.count_runs(outcome="error") == 50 and recorder.errors == 0


# --- bodies that are not what they claim: fixed in OpenAIModel alongside this suite (they escaped as a raw
# JSONDecodeError/AttributeError from Agent.run, or a stream closed cleanly mid-arguments was taken as complete).


@pytest.mark.parametrize("action", ["bad_json", "html"])
async def test_invalid_json_body_is_a_typed_error(action: str, ran: Executions, traced: tuple[TraceStore, TraceRecorder]) -> None:
    store, recorder = traced
    with scripted_server(action) as server:
        result, _ = await run_agent(server.url, ran, recorder)
        assert server.actions == [action] * (MAX_RETRIES + 1)  # retried like a 5xx: a proxy's page is transient
    assert result.outcome == "error" and isinstance(result.error, ModelUnavailableError)
    assert "not a chat completion" in str(result.error) or "JSONDecodeError" in str(result.error)
    run = await stored(store, recorder, result.run_id)
    assert run.outcome == "error" and run.tool_calls == [] and ran.args == []


async def test_invalid_json_in_stream_is_a_typed_error(ran: Executions, traced: tuple[TraceStore, TraceRecorder]) -> None:
    store, recorder = traced
    with scripted_server("bad_sse") as server:
        result, _ = await run_agent(server.url, ran, recorder, stream=True)
        assert server.actions == ["bad_sse"]
    assert result.outcome == "error" and isinstance(result.error, ModelUnavailableError)
    run = await stored(store, recorder, result.run_id)
    assert run.tool_calls == [] and ran.args == []


async def test_stream_closed_without_done_mid_arguments_is_a_typed_error(
    ran: Executions, traced: tuple[TraceStore, TraceRecorder],
) -> None:
    store, recorder = traced
    with scripted_server("cut_eof") as server:
        result, _ = await run_agent(server.url, ran, recorder, stream=True)
        assert server.actions == ["cut_eof"]
    assert ran.args == []
    assert result.outcome == "error" and isinstance(result.error, ModelUnavailableError)
    assert "middle of a tool call" in str(result.error)
    run = await stored(store, recorder, result.run_id)
    assert run.outcome == "error" and run.tool_calls == []
