"""Lossless repairs of the argument mistakes small models make most.

Only repairs that cannot change meaning are applied; everything else is left
for validation to report back to the model.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Mapping
from typing import Any, cast

from agentfn.exceptions import ToolArgumentError

__all__ = ["coerce_to_schema", "decode_arguments", "repair_arguments"]

_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
# The spellings pydantic's lax mode reads as booleans, so both validation paths agree.
_BOOLEANS = {"true": True, "false": False, "yes": True, "no": False, "on": True, "off": False,
             "1": True, "0": False, "t": True, "f": False, "y": True, "n": False}
_WRAPPERS = ("arguments", "parameters", "args", "input", "kwargs")


def decode_arguments(tool_name: str, arguments: str | bytes | Mapping[str, Any] | None) -> dict[str, Any]:
    """Arguments as a dict, unwrapping double-encoded JSON once."""
    if arguments is None or arguments == "" or arguments == b"":
        return {}
    if isinstance(arguments, Mapping):
        return dict(arguments)
    try:
        value: Any = json.loads(arguments)
    except ValueError as exc:
        raise ToolArgumentError(
            tool_name, [{"loc": "", "msg": f"arguments are not valid JSON ({exc})", "input": str(arguments)[:200]}]
        ) from None
    if isinstance(value, str):
        # A small model's favourite mistake: the JSON object sent as a JSON string.
        with contextlib.suppress(ValueError):
            value = json.loads(value)
    if not isinstance(value, dict):
        raise ToolArgumentError(
            tool_name,
            [{"loc": "", "msg": f"arguments must be a JSON object, got {type(value).__name__}", "input": value}],
        )
    return cast(dict[str, Any], value)



def repair_arguments(data: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any] | None:
    """Return repaired arguments, or None when there is nothing to repair.

    Repairs: a call envelope (``{"name": ..., "arguments": {...}}``) or a lone
    ``{"arguments": {...}}`` wrapper around the real arguments (the inner
    object may itself be JSON text); ``null`` sent for an optional parameter
    or field that does not accept null (its default applies); objects and
    arrays sent as JSON strings; numbers and booleans sent as strings.
    """
    current = _unwrap(data, schema)
    fixed = coerce_to_schema(current, schema, defs=schema.get("$defs"))
    return cast(dict[str, Any], fixed) if fixed != data else None


def _unwrap(data: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = schema.get("properties", {})
    for key in _WRAPPERS:
        if key in props or key not in data or not set(data) <= {key, "name", "type", "id"}:
            continue
        inner = data[key]
        if isinstance(inner, str):
            try:
                inner = json.loads(inner)
            except ValueError:
                continue
        if isinstance(inner, dict):
            return cast(dict[str, Any], inner)
    return data


def _types(prop: dict[str, Any]) -> set[str]:
    kind = prop.get("type")
    if isinstance(kind, str):
        return {kind}
    if isinstance(kind, list):
        return {str(k) for k in cast(list[Any], kind)}
    out: set[str] = set()
    for key in ("anyOf", "oneOf"):
        for variant in prop.get(key, []):
            if isinstance(variant, dict):
                out |= _types(cast(dict[str, Any], variant))
    return out


def _accepts_null(prop: dict[str, Any]) -> bool:
    types = _types(prop)
    return not types or "null" in types


def _only_variant(prop: dict[str, Any], kind: str, defs: dict[str, Any] | None = None) -> dict[str, Any] | None:
    found: list[dict[str, Any]] = []
    for key in ("anyOf", "oneOf"):
        for variant in prop.get(key, []):
            if not isinstance(variant, dict):
                continue
            option = cast(dict[str, Any], variant)
            ref = option.get("$ref")
            if defs and isinstance(ref, str) and ref.startswith("#/$defs/") and isinstance(defs.get(ref[8:]), dict):
                option = cast(dict[str, Any], defs[ref[8:]])
            if kind in _types(option):
                found.append(option)
    return found[0] if len(found) == 1 else None


def coerce_to_schema(value: Any, prop: dict[str, Any], defs: dict[str, Any] | None = None) -> Any:
    """Convert string-typed scalars and JSON-string containers where lossless.

    Args:
        value: the value the model sent.
        prop: its schema.
        defs: the root ``$defs``, to follow (recursive) ``#/$defs/...`` references.
    """
    ref = prop.get("$ref")
    if defs and isinstance(ref, str) and ref.startswith("#/$defs/") and isinstance(defs.get(ref[8:]), dict):
        prop = {**cast(dict[str, Any], defs[ref[8:]]), **{k: v for k, v in prop.items() if k != "$ref"}}
    types = _types(prop)
    if isinstance(value, str):
        if "string" in types or not types:
            return value
        text = value.strip()
        if "integer" in types and _INT.match(text):
            return int(text)
        if types & {"integer", "number"} and _FLOAT.match(text):
            number = float(text)
            if "integer" in types and number.is_integer() and math.isfinite(number):
                return int(number)
            if "number" in types and math.isfinite(number):
                return number
            return value
        if "boolean" in types and text.lower() in _BOOLEANS:
            return _BOOLEANS[text.lower()]
        if types & {"object", "array"} and text[:1] in "{[":
            try:
                decoded = json.loads(text)
            except ValueError:
                return value
            return coerce_to_schema(decoded, prop, defs)
        return value
    if isinstance(value, dict | list):
        # Inside a union, repair against the one variant of the matching kind (if unambiguous).
        variant = _only_variant(prop, "object" if isinstance(value, dict) else "array", defs)
        if variant is not None:
            prop = variant
    if isinstance(value, dict) and ("object" in types or "properties" in prop):
        props: dict[str, Any] = prop.get("properties", {})
        extra = prop.get("additionalProperties")
        required = set(cast(list[str], prop.get("required", [])))
        obj = cast(dict[str, Any], value)
        out: dict[str, Any] = {}
        for k, v in obj.items():
            sub = props.get(k)
            if sub is None and isinstance(extra, dict):
                sub = cast(dict[str, Any], extra)
            if v is None and k in props and k not in required and not _accepts_null(props[k]):
                continue  # the default applies
            out[k] = coerce_to_schema(v, cast(dict[str, Any], sub), defs) if isinstance(sub, dict) else v
        return out
    if isinstance(value, list) and "array" in types and isinstance(prop.get("items"), dict):
        return [coerce_to_schema(v, prop["items"], defs) for v in cast(list[Any], value)]
    return cast(Any, value)
