"""Typed chat messages that round-trip through JSON and the OpenAI wire format.

A conversation is a ``list[Message]``. ``Message`` is a discriminated union on
``role`` so ``TypeAdapter(list[Message])`` reads back exactly what was written.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

__all__ = [
    "AssistantMessage",
    "Message",
    "SystemMessage",
    "ToolCall",
    "ToolMessage",
    "Usage",
    "UserMessage",
    "messages_from_openai",
    "messages_to_openai",
    "new_call_id",
]


def new_call_id() -> str:
    """A fresh tool-call id in the OpenAI style.

    Ids only need to be unique within a conversation, so a PRNG is enough and
    avoids a system call per id (measurable under thousands of concurrent runs).
    """
    return f"call_{random.getrandbits(96):024x}"


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class ToolCall(_Record):
    """One call the model asked for.

    ``arguments`` keeps the model's raw JSON text: validation happens later and
    a malformed string must survive so the model can be shown its mistake.
    """

    id: str = Field(default_factory=new_call_id)
    name: str
    arguments: str = "{}"

    def arguments_dict(self) -> dict[str, Any] | None:
        """The arguments as a dict, or None when they are not a JSON object."""
        try:
            value = json.loads(self.arguments or "{}")
        except ValueError:
            return None
        return value if isinstance(value, dict) else None  # pyright: ignore[reportUnknownVariableType]


class SystemMessage(_Record):
    role: Literal["system"] = "system"
    content: str


class UserMessage(_Record):
    role: Literal["user"] = "user"
    content: str


class AssistantMessage(_Record):
    role: Literal["assistant"] = "assistant"
    content: str | None = None
    tool_calls: list[ToolCall] = Field(default_factory=list[ToolCall])
    reasoning: str | None = None


class ToolMessage(_Record):
    role: Literal["tool"] = "tool"
    tool_call_id: str
    name: str
    content: str
    is_error: bool = False


Message = Annotated[
    SystemMessage | UserMessage | AssistantMessage | ToolMessage, Field(discriminator="role")
]
_MESSAGES = TypeAdapter(list[Message])


class Usage(_Record):
    """Token and call counts, summed over a run."""

    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    tool_calls: int = 0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            requests=self.requests + other.requests,
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            tool_calls=self.tool_calls + other.tool_calls,
        )


def dump_messages(messages: Sequence[Message]) -> bytes:
    """Serialise a conversation to JSON bytes."""
    return _MESSAGES.dump_json(list(messages))


def load_messages(data: str | bytes) -> list[Message]:
    """Read a conversation written by :func:`dump_messages`."""
    return _MESSAGES.validate_json(data)


def messages_to_openai(messages: Iterable[Message]) -> list[dict[str, Any]]:
    """Render messages as OpenAI chat-completions dicts."""
    out: list[dict[str, Any]] = []
    for m in messages:
        if isinstance(m, AssistantMessage):
            d: dict[str, Any] = {"role": "assistant", "content": m.content}
            if m.tool_calls:
                d["tool_calls"] = [
                    {
                        "id": c.id,
                        "type": "function",
                        "function": {"name": c.name, "arguments": c.arguments},
                    }
                    for c in m.tool_calls
                ]
            out.append(d)
        elif isinstance(m, ToolMessage):
            out.append(
                {"role": "tool", "tool_call_id": m.tool_call_id, "name": m.name, "content": m.content}
            )
        else:
            out.append({"role": m.role, "content": m.content})
    return out


def _text(content: Any) -> str:
    # OpenAI allows content as a list of parts; only text parts matter here.
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts: list[str] = []
        for part in content:  # pyright: ignore[reportUnknownVariableType]
            if isinstance(part, Mapping) and part.get("type") == "text":  # pyright: ignore[reportUnknownMemberType]
                parts.append(str(part.get("text", "")))  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
            elif isinstance(part, str):
                parts.append(part)
        return "".join(parts)
    return str(content)


def messages_from_openai(items: Iterable[Mapping[str, Any]]) -> list[Message]:
    """Read OpenAI chat-completions dicts into typed messages.

    Raises:
        ValueError: a message has an unknown role or lacks a required field.
    """
    out: list[Message] = []
    call_names: dict[str, str] = {}
    for i, item in enumerate(items):
        role = item.get("role")
        if role in ("system", "developer"):
            out.append(SystemMessage(content=_text(item.get("content"))))
        elif role == "user":
            out.append(UserMessage(content=_text(item.get("content"))))
        elif role == "assistant":
            calls: list[ToolCall] = []
            raw_calls: list[Any] = item.get("tool_calls") or []
            for raw in raw_calls:
                fn: dict[str, Any] = raw.get("function") or {}
                args: Any = fn.get("arguments", "{}")
                if not isinstance(args, str):
                    args = json.dumps(args, ensure_ascii=False)
                call = ToolCall(id=raw.get("id") or new_call_id(), name=str(fn.get("name", "")), arguments=args)
                call_names[call.id] = call.name
                calls.append(call)
            content = item.get("content")
            reasoning = item.get("reasoning_content") or item.get("reasoning")
            out.append(
                AssistantMessage(
                    content=None if content is None else _text(content),
                    tool_calls=calls,
                    reasoning=reasoning if isinstance(reasoning, str) else None,
                )
            )
        elif role == "tool":
            call_id = item.get("tool_call_id")
            if not call_id:
                raise ValueError(f"message {i}: tool message without tool_call_id")
            name = item.get("name") or call_names.get(call_id, "")
            out.append(ToolMessage(tool_call_id=call_id, name=name, content=_text(item.get("content"))))
        else:
            raise ValueError(f"message {i}: unknown role {role!r}")
    return out
