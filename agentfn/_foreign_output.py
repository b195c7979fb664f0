"""The output schema a foreign tool definition declares, as JSON Schema.

``Tool.from_schema`` keeps it as ``tool.return_schema``, the way ``@tool``
keeps a return annotation. Where formats put it, most specific first: MCP's
``outputSchema``, ``output_schema``/``return_schema``, dataset fields
``returns``/``output_parameters``/``output``/``response_schema``/``response``
(a schema, a bare property map, a type name such as ``List[str]``, or only a
description), and OpenAPI ``responses`` (the first 2xx, then ``default``; JSON
content first; Swagger 2's ``schema`` too). Schemas are normalised in the same
loose dialect as parameters (:mod:`agentfn._foreign`). One that cannot be
understood is dropped with a warning, never an error: the tool stays usable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, cast

from agentfn._foreign import loose_type_schema, normalize_loose_schema
from agentfn.exceptions import ToolSchemaError

__all__ = ["output_schema"]

_OUTPUT_KEYS = ("outputSchema", "output_schema", "return_schema", "returns", "output_parameters", "output",
                "response_schema", "response", "responses")
_SCHEMA_KEYS = {"type", "properties", "items", "anyOf", "oneOf", "allOf", "$ref", "enum", "const", "description",
                "title", "additionalProperties", "$defs", "definitions", "format"}
_STATUS = re.compile(r"[1-5](\d\d|XX)|default")
_SUCCESS = re.compile(r"2(\d\d|XX)")


def output_schema(spec: Mapping[str, Any], warnings: list[str] | None = None) -> dict[str, Any] | None:
    """The output schema ``spec`` declares (either OpenAI envelope, or an MCP tool), normalised; None if none."""
    notes = warnings if warnings is not None else []
    body: Mapping[str, Any] = spec
    if isinstance(spec.get("function"), Mapping):
        body = cast(Mapping[str, Any], spec["function"])
    for key in _OUTPUT_KEYS:
        raw: Any = body.get(key)
        if raw is None or raw == {} or raw == "":
            continue
        where = f"output schema ({key})"
        if key == "responses" or (key == "response" and isinstance(raw, Mapping)
                                  and any(_STATUS.fullmatch(str(k)) for k in cast(Mapping[str, Any], raw))):
            raw = _openapi_response_schema(cast(Mapping[str, Any], raw))
            if raw is None:
                continue
        schema = _loose_output(raw, where, notes)
        if schema is not None:
            return schema
    return None


def _openapi_response_schema(responses: Mapping[str, Any]) -> Any:
    codes = sorted((str(k) for k in responses if _SUCCESS.fullmatch(str(k))), key=lambda c: c.replace("X", "9"))
    for code in [*codes, "default"]:
        resp = responses.get(code)
        if not isinstance(resp, Mapping):
            continue
        resp = cast(Mapping[str, Any], resp)
        content = resp.get("content")
        if isinstance(content, Mapping):
            media = cast(Mapping[str, Any], content)
            for mime in sorted(media, key=lambda m: (not str(m).startswith("application/json"), "json" not in str(m), str(m))):
                entry = media[mime]
                if isinstance(entry, Mapping) and isinstance(cast(Mapping[str, Any], entry).get("schema"), Mapping):
                    schema = dict(cast(Mapping[str, Any], entry)["schema"])
                    if resp.get("description") and "description" not in schema:
                        schema["description"] = str(resp["description"])
                    return schema
        if isinstance(resp.get("schema"), Mapping):  # Swagger 2
            return dict(cast(Mapping[str, Any], resp["schema"]))
    return None


def _loose_output(raw: Any, where: str, warnings: list[str]) -> dict[str, Any] | None:
    if isinstance(raw, str):
        typed = loose_type_schema(raw, where, warnings)
        return typed if typed is not None else {"description": raw.strip()}  # prose: "the weather report"
    if not isinstance(raw, Mapping):
        warnings.append(f"{where}: {str(raw)[:60]!r} is not a schema; ignored")
        return None
    node = dict(cast(Mapping[str, Any], raw))
    if not (node.keys() & _SCHEMA_KEYS) and all(isinstance(v, Mapping) for v in node.values()):
        warnings.append(f"{where}: a bare property map; wrapped in an object schema")
        node = {"type": "object", "properties": node}
    elif "properties" in node and "type" not in node:
        node["type"] = "object"
    try:
        return normalize_loose_schema(node, where, warnings)
    except (ToolSchemaError, TypeError, ValueError) as exc:
        warnings.append(f"{where}: not understood ({exc}); ignored")
        return None
