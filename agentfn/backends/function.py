"""Scripted models for tests: no weights, no server, fully deterministic.

``FunctionModel`` lets a Python function decide each reply; ``TestModel``
calls every offered tool once with schema-valid generated arguments and then
answers with what the tools returned. Ship these in your own test suites to
drive agents without a model.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, cast

from agentfn.backends.base import (
    Done,
    Model,
    ModelRequest,
    ModelResponse,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
)
from agentfn.messages import AssistantMessage, Message, ToolCall, ToolMessage, Usage

__all__ = ["FunctionModel", "TestModel", "call", "example_from_schema"]

Reply = AssistantMessage | ModelResponse | str
ReplyFunction = Callable[[list[Message], ModelRequest], Reply | Awaitable[Reply]]


def call(name: str, arguments: str | dict[str, Any] | None = None, *, id: str | None = None) -> ToolCall:
    """Build a :class:`ToolCall`; dict arguments are JSON-encoded, strings kept raw (even if malformed)."""
    if arguments is None:
        arguments = "{}"
    raw = arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)
    return ToolCall(name=name, arguments=raw) if id is None else ToolCall(id=id, name=name, arguments=raw)


def _estimate_tokens(messages: Sequence[Message]) -> int:
    # A rough, deterministic count (about 4 characters a token) so usage limits can be tested.
    total = 0
    for m in messages:
        content = getattr(m, "content", None) or ""
        total += len(content) // 4 + 1
    return total


class FunctionModel(Model):
    """A model whose every reply comes from ``function(messages, request)``.

    The function returns an :class:`AssistantMessage`, a :class:`ModelResponse`
    or plain text (a final answer). It may be async.

    Example:
        ```python
        def reply(messages, request):
            if not any(m.role == "tool" for m in messages):
                return AssistantMessage(tool_calls=[call("get_weather", {"city": "Paris"})])
            return "It is sunny."
        agent = Agent(FunctionModel(reply), tools=[get_weather])
        ```
    """

    def __init__(
        self,
        function: ReplyFunction,
        *,
        name: str = "function",
        stream_chunk_size: int = 4,
        keep_requests: bool = True,
    ) -> None:
        self.function = function
        self.name = name
        self.stream_chunk_size = stream_chunk_size
        # Every request is kept for assertions; long benchmarks pass keep_requests=False.
        self.keep_requests = keep_requests
        self.requests: list[ModelRequest] = []

    async def request(self, request: ModelRequest) -> ModelResponse:
        if self.keep_requests:
            self.requests.append(request)
        reply = self.function(list(request.messages), request)
        if inspect.isawaitable(reply):
            reply = await reply
        if isinstance(reply, ModelResponse):
            return reply
        message = AssistantMessage(content=reply) if isinstance(reply, str) else reply
        out_tokens = len(message.content or "") // 4 + sum(len(c.arguments) // 4 + 1 for c in message.tool_calls)
        usage = Usage(requests=1, input_tokens=_estimate_tokens(request.messages), output_tokens=out_tokens)
        finish = "tool_calls" if message.tool_calls else "stop"
        return ModelResponse(message=message, usage=usage, model_name=self.name, finish_reason=finish)

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        """Stream the scripted reply in small chunks, as a server would."""
        response = await self.request(request)
        text = response.message.content or ""
        size = max(1, self.stream_chunk_size)
        for i in range(0, len(text), size):
            yield TextDelta(text=text[i : i + size])
        for index, c in enumerate(response.message.tool_calls):
            yield ToolCallDelta(index=index, id=c.id, name=c.name)
            for i in range(0, len(c.arguments), size):
                yield ToolCallDelta(index=index, arguments=c.arguments[i : i + size])
        yield Done(response=response)


class TestModel(Model):
    """Calls every offered tool (or ``call_tools``) once, then answers.

    Arguments are generated from each tool's JSON Schema so they validate. The
    final answer is ``custom_output_text`` if given, else a JSON object mapping
    each tool name to what it returned. With an output schema, the answer is a
    generated instance of it (or ``custom_output_args``).
    """

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        *,
        call_tools: Sequence[str] | str = "all",
        custom_output_text: str | None = None,
        custom_output_args: dict[str, Any] | None = None,
        name: str = "test",
    ) -> None:
        self.call_tools = call_tools
        self.custom_output_text = custom_output_text
        self.custom_output_args = custom_output_args
        self.name = name

    async def request(self, request: ModelRequest) -> ModelResponse:
        messages = request.messages
        called = any(isinstance(m, ToolMessage) for m in messages[_last_user_index(messages) :])
        names = request.tool_names()
        if self.call_tools != "all":
            names = [n for n in names if n in self.call_tools]
        if request.tool_choice not in ("auto", "required", "none"):
            names = [n for n in names if n == request.tool_choice]
        if request.tool_choice == "none":
            names = []
        usage = Usage(requests=1, input_tokens=_estimate_tokens(messages), output_tokens=10)
        if not called and names:
            specs = {t["function"]["name"]: t["function"] for t in request.tools}
            calls = [call(n, example_from_schema(specs[n].get("parameters", {}))) for n in names]
            if not request.parallel_tool_calls:
                calls = calls[:1]
            return ModelResponse(message=AssistantMessage(tool_calls=calls), usage=usage, model_name=self.name)
        if request.output_schema is not None:
            data = self.custom_output_args or example_from_schema(request.output_schema)
            text = json.dumps(data)
        elif self.custom_output_text is not None:
            text = self.custom_output_text
        else:
            results = {m.name: m.content for m in messages[_last_user_index(messages) :] if isinstance(m, ToolMessage)}
            text = json.dumps(results, ensure_ascii=False) if results else "success (no tool calls)"
        return ModelResponse(message=AssistantMessage(content=text), usage=usage, model_name=self.name)


def _last_user_index(messages: Sequence[Message]) -> int:
    for i in range(len(messages) - 1, -1, -1):
        if messages[i].role == "user":
            return i
    return 0


def example_from_schema(schema: dict[str, Any], *, _depth: int = 0) -> Any:
    """A small value that satisfies ``schema`` (the subset tool schemas use)."""
    if _depth > 8:
        return None
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    for key in ("anyOf", "oneOf"):
        variants = [v for v in schema.get(key, []) if v.get("type") != "null"]
        if variants:
            return example_from_schema(variants[0], _depth=_depth + 1)
    if schema.get("allOf"):
        return example_from_schema(schema["allOf"][0], _depth=_depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in cast(list[str], kind) if k != "null"]
        kind = kinds[0] if kinds else "null"
    if kind == "object" or "properties" in schema:
        props: dict[str, Any] = schema.get("properties", {})
        required = schema.get("required", list(props))
        return {k: example_from_schema(v, _depth=_depth + 1) for k, v in props.items() if k in required}
    if kind == "array":
        n = max(1, int(schema.get("minItems", 1)))
        items = schema.get("items", {})
        if schema.get("uniqueItems"):
            n = 1
        return [example_from_schema(items, _depth=_depth + 1) for _ in range(n)]
    if kind == "integer":
        return _number(schema, integer=True)
    if kind == "number":
        return _number(schema, integer=False)
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    if kind == "string":
        return _string(schema)
    return "a"


def _number(schema: dict[str, Any], *, integer: bool) -> int | float:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    value: float = 0
    if low is not None:
        value = low + (1 if "exclusiveMinimum" in schema else 0)
    elif high is not None:
        value = min(0, high - (1 if "exclusiveMaximum" in schema else 0))
    multiple = schema.get("multipleOf")
    if multiple:
        value = multiple * -(-value // multiple)
    return int(value) if integer else float(value)


_FORMAT_EXAMPLES = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "12:00:00",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "email": "user@example.com",
    "uri": "https://example.com",
    "duration": "P1D",
}


def _string(schema: dict[str, Any]) -> str:
    fmt = schema.get("format")
    if isinstance(fmt, str) and fmt in _FORMAT_EXAMPLES:
        return _FORMAT_EXAMPLES[fmt]
    if "pattern" in schema:
        return _string_for_pattern(str(schema["pattern"]))
    length = max(1, int(schema.get("minLength", 1)))
    return "a" * length


def _string_for_pattern(pattern: str) -> str:
    # Common simple patterns only; good enough for tool schemas in tests.
    import re

    for candidate in ("a", "A", "1", "abc", "ABC", "a1", "123", "a-b", "user@example.com", "USD", "2024-01-01"):
        if re.fullmatch(pattern, candidate):
            return candidate
    return "a"
