"""A scripted OpenAI-compatible server at the transport boundary (httpx2.MockTransport).

Each test queues replies (JSON bodies, status codes, SSE streams or transport errors); the
requests the client sent are recorded for assertions. No agentfn code is replaced.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx2


def completion(
    content: str | None = None,
    tool_calls: list[dict[str, Any]] | None = None,
    *,
    finish_reason: str = "stop",
    reasoning: str | None = None,
    usage: tuple[int, int] = (10, 5),
    model: str = "m",
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls is not None:
        message["tool_calls"] = tool_calls
    if reasoning is not None:
        message["reasoning_content"] = reasoning
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)},
    }


def native_call(name: str, arguments: str, call_id: str = "call_1") -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def sse(chunks: list[dict[str, Any]]) -> bytes:
    lines = [f"data: {json.dumps(c)}\n\n" for c in chunks]
    return ("".join(lines) + "data: [DONE]\n\n").encode()


def chunk(delta: dict[str, Any], finish_reason: str | None = None, usage: tuple[int, int] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }
    if usage is not None:
        body["usage"] = {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)}
    return body


Reply = dict[str, Any] | httpx2.Response | Exception | Callable[[httpx2.Request], httpx2.Response]


class FakeServer:
    """Replies in order to POST /v1/chat/completions; GET /v1/models lists ``models``."""

    def __init__(self, *replies: Reply, models: tuple[str, ...] = ("m",)) -> None:
        self.replies: list[Reply] = list(replies)
        self.requests: list[dict[str, Any]] = []
        self.models = models

    def handler(self, request: httpx2.Request) -> httpx2.Response:
        if request.method == "GET" and request.url.path.endswith("/models"):
            data = [{"id": m, "object": "model", "created": 0, "owned_by": "x"} for m in self.models]
            return httpx2.Response(200, json={"object": "list", "data": data})
        self.requests.append(json.loads(request.content or b"{}"))
        if not self.replies:
            return httpx2.Response(500, json={"error": {"message": "no scripted reply left"}})
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, httpx2.Response):
            return reply
        if callable(reply):
            return reply(request)
        return httpx2.Response(200, json=reply)

    def client(self) -> httpx2.AsyncClient:
        return httpx2.AsyncClient(transport=httpx2.MockTransport(self.handler))

    @property
    def last(self) -> dict[str, Any]:
        return self.requests[-1]


def stream_response(chunks: list[dict[str, Any]]) -> httpx2.Response:
    return httpx2.Response(200, content=sse(chunks), headers={"content-type": "text/event-stream"})
