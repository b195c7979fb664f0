"""The OpenAI chat-completions wire format: request parsing, responses, stream chunks, errors.

Tool steps run on the server. A client sees the final answer as ordinary
``choices[0].message.content``; the steps travel in an ``agentfn`` extra field
(ignored by OpenAI clients that do not look for it):

- non-streaming: ``response.agentfn = {"run_id", "outcome", "reason", "steps", "tool_steps": [...]}``
- streaming: chunks with an empty ``delta`` and ``agentfn = {"type": "tool_call" | "tool_result", ...}``,
  and a final chunk with ``agentfn = {"type": "run_end", ...}`` beside ``finish_reason``.

Streamed ``content`` also carries text the model wrote before its tool calls (steps separated
by a blank line); the non-streaming ``content`` is the final answer only. A run that ends on
a limit or loop guard has ``finish_reason = "length"`` and says why in ``agentfn.reason``.
"""

from __future__ import annotations

import json
import time
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field

from agentfn.events import RunEnd, ToolCallEvent, ToolResultEvent
from agentfn.messages import Usage

__all__ = [
    "APIError",
    "ChatRequest",
    "chunk",
    "completion",
    "error_body",
    "finish_reason",
    "sse",
    "tool_step",
]


class APIError(Exception):
    """An error answered in OpenAI's ``{"error": {...}}`` shape."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return error_body(self.message, self.type, self.code, self.param)


def error_body(message: str, type: str, code: str | None = None, param: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type, "param": param, "code": code}}


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    include_usage: bool = False


class ChatRequest(BaseModel):
    """The subset of ``/v1/chat/completions`` agentfn acts on; unknown fields are accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    model: str | None = None
    messages: list[dict[str, Any]]
    stream: bool = False
    stream_options: StreamOptions | None = None
    tools: list[dict[str, Any]] | None = None
    functions: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    max_tokens: int | None = Field(default=None, gt=0)
    max_completion_tokens: int | None = Field(default=None, gt=0)
    temperature: float | None = Field(default=None, ge=0, le=2)
    seed: int | None = None
    stop: str | list[str] | None = None
    n: int | None = Field(default=None, ge=1)
    response_format: dict[str, Any] | None = None
    include_tool_steps: bool | None = None
    """agentfn extension: include the server-side tool steps (default from the server config)."""

    def agent_tool_choice(self) -> str | None:
        """``auto``/``none``/``required`` or a tool name, from OpenAI's string or object form."""
        choice = self.tool_choice
        if choice is None or isinstance(choice, str):
            return choice
        function: Any = choice.get("function") or {}
        name: Any = cast(dict[str, Any], function).get("name") if isinstance(function, dict) else None
        if choice.get("type") != "function" or not isinstance(name, str) or not name:
            raise APIError(400, "tool_choice must be auto, none, required or {'type': 'function', "
                           "'function': {'name': ...}}", param="tool_choice")
        return name

    def model_settings(self) -> dict[str, Any]:
        settings: dict[str, Any] = {}
        max_tokens = self.max_completion_tokens or self.max_tokens
        if max_tokens is not None:
            settings["max_tokens"] = max_tokens
        if self.temperature is not None:
            settings["temperature"] = self.temperature
        if self.seed is not None:
            settings["seed"] = self.seed
        if self.stop is not None:
            settings["stop"] = [self.stop] if isinstance(self.stop, str) else list(self.stop)
        return settings


def finish_reason(outcome: str) -> Literal["stop", "length"]:
    # Runs that hit a limit or a loop guard did not finish their answer.
    return "stop" if outcome == "answered" else "length"


def tool_step(call: ToolCallEvent | None, result: ToolResultEvent) -> dict[str, Any]:
    """One executed tool call as the client sees it."""
    return {
        "id": result.call_id,
        "name": result.tool_name,
        "arguments": call.call.arguments if call is not None else None,
        "status": result.status,
        "content": result.content,
        "latency_s": round(result.latency_s, 6),
        "step": result.step,
    }


def usage_body(usage: Usage) -> dict[str, int]:
    return {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.input_tokens + usage.output_tokens,
    }


def completion(
    *,
    completion_id: str,
    model: str,
    created: int,
    content: str | None,
    end: RunEnd,
    tool_steps: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    """A ``chat.completion`` object for a finished run."""
    body: dict[str, Any] = {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content, "refusal": None},
            "finish_reason": finish_reason(end.outcome),
            "logprobs": None,
        }],
        "usage": usage_body(end.usage),
        "agentfn": {"run_id": end.run_id, "outcome": end.outcome, "reason": end.reason, "steps": end.steps},
    }
    if tool_steps is not None:
        body["agentfn"]["tool_steps"] = tool_steps
    return body


def chunk(
    completion_id: str,
    model: str,
    created: int,
    delta: dict[str, Any] | None = None,
    *,
    finish: str | None = None,
    agentfn: dict[str, Any] | None = None,
    usage: Usage | None = None,
    no_choices: bool = False,
) -> dict[str, Any]:
    """A ``chat.completion.chunk`` object."""
    body: dict[str, Any] = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [] if no_choices else [{"index": 0, "delta": delta or {}, "finish_reason": finish, "logprobs": None}],
    }
    if usage is not None:
        body["usage"] = usage_body(usage)
    if agentfn is not None:
        body["agentfn"] = agentfn
    return body


def sse(data: dict[str, Any] | str) -> bytes:
    """One server-sent event line pair."""
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"data: {text}\n\n".encode()


def now() -> int:
    return int(time.time())
