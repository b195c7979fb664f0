"""Tool return schemas as MCP ``outputSchema``, and back.

MCP requires an ``outputSchema`` (and the ``structuredContent`` that matches it)
to be a JSON object. A tool that returns an object is listed with its return
schema as it is; any other return type (``int``, ``str``, ``list[...]``, an
optional...) is wrapped the way the MCP SDK's own server wraps it::

    {"type": "object", "properties": {"result": <return schema>}, "required": ["result"],
     "x-agentfn-wrap-result": true}

and its value travels as ``{"result": value}``. Reading a server's tools, the
wrapper is recognised by that marker, by FastMCP's ``x-fastmcp-wrap-result``, or
by the SDK ``MCPServer``'s shape (a lone required ``result`` property in a schema
titled ``<tool name>Output``); the tool's ``return_schema`` is then the inner
schema and its calls return the inner value, exactly as for a local ``@tool``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

__all__ = ["WRAP_MARKER", "output_schema", "return_schema_from_output", "unwrap_result", "wrap_result"]

WRAP_MARKER = "x-agentfn-wrap-result"
_MARKERS = (WRAP_MARKER, "x-fastmcp-wrap-result")


def output_schema(return_schema: Mapping[str, Any] | None) -> tuple[dict[str, Any] | None, bool]:
    """The ``outputSchema`` to list for a tool's return schema, and whether values are wrapped."""
    if return_schema is None:
        return None, False
    if return_schema.get("type") == "object":
        return dict(return_schema), False
    inner = dict(return_schema)
    defs = inner.pop("$defs", None)  # references resolve from the document root
    wrapped: dict[str, Any] = {
        "type": "object",
        "properties": {"result": inner},
        "required": ["result"],
        WRAP_MARKER: True,
    }
    if defs is not None:
        wrapped["$defs"] = defs
    return wrapped, True


def wrap_result(value: Any, wrapped: bool) -> dict[str, Any]:
    """``structuredContent`` for a JSON-able value."""
    return {"result": value} if wrapped else cast(dict[str, Any], value)


def return_schema_from_output(
    schema: Mapping[str, Any] | None, tool_name: str
) -> tuple[dict[str, Any] | None, bool]:
    """A server tool's return schema (the ``outputSchema`` unwrapped when it is a wrapper) and whether it was."""
    if schema is None:
        return None, False
    properties = schema.get("properties")
    lone_result = (
        isinstance(properties, Mapping)
        and list(cast(Mapping[str, Any], properties)) == ["result"]
        and list(schema.get("required") or []) == ["result"]
    )
    marked = any(schema.get(m) is True for m in _MARKERS)
    sdk_shape = lone_result and schema.get("title") == f"{tool_name}Output"
    if not (lone_result and (marked or sdk_shape)):
        return dict(schema), False
    inner = dict(cast(Mapping[str, Any], cast(Mapping[str, Any], properties)["result"]))
    if inner.get("title") == "Result":  # the SDK's field title: noise, as @tool's schemas carry no titles
        del inner["title"]
    if "$defs" in schema:
        inner["$defs"] = schema["$defs"]
    return inner, True


def unwrap_result(structured: Any, wrapped: bool) -> Any:
    """The value a tool returned, from its ``structuredContent``."""
    if wrapped and isinstance(structured, Mapping):
        fields = cast(Mapping[str, Any], structured)
        if "result" in fields:
            return fields["result"]
    return cast(Any, structured)
