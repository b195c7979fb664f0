"""Structural compatibility of JSON Schemas: can a value of one schema feed a parameter of another?

Part of :mod:`agentfn.compose` (owned with it); used to refuse a chain or a plan before anything runs.
The check is conservative where it can be (a produced ``str`` does not satisfy a
``Literal``; a nullable result does not satisfy a required non-null parameter)
and permissive where it cannot know (an empty schema, a ``$ref`` left for a
recursive model, a tool without a return annotation).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

__all__ = ["schema_at", "schema_problems"]

Schema = Mapping[str, Any]


def _variants(schema: Schema) -> list[Schema] | None:
    for key in ("anyOf", "oneOf"):
        value = schema.get(key)
        if isinstance(value, list):
            return [cast(Schema, v) for v in cast(list[Any], value) if isinstance(v, Mapping)]
    return None


def _types(schema: Schema) -> set[str] | None:
    kind = schema.get("type")
    if isinstance(kind, str):
        return {kind}
    if isinstance(kind, list):
        return {str(k) for k in cast(list[Any], kind)}
    values = _enum(schema)
    if values is not None:
        return {_json_type(v) for v in values}
    return None


def _enum(schema: Schema) -> list[Any] | None:
    if "const" in schema:
        return [schema["const"]]
    values = schema.get("enum")
    return list(cast(list[Any], values)) if isinstance(values, list) else None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _describe(schema: Schema) -> str:
    values = _enum(schema)
    if values is not None:
        return "one of " + ", ".join(repr(v) for v in values[:8])
    variants = _variants(schema)
    if variants is not None:
        return " | ".join(_describe(v) for v in variants)
    kinds = _types(schema)
    return "/".join(sorted(kinds)) if kinds else "any"


def _opaque(schema: Schema) -> bool:
    """Nothing checkable: empty, a bare reference, or only annotations."""
    return not schema or "$ref" in schema or not any(
        k in schema for k in ("type", "enum", "const", "anyOf", "oneOf", "allOf", "properties", "items")
    )


def schema_problems(produced: Schema | None, accepted: Schema | None, where: str = "value") -> list[str]:
    """Why a value matching ``produced`` might not match ``accepted`` (empty list: compatible)."""
    if produced is None or accepted is None or _opaque(produced) or _opaque(accepted):
        return []
    accepted_variants = _variants(accepted)
    if accepted_variants is not None:
        if any(not schema_problems(produced, v, where) for v in accepted_variants):
            return []
        produced_variants = _variants(produced)
        if produced_variants is not None and all(
            any(not schema_problems(pv, av, where) for av in accepted_variants) for pv in produced_variants
        ):
            return []
        return [f"{where}: produces {_describe(produced)}, expected {_describe(accepted)}"]
    produced_variants = _variants(produced)
    if produced_variants is not None:
        problems: list[str] = []
        for variant in produced_variants:
            problems.extend(schema_problems(variant, accepted, where))
        return problems
    for key in ("allOf",):
        if isinstance(accepted.get(key), list):
            return [p for s in cast(list[Schema], accepted[key]) for p in schema_problems(produced, s, where)]
        if isinstance(produced.get(key), list):
            return []  # an intersection is at least as narrow as any part; cannot say more cheaply
    accepted_enum = _enum(accepted)
    if accepted_enum is not None:
        produced_enum = _enum(produced)
        if produced_enum is None or any(v not in accepted_enum for v in produced_enum):
            return [f"{where}: produces {_describe(produced)}, expected {_describe(accepted)}"]
        return []
    p_types, a_types = _types(produced), _types(accepted)
    if p_types is None or a_types is None:
        return []
    for kind in p_types:
        if kind not in a_types and not (kind == "integer" and "number" in a_types):
            return [f"{where}: produces {_describe(produced)}, expected {_describe(accepted)}"]
    problems = []
    if "object" in p_types and "object" in a_types:
        problems.extend(_object_problems(produced, accepted, where))
    if "array" in p_types and "array" in a_types:
        p_items, a_items = produced.get("items"), accepted.get("items")
        if isinstance(p_items, Mapping) and isinstance(a_items, Mapping):
            problems.extend(schema_problems(cast(Schema, p_items), cast(Schema, a_items), f"{where}[]"))
    return problems


def _object_problems(produced: Schema, accepted: Schema, where: str) -> list[str]:
    p_props = cast(Mapping[str, Schema], produced.get("properties") or {})
    a_props = cast(Mapping[str, Schema], accepted.get("properties") or {})
    if not a_props:
        extra = accepted.get("additionalProperties")
        if isinstance(extra, Mapping) and p_props:
            return [p for n, s in p_props.items() for p in schema_problems(s, cast(Schema, extra), f"{where}.{n}")]
        return []
    if not p_props:
        return []  # a free-form mapping: cannot tell statically
    p_required = set(cast(Sequence[str], produced.get("required") or []))
    problems: list[str] = []
    for name in cast(Sequence[str], accepted.get("required") or []):
        if name not in p_props:
            problems.append(f"{where}: has no field {name!r}, which is required")
        elif name not in p_required:
            problems.append(f"{where}.{name}: may be missing, but is required")
    if accepted.get("additionalProperties") is False:
        problems.extend(f"{where}: field {n!r} is not accepted" for n in p_props if n not in a_props)
    for name, schema in p_props.items():
        if name in a_props:
            problems.extend(schema_problems(schema, a_props[name], f"{where}.{name}"))
    return problems


def schema_at(schema: Schema | None, path: Sequence[str]) -> tuple[Schema | None, str | None]:
    """The sub-schema at a dotted path (``items.0.name``): ``(schema, None)`` or ``(None, problem)``.

    ``(None, None)`` means unknown (no schema, or a free-form value): not checkable.
    """
    current = schema
    for i, segment in enumerate(path):
        if current is None or _opaque(current):
            return None, None
        where = ".".join(path[: i + 1])
        variants = _variants(current)
        if variants is not None:
            found = [s for s in (schema_at(v, path[i:]) for v in variants) if s[0] is not None]
            if found:
                if len(found) == 1:
                    return found[0]
                return {"anyOf": [f[0] for f in found]}, None
            unknown = [v for v in variants if schema_at(v, path[i:]) == (None, None)]
            return (None, None) if unknown else (None, f"no field {where!r} in the result")
        kinds = _types(current) or set()
        props = current.get("properties")
        if isinstance(props, Mapping) and segment in props:
            current = cast(Schema, cast(Mapping[str, Any], props)[segment])
            continue
        if "array" in kinds and segment.isdigit():
            prefix = current.get("prefixItems")
            if isinstance(prefix, list) and int(segment) < len(cast(list[Any], prefix)):
                current = cast(Schema, cast(list[Any], prefix)[int(segment)])
            else:
                items = current.get("items")
                current = cast(Schema, items) if isinstance(items, Mapping) else None
            continue
        extra = current.get("additionalProperties")
        if "object" in kinds and isinstance(extra, Mapping):
            current = cast(Schema, extra)
            continue
        if "object" in kinds and not props and extra is not False:
            return None, None  # free-form object
        return None, f"no field {where!r} in the result ({_describe(current)})"
    return current, None
