"""Client-side clean-up of the tool calls a model or server returned.

Servers are not trusted: calls may be left in the text or inside a reasoning block,
arguments may arrive double-encoded or with nested objects as JSON strings, and a server may
return several calls when the caller asked for at most one. Everything here is pure and
never raises on model output.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, cast

from agentfn.backends.base import StreamEvent, TextDelta, ToolCallDelta
from agentfn.messages import ToolCall, new_call_id

__all__ = [
    "DEFAULT_PARSERS",
    "TextCalls",
    "decode_arguments",
    "enforce_single_call",
    "looks_like_truncated_call",
    "parse_text_calls",
    "repair_calls",
    "text_events",
    "text_stream_parser",
]

DEFAULT_PARSERS: tuple[str, ...] = ("hermes", "llama3_json", "mistral", "pythonic", "json")
"""Tried in order when the configured parser is ``"auto"``: the first that finds calls wins."""


class TextCalls:
    """Calls found in text plus what remains of the text."""

    __slots__ = ("content", "reasoning", "tool_calls")

    def __init__(self, content: str | None, tool_calls: list[ToolCall], reasoning: str | None) -> None:
        self.content = content
        self.tool_calls = tool_calls
        self.reasoning = reasoning


def _parser_names(parser: str | Sequence[str]) -> list[str]:
    if isinstance(parser, str):
        return list(DEFAULT_PARSERS) if parser == "auto" else [parser]
    return list(parser)


def parse_text_calls(text: str | None, parser: str | Sequence[str] = "auto") -> TextCalls:
    """Parse tool calls out of model text with agentfn's parsers.

    Args:
        text: the raw text (content or reasoning).
        parser: a registered parser name, a list tried in order, or ``"auto"``
            (:data:`DEFAULT_PARSERS`, skipping any not registered).

    Returns:
        The first parse that found calls; otherwise the text unchanged as content (with the
        reasoning the first parser split off, if any).
    """
    if not text:
        return TextCalls(text, [], None)
    try:
        from agentfn.parsers import available_parsers, get_parser
    except ImportError:  # parsers package not importable: leave the text alone
        return TextCalls(text, [], None)
    registered = set(available_parsers())
    first: TextCalls | None = None
    for name in _parser_names(parser):
        if name not in registered:
            continue
        result = get_parser(name).parse(text)
        found = TextCalls(result.content, list(result.tool_calls), result.reasoning)
        if found.tool_calls:
            return found
        if first is None:
            first = found
    return first if first is not None else TextCalls(text, [], None)


def _maybe_json(text: str, *, strict: bool = False) -> Any:
    # strict=False by default: grammar-constrained decoders (xgrammar) let raw control characters
    # into JSON strings; such text is still meant as that object, and re-dumping escapes them.
    try:
        return json.loads(text, strict=strict)
    except ValueError:
        return None


def _as_dict(value: object) -> dict[str, Any] | None:
    return cast("dict[str, Any]", value) if isinstance(value, dict) else None


def _as_list(value: object) -> list[Any] | None:
    return cast("list[Any]", value) if isinstance(value, list) else None


def _type_set(schema: Mapping[str, Any]) -> set[str]:
    expected: object = schema.get("type")
    items = _as_list(expected)
    return {str(t) for t in items} if items is not None else {str(expected)}


def decode_arguments(arguments: Any, parameters: Mapping[str, Any] | None = None) -> str:
    """Arguments as the JSON text of an object where that can be recovered.

    Handles a dict instead of text, text that encodes a JSON string that encodes the object
    (double encoding), and nested object/array values that arrive as JSON strings where the
    tool's schema expects an object or array. Anything else is returned unchanged so the
    validation error shows the model its own output.
    """
    if arguments is None:
        return "{}"
    value: dict[str, Any] | None
    if isinstance(arguments, Mapping):
        value = dict(cast("Mapping[str, Any]", arguments))
    elif isinstance(arguments, str):
        if not arguments.strip():
            return "{}"
        decoded: Any = _maybe_json(arguments)
        for _ in range(2):  # '"{\"a\": 1}"' and, rarely, one more level
            if isinstance(decoded, str):
                decoded = _maybe_json(decoded)
        value = _as_dict(decoded)
        if value is None:
            return arguments
    else:
        return json.dumps(arguments, ensure_ascii=False)
    repaired: Any = _repair_nested(value, parameters) if parameters else value
    if repaired is value and isinstance(arguments, str) and _maybe_json(arguments, strict=True) == value:
        return arguments  # untouched: keep the model's exact text
    return json.dumps(repaired, ensure_ascii=False)


def _repair_nested(value: Any, schema: Mapping[str, Any]) -> Any:
    """Replace JSON-string values by their decoded object/array where the schema asks for one."""
    kinds = _type_set(schema)
    if isinstance(value, str) and kinds & {"object", "array"} and "string" not in kinds:
        decoded: Any = _maybe_json(value)
        if isinstance(decoded, dict | list):
            value = cast(Any, decoded)
    as_dict = _as_dict(value)
    props = _as_dict(schema.get("properties"))
    if as_dict is not None and props is not None:
        out: dict[str, Any] = {}
        changed = False
        for key, item in as_dict.items():
            sub = _as_dict(props.get(key))
            new: Any = _repair_nested(item, sub) if sub is not None else item
            changed = changed or new is not item
            out[key] = new
        return out if changed else value
    as_list = _as_list(value)
    items = _as_dict(schema.get("items"))
    if as_list is not None and items is not None:
        new_list: list[Any] = [_repair_nested(v, items) for v in as_list]
        if any(a is not b for a, b in zip(new_list, as_list, strict=True)):
            return new_list
    return value


def _parameters_by_name(tools: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    out: dict[str, Mapping[str, Any]] = {}
    for spec in tools:
        fn = _as_dict(spec.get("function", spec)) or {}
        name: object = fn.get("name")
        if isinstance(name, str):
            out[name] = _as_dict(fn.get("parameters")) or {}
    return out


def repair_calls(calls: Sequence[ToolCall], tools: Sequence[Mapping[str, Any]]) -> list[ToolCall]:
    """Calls with decoded arguments (see :func:`decode_arguments`) and a non-empty id each."""
    params = _parameters_by_name(tools)
    out: list[ToolCall] = []
    for call in calls:
        arguments = decode_arguments(call.arguments, params.get(call.name))
        out.append(ToolCall(id=call.id or new_call_id(), name=call.name.strip(), arguments=arguments))
    return out


def enforce_single_call(calls: list[ToolCall], parallel_tool_calls: bool) -> list[ToolCall]:
    """Keep only the first call when the caller asked for at most one."""
    return calls if parallel_tool_calls or len(calls) <= 1 else calls[:1]


_OPEN_TAGS = re.compile(r"<tool_call>|\[TOOL_CALLS\]|<\|python_tag\|>|<function=")


def looks_like_truncated_call(text: str | None, finish_reason: str | None) -> bool:
    """True when generation hit the token limit in the middle of a tool call."""
    if not text or finish_reason != "length":
        return False
    if _OPEN_TAGS.search(text):
        return True
    stripped = text.lstrip()
    return stripped.startswith("{") and '"name"' in stripped[:200]


def text_stream_parser(parser: str | Sequence[str]) -> Any:
    """A streaming parser for the first configured format, or None without parsers."""
    first = parser if isinstance(parser, str) else (parser[0] if parser else "auto")
    name = DEFAULT_PARSERS[0] if first == "auto" else first
    try:
        from agentfn.parsers import available_parsers, get_parser
    except ImportError:
        return None
    if name not in available_parsers():
        return None
    # Announce calls only once complete, so a malformed call never has to be withdrawn.
    return get_parser(name).streaming(incremental_arguments=False)


def text_events(deltas: Sequence[Any], calls: list[ToolCall]) -> list[StreamEvent]:
    """Stream events for parse deltas of the text: text stays text, finished calls become deltas."""
    events: list[StreamEvent] = []
    for d in deltas:
        if d.kind == "text" and d.text:
            events.append(TextDelta(text=d.text))
        elif d.kind == "tool_call_start":
            index = int(d.index or 0)
            calls.append(ToolCall(id=d.id or new_call_id(), name=d.name or ""))
            events.append(ToolCallDelta(index=index, id=d.id, name=d.name))
        elif d.kind == "tool_call_arguments" and d.text:
            events.append(ToolCallDelta(index=int(d.index or 0), arguments=d.text))
    return events
