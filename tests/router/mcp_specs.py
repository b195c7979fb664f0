"""MCP tool definitions for router tests: ``inputSchema`` and ``outputSchema`` from plain dicts.

:func:`mcp_tool` builds one tool (every input required unless ``required`` says
otherwise); :func:`records` is a list of objects with the given fields (an
output such as ``{"items": records(item_id=S)}``). ``S``/``N``/``INT`` are JSON types.
"""

from __future__ import annotations

from typing import Any

S: dict[str, Any] = {"type": "string"}
N: dict[str, Any] = {"type": "number"}
INT: dict[str, Any] = {"type": "integer"}


def mcp_tool(name: str, desc: str, params: dict[str, Any], out: dict[str, Any],
             required: list[str] | None = None) -> dict[str, Any]:
    return {"name": name, "description": desc,
            "inputSchema": {"type": "object", "properties": params, "required": list(params) if required is None else required},
            "outputSchema": {"type": "object", "properties": out}}


def records(**props: Any) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "object", "properties": props}}
