"""Lossless repairs of the argument mistakes small models make most.

Only repairs that cannot change meaning are applied; everything else is left
for validation to report back to the model.
"""

from __future__ import annotations

import json
import re
from typing import Any, cast

__all__ = ["coerce_to_schema", "repair_arguments"]

_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_WRAPPERS = ("arguments", "parameters", "args", "input", "kwargs")


def repair_arguments(data: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any] | None:
    """Return repaired arguments, or None when there is nothing to repair.

    Repairs: a call envelope (``{"name": ..., "arguments": {...}}``) or a lone
    ``{"arguments": {...}}`` wrapper around the real arguments; ``null`` sent
    for an optional parameter that does not accept null; objects and arrays
    sent as JSON strings; numbers and booleans sent as strings.
    """
    props: dict[str, Any] = schema.get("properties", {})
    current = data
    for key in _WRAPPERS:
        inner = current.get(key)
        if key not in props and isinstance(inner, dict) and set(current) <= {key, "name"}:
            current = cast(dict[str, Any], inner)
            break
    required = set(schema.get("required", []))
    fixed: dict[str, Any] = {}
    for key, value in current.items():
        prop = props.get(key)
        if value is None and key not in required and prop is not None and not _accepts_null(prop):
            continue  # the default applies
        fixed[key] = coerce_to_schema(value, prop) if prop is not None else value
    return fixed if fixed != data else None


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


def coerce_to_schema(value: Any, prop: dict[str, Any]) -> Any:
    """Convert string-typed scalars and JSON-string containers where lossless."""
    types = _types(prop)
    if isinstance(value, str):
        if "string" in types or not types:
            return value
        text = value.strip()
        if "integer" in types and _INT.match(text):
            return int(text)
        if "number" in types and _FLOAT.match(text):
            number = float(text)
            return int(number) if number.is_integer() and "integer" in types else number
        if "boolean" in types and text.lower() in ("true", "false"):
            return text.lower() == "true"
        if types & {"object", "array"} and text[:1] in "{[":
            try:
                decoded = json.loads(text)
            except ValueError:
                return value
            return coerce_to_schema(decoded, prop)
        return value
    if isinstance(value, dict) and "object" in types:
        props: dict[str, Any] = prop.get("properties", {})
        obj = cast(dict[str, Any], value)
        return {k: coerce_to_schema(v, props[k]) if k in props else v for k, v in obj.items()}
    if isinstance(value, list) and "array" in types and isinstance(prop.get("items"), dict):
        return [coerce_to_schema(v, prop["items"]) for v in cast(list[Any], value)]
    return value
