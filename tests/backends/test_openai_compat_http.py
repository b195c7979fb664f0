"""OpenAIModel over real HTTP: a small OpenAI-compatible server on 127.0.0.1 (stdlib http.server)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from _fakeserver import chunk, completion, native_call
from _localhttp import LocalServer, serving

from agentfn.backends.base import Done, ModelRequest, ToolCallDelta
from agentfn.backends.openai_compat import OpenAIModel
from agentfn.exceptions import ModelError, ModelUnavailableError
from agentfn.messages import UserMessage

TOOL = {"type": "function", "function": {"name": "add", "parameters": {"type": "object", "properties": {"a": {"type": "integer"}}}}}


def answer(method: str, path: str, body: dict[str, Any] | None) -> tuple[int, Any]:
    if body is None:
        return 200, {"object": "list", "data": [{"id": "local", "object": "model", "created": 0, "owned_by": "t"}]}
    if body["messages"][-1]["content"] == "fail":
        return 503, {"error": {"message": "overloaded"}}
    if body["messages"][-1]["content"] == "bad":
        return 400, {"object": "error", "message": "max_tokens is too large"}
    if body.get("stream"):
        chunks = [
            chunk({"tool_calls": [{"index": 0, "id": "c1", "type": "function", "function": {"name": "add", "arguments": '{"a"'}}]}),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": ": 2}"}}]}),
            chunk({}, finish_reason="tool_calls", usage=(5, 3)),
        ]
        return 200, ("".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n").encode()
    return 200, completion(None, [native_call("add", '{"a": 1}')], model="local")


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with serving(answer) as httpd:
        yield httpd


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
