"""JSON schemas that constrained decoding enforces: the call envelope and bounded output.

When a call is required (``tool_choice="required"`` or a tool name), a backend that can
constrain decoding generates exactly one JSON object ``{"name": ..., "arguments": {...}}``
matching one offered tool. A JSON-schema constraint does not bound length: greedy decoding of
a small model can repeat list items or string characters until the token limit. So the schemas
are *bounded* first (``maxLength``/``maxItems`` where the author gave none) and backends also
disable free whitespace and cap new tokens.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any, cast

from agentfn.exceptions import ConfigError

__all__ = [
    "DEFAULT_MAX_ITEMS",
    "DEFAULT_MAX_STRING_LENGTH",
    "bounded_schema",
    "call_envelope_schema",
    "forced_tools",
    "is_call_forced",
]

DEFAULT_MAX_STRING_LENGTH = 200
DEFAULT_MAX_ITEMS = 16


def is_call_forced(tool_choice: str) -> bool:
    """True for ``required`` and for a tool name."""
    return tool_choice not in ("auto", "none")


def _function(spec: Mapping[str, Any]) -> Mapping[str, Any]:
    fn = spec.get("function")
    return cast("Mapping[str, Any]", fn) if isinstance(fn, Mapping) else spec


def forced_tools(tools: Sequence[Mapping[str, Any]], tool_choice: str) -> list[Mapping[str, Any]]:
    """The tool specs a forced call may use: all for ``required``, one for a tool name.

    Raises:
        ConfigError: the named tool is not offered, or no tools are offered.
    """
    if not tools:
        raise ConfigError(f"tool_choice={tool_choice!r} needs at least one tool")
    if tool_choice == "required":
        return list(tools)
    chosen = [t for t in tools if _function(t).get("name") == tool_choice]
    if not chosen:
        names = ", ".join(str(_function(t).get("name")) for t in tools)
        raise ConfigError(f"tool_choice names {tool_choice!r}, which is not among the offered tools ({names})")
    return chosen


def call_envelope_schema(
    tools: Sequence[Mapping[str, Any]],
    *,
    max_string_length: int | None = DEFAULT_MAX_STRING_LENGTH,
    max_items: int | None = DEFAULT_MAX_ITEMS,
) -> dict[str, Any]:
    """The schema of one call to one of ``tools``: ``{"name": const, "arguments": parameters}``.

    ``anyOf`` over the tools when there are several; the arguments schemas are bounded with
    :func:`bounded_schema` unless both bounds are None.
    """
    options: list[dict[str, Any]] = []
    for spec in tools:
        fn = _function(spec)
        params: Any = fn.get("parameters") or {"type": "object", "properties": {}}
        params = bounded_schema(params, max_string_length=max_string_length, max_items=max_items)
        options.append(
            {
                "type": "object",
                "properties": {"name": {"type": "string", "const": fn["name"]}, "arguments": params},
                "required": ["name", "arguments"],
                "additionalProperties": False,
            }
        )
    if not options:
        raise ConfigError("a call envelope needs at least one tool")
    return options[0] if len(options) == 1 else {"anyOf": options}


# xgrammar ignores maxLength next to a pattern, so a pattern must carry its own bound ({m,n}).
_STRING_BOUNDED_BY = ("maxLength", "enum", "const", "format", "pattern")
_ARRAY_BOUNDED_BY = ("maxItems", "enum", "const", "prefixItems")


def bounded_schema(
    schema: Any,
    *,
    max_string_length: int | None = DEFAULT_MAX_STRING_LENGTH,
    max_items: int | None = DEFAULT_MAX_ITEMS,
) -> Any:
    """A copy of ``schema`` in which every string has a ``maxLength`` and every array a ``maxItems``
    (an array of choices, ``items`` with an ``enum``, at most as many items as choices: each once).

    Bounds the author already set are kept. Only adds constraints, so anything valid under
    the bounded schema is valid under the original.
    """
    result = copy.deepcopy(schema)
    _bound(result, max_string_length, max_items)
    return result


def _bound(node: Any, max_len: int | None, max_items: int | None) -> None:
    if isinstance(node, list):
        for item in cast("list[Any]", node):
            _bound(item, max_len, max_items)
        return
    if not isinstance(node, dict):
        return
    schema = cast("dict[str, Any]", node)
    types: object = schema.get("type")
    type_set = {str(t) for t in cast("list[Any]", types)} if isinstance(types, list) else {str(types)}
    if max_len is not None and "string" in type_set and not any(k in schema for k in _STRING_BOUNDED_BY):
        minimum = schema.get("minLength", 0)
        schema["maxLength"] = max(max_len, minimum if isinstance(minimum, int) else 0)
    if max_items is not None and "array" in type_set and not any(k in schema for k in _ARRAY_BOUNDED_BY):
        minimum = schema.get("minItems", 0)
        items: Any = schema.get("items")
        choices: Any = cast("dict[str, Any]", items).get("enum") if isinstance(items, dict) else None
        cap = min(max_items, len(cast("list[Any]", choices))) if isinstance(choices, list) and choices else max_items
        schema["maxItems"] = max(cap, minimum if isinstance(minimum, int) else 0)  # a list of choices: each once
    for key, value in schema.items():
        if key in ("properties", "$defs", "definitions", "patternProperties"):
            if isinstance(value, dict):
                for sub in cast("dict[str, Any]", value).values():
                    _bound(sub, max_len, max_items)
        elif key in ("items", "additionalProperties", "anyOf", "oneOf", "allOf", "prefixItems", "not"):
            _bound(value, max_len, max_items)
