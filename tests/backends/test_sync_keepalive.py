"""Synchronous entry points against a real keep-alive OpenAI-compatible server on 127.0.0.1.

The server speaks HTTP/1.1 and keeps connections open, as vLLM does: a pooled connection
belongs to the event loop that opened it. ``asyncio.run`` per call (what ``run_sync`` used
to do) stranded it: the second call raised ``RuntimeError: Event loop is closed``.
"""

from __future__ import annotations

import asyncio
import gc
import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from _fakeserver import completion, native_call

from agentfn import Agent, compose, tool
from agentfn._sync import run_sync, sync_loop
from agentfn.backends.openai_compat import OpenAIModel
from agentfn.exceptions import UserError
from agentfn.llm_function import llm_function


class KeepAliveHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep the connection open between requests
    server: Any

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms delayed-ACK stalls
        with self.server.lock:
            self.server.connections += 1

    def finish(self) -> None:
        super().finish()
        with self.server.lock:
            self.server.closed += 1

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._send({"object": "list", "data": [{"id": "m", "object": "model", "created": 0, "owned_by": "t"}]})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        with self.server.lock:
            self.server.requests += 1
        last = body["messages"][-1]
        if body.get("tools") and last["role"] == "user":
            self._send(completion(None, [native_call("double", '{"x": 21}')]))
        elif last["role"] == "tool":
            self._send(completion(f"the result is {last['content']}"))
        else:
            self._send(completion(f"echo: {last['content'][-40:]}"))


@pytest.fixture
def keepalive() -> Iterator[Any]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), KeepAliveHandler)
    httpd.daemon_threads = True
    httpd.lock = threading.Lock()  # type: ignore[attr-defined]
    httpd.connections = 0  # type: ignore[attr-defined]
    httpd.requests = 0  # type: ignore[attr-defined]
    httpd.closed = 0  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"  # type: ignore[attr-defined]
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


@tool
def double(x: int) -> int:
    """Double a number.

    Args:
        x: the number.
    """
    return 2 * x


def make_agent(server: Any) -> Agent[Any, str]:
    return Agent(OpenAIModel(base_url=server.url, max_retries=0, timeout=10), [double])


def test_run_sync_100_times_in_a_row_reuses_the_connection(keepalive: Any) -> None:
    agent = make_agent(keepalive)
    for _ in range(100):
        result = agent.run_sync("double 21")
        assert result.ok and result.output == "the result is 42", (result.outcome, result.reason)
    assert keepalive.requests == 200  # two model calls per run
    assert keepalive.connections <= 2  # keep-alive: not one connection per call


def test_run_sync_from_many_threads(keepalive: Any) -> None:
    agent = make_agent(keepalive)

    def work(i: int) -> list[str | None]:
        return [agent.run_sync(f"double 21 ({i})").output for _ in range(10)]

    with ThreadPoolExecutor(8) as pool:
        outputs = [o for chunk in pool.map(work, range(8)) for o in chunk]
    assert outputs == ["the result is 42"] * 80


async def test_run_sync_inside_a_running_loop(keepalive: Any) -> None:
    # What a notebook cell does: a loop is running in this thread.
    agent = make_agent(keepalive)
    for _ in range(20):
        assert agent.run_sync("double 21").output == "the result is 42"
    # The async API on this loop and the sync one on agentfn's loop share one model object.
    assert (await agent.run("double 21")).output == "the result is 42"
    assert agent.run_sync("double 21").output == "the result is 42"
    await agent.model.aclose()


def test_repeated_asyncio_run_with_one_model(keepalive: Any) -> None:
    # The README's llm_function example: asyncio.run(...) twice with one model. Each loop gets
    # its own connection, closed when that loop shuts down (no ResourceWarning: warnings are errors).
    agent = make_agent(keepalive)
    for _ in range(20):
        assert asyncio.run(agent.run("double 21")).output == "the result is 42"
    gc.collect()
    assert len(agent.model._clients) <= 1  # pyright: ignore[reportPrivateUsage]  # closed loops are dropped


@llm_function(prompt="Repeat: {{ text }}")
async def repeat(text: str) -> str:
    """Repeat a text."""
    ...


def test_llm_function_and_pipeline_sync_calls(keepalive: Any) -> None:
    model = OpenAIModel("m", base_url=keepalive.url, max_retries=0, timeout=10)
    for i in range(100):
        assert repeat.run_sync(f"hello {i}", model=model) == f"echo: Repeat: hello {i}"

    @tool
    def shout(text: str) -> str:
        """Upper-case a text.

        Args:
            text: the text.
        """
        return text.upper()

    @tool
    async def fetch(text: str) -> str:
        """Ask the model to repeat a text.

        Args:
            text: the text.
        """
        return await repeat(text, model=model)

    pipeline = compose(fetch, shout, name="fetch_then_shout")
    for i in range(20):
        assert pipeline.call_sync({"text": f"hi {i}"}) == f"ECHO: REPEAT: HI {i}"
    assert keepalive.connections <= 2


def test_a_collected_model_closes_its_connection(keepalive: Any) -> None:
    agent = make_agent(keepalive)
    agent.cycle = agent  # type: ignore[attr-defined]  # only the cycle collector can free it
    assert agent.run_sync("double 21").ok
    del agent
    gc.collect()  # an unclosed transport here would be a ResourceWarning, an error in this suite
    deadline = time.monotonic() + 10
    while keepalive.closed < keepalive.connections and time.monotonic() < deadline:
        time.sleep(0.02)
    assert keepalive.closed == keepalive.connections == 1


def test_run_sync_on_its_own_loop_says_to_await() -> None:
    async def inner() -> int:
        return 1

    async def outer() -> int:
        assert asyncio.get_running_loop() is sync_loop()
        return run_sync(inner(), instead="await agent.run(...)")

    with pytest.raises(UserError, match=r"await agent\.run\(\.\.\.\)"):
        run_sync(outer())
    assert run_sync(inner()) == 1  # the loop is still usable
