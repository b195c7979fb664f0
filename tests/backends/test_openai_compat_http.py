"""OpenAIModel over real HTTP: a small OpenAI-compatible server on 127.0.0.1 (stdlib http.server)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from _fakeserver import chunk, completion, native_call

from agentfn.backends.base import Done, ModelRequest, ToolCallDelta
from agentfn.backends.openai_compat import OpenAIModel
from agentfn.exceptions import ModelError, ModelUnavailableError
from agentfn.messages import UserMessage

TOOL = {"type": "function", "function": {"name": "add", "parameters": {"type": "object", "properties": {"a": {"type": "integer"}}}}}


class Handler(BaseHTTPRequestHandler):
    server: Any

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._send(200, json.dumps({"object": "list", "data": [{"id": "local", "object": "model", "created": 0, "owned_by": "t"}]}).encode())

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        self.server.requests.append(body)
        if body["messages"][-1]["content"] == "fail":
            self._send(503, json.dumps({"error": {"message": "overloaded"}}).encode())
        elif body["messages"][-1]["content"] == "bad":
            self._send(400, json.dumps({"object": "error", "message": "max_tokens is too large"}).encode())
        elif body.get("stream"):
            chunks = [
                chunk({"tool_calls": [{"index": 0, "id": "c1", "type": "function", "function": {"name": "add", "arguments": '{"a"'}}]}),
                chunk({"tool_calls": [{"index": 0, "function": {"arguments": ": 2}"}}]}),
                chunk({}, finish_reason="tool_calls", usage=(5, 3)),
            ]
            payload = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
            self._send(200, payload.encode(), "text/event-stream")
        else:
            self._send(200, json.dumps(completion(None, [native_call("add", '{"a": 1}')], model="local")).encode())


@pytest.fixture
def server() -> Iterator[Any]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.requests = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def ask(text: str) -> ModelRequest:
    return ModelRequest(messages=[UserMessage(content=text)], tools=[TOOL])


async def test_request_stream_and_errors_over_real_http(server: Any) -> None:
    port = server.server_address[1]
    model = OpenAIModel(base_url=f"http://127.0.0.1:{port}", backoff=0.0, max_retries=1, timeout=10)
    response = await model.request(ask("add one"))
    assert model.model == "local" and response.message.tool_calls[0].arguments == '{"a": 1}'
    events = [e async for e in model.stream(ask("add two"))]
    assert "".join(e.arguments for e in events if isinstance(e, ToolCallDelta)) == '{"a": 2}'
    done = events[-1]
    assert isinstance(done, Done) and done.response.usage.output_tokens == 3
    with pytest.raises(ModelUnavailableError, match="overloaded"):
        await model.request(ask("fail"))
    with pytest.raises(ModelError, match="max_tokens is too large"):
        await model.request(ask("bad"))
    assert len(server.requests) == 2 + 2 + 1  # request, stream, fail twice (one retry), bad once
    await model.aclose()


async def test_server_gone_is_model_unavailable(server: Any) -> None:
    port = server.server_address[1]
    server.shutdown()
    server.server_close()
    model = OpenAIModel("local", base_url=f"http://127.0.0.1:{port}/v1", backoff=0.0, max_retries=2, timeout=5)
    with pytest.raises(ModelUnavailableError) as info:
        await model.request(ask("add one"))
    assert info.value.attempts == 3
    await model.aclose()
