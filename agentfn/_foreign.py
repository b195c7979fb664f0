"""Read tool definitions written by others, in the loose dialect found in the wild.

Definitions scraped from plugin stores, agent frameworks and datasets use type
names like ``dict``, ``float``, ``tuple`` or ``any``, Python-style types such
as ``Optional[str]`` or ``List[int]``, defaults that violate their own type,
``required`` lists naming missing properties and names with dots. Each is
normalised into standard JSON Schema with a recorded warning. Only what cannot
be understood at all (no name, parameters that are not an object schema) is
rejected, with a :class:`~agentfn.exceptions.ToolSchemaError`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import jsonschema

from agentfn._repair import repair_arguments
from agentfn.exceptions import ToolArgumentError, ToolSchemaError

__all__ = ["NormalizedSpec", "normalize_spec"]

_TYPE_ALIASES: dict[str, str | None] = {
    "string": "string", "str": "string", "text": "string", "char": "string", "varchar": "string",
    "uri": "string", "url": "string", "email": "string", "path": "string", "enum": "string",
    "integer": "integer", "int": "integer", "long": "integer", "int32": "integer", "int64": "integer",
    "uint": "integer", "short": "integer", "bigint": "integer",
    "number": "number", "float": "number", "double": "number", "decimal": "number", "numeric": "number",
    "real": "number", "float32": "number", "float64": "number",
    "boolean": "boolean", "bool": "boolean",
    "object": "object", "dict": "object", "map": "object", "hash": "object", "hashmap": "object",
    "record": "object", "struct": "object", "json": "object", "mapping": "object",
    "array": "array", "list": "array", "tuple": "array", "set": "array", "sequence": "array",
    "iterable": "array", "vector": "array",
    "null": "null", "none": "null", "nonetype": "null", "nil": "null",
    "any": None, "mixed": None, "unknown": None, "object?": None, "*": None,
}
_FORMATS = {"date": "date", "datetime": "date-time", "date-time": "date-time", "time": "time",
            "uuid": "uuid", "email": "email", "uri": "uri", "url": "uri"}
_GENERIC = re.compile(r"^(\w+)\s*\[\s*(.*)\s*\]$")
_NAME_BAD = re.compile(r"[^a-zA-Z0-9_-]")
_PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,),
    "object": (dict,), "array": (list,), "null": (type(None),),
}


@dataclass
class NormalizedSpec:
    name: str
    original_name: str
    description: str
    parameters: dict[str, Any]
    warnings: list[str] = field(default_factory=list[str])

    def make_validator(self) -> Callable[[Any], dict[str, Any]]:
        """A validator over the normalised schema with the same repairs as typed tools."""
        from agentfn.tool import _decode_object  # pyright: ignore[reportPrivateUsage]

        schema = self.parameters
        try:
            validator_cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
            validator = validator_cls(schema, format_checker=None)
        except jsonschema.SchemaError as exc:  # pragma: no cover - normalisation prevents this
            raise ToolSchemaError(f"tool {self.name!r}: invalid schema: {exc.message}") from exc
        name = self.name

        def validate(arguments: Any) -> dict[str, Any]:
            data = _decode_object(name, arguments)
            errors = list(validator.iter_errors(data))  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
            if errors:
                repaired = repair_arguments(data, schema)
                if repaired is not None:
                    data = repaired
                    errors = list(validator.iter_errors(data))  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
            if errors:
                raise ToolArgumentError(
                    name,
                    [
                        {"loc": ".".join(str(p) for p in e.absolute_path), "msg": e.message, "input": e.instance}  # pyright: ignore[reportUnknownMemberType]
                        for e in errors  # pyright: ignore[reportUnknownVariableType]
                    ],
                )
            return _apply_defaults(data, schema)

        return validate


def _apply_defaults(data: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    for key, prop in schema.get("properties", {}).items():
        if key not in out and isinstance(prop, dict) and "default" in prop:
            out[key] = copy.deepcopy(cast(dict[str, Any], prop)["default"])
    return out


def normalize_spec(spec: Mapping[str, Any]) -> NormalizedSpec:
    """Normalise an OpenAI-style tool definition (either envelope).

    Raises:
        ToolSchemaError: no usable name, or parameters that are not an object schema.
    """
    if not isinstance(spec, Mapping):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise ToolSchemaError(f"a tool definition must be an object, got {type(spec).__name__}")
    body: Mapping[str, Any] = spec
    if isinstance(spec.get("function"), Mapping):
        body = cast(Mapping[str, Any], spec["function"])
    warnings: list[str] = []
    raw_name = body.get("name")
    if not isinstance(raw_name, str) or not raw_name.strip():
        raise ToolSchemaError(f"tool definition has no name: {_preview(spec)}")
    name = _NAME_BAD.sub("_", raw_name.strip())[:64]
    if name != raw_name:
        warnings.append(f"name {raw_name!r} normalised to {name!r}")
    description = body.get("description") or ""
    if not isinstance(description, str):
        warnings.append("description was not a string; converted")
        description = str(description)
    params: Any = body.get("parameters", body.get("input_schema", body.get("inputSchema")))
    if params is None:
        params = {"type": "object", "properties": {}}
    if not isinstance(params, Mapping):
        raise ToolSchemaError(f"tool {raw_name!r}: parameters must be an object schema, got {type(params).__name__}")
    params = copy.deepcopy(dict(cast(Mapping[str, Any], params)))
    if "properties" not in params and "type" not in params and params and all(
        isinstance(v, Mapping) for v in params.values()
    ):
        warnings.append("parameters were a bare property map; wrapped in an object schema")
        params = {"type": "object", "properties": params}
    if params.get("type") not in (None, "object") and _alias(params.get("type")) != "object":
        raise ToolSchemaError(f"tool {raw_name!r}: parameters must describe an object, got type {params.get('type')!r}")
    params["type"] = "object"
    parameters = _normalize_node(params, "parameters", warnings)
    props: dict[str, Any] = parameters.setdefault("properties", {})
    required = parameters.get("required")
    if required is not None:
        if not isinstance(required, list):
            warnings.append("required was not a list; ignored")
            parameters.pop("required")
        else:
            kept = [r for r in cast(list[Any], required) if isinstance(r, str) and r in props]
            dropped = [r for r in cast(list[Any], required) if r not in kept]
            if dropped:
                warnings.append(f"required names unknown properties {dropped}; dropped")
            parameters["required"] = list(dict.fromkeys(kept))
    return NormalizedSpec(name, raw_name, description, parameters, warnings)


def _preview(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 120 else text[:117] + "..."


def _alias(kind: Any) -> str | None:
    if not isinstance(kind, str):
        return None
    return _TYPE_ALIASES.get(kind.strip().lower(), "?")


def _normalize_type(kind: Any, where: str, warnings: list[str], node: dict[str, Any]) -> Any:
    """Map one loose type name to JSON Schema; may rewrite ``node`` (items, format)."""
    if isinstance(kind, list):
        out: list[str] = []
        for k in cast(list[Any], kind):
            mapped = _normalize_type(k, where, warnings, node)
            if mapped is None:
                return None
            out.extend(mapped if isinstance(mapped, list) else [mapped])  # pyright: ignore[reportUnknownArgumentType]
        return list(dict.fromkeys(out))
    if not isinstance(kind, str):
        warnings.append(f"{where}: type {kind!r} is not a name; treated as any")
        return None
    text = kind.strip()
    generic = _GENERIC.match(text)
    if generic:
        outer, inner = generic.group(1).lower(), generic.group(2)
        if outer == "optional":
            warnings.append(f"{where}: type {kind!r} read as nullable")
            base = _normalize_type(inner, where, warnings, node)
            return None if base is None else list(dict.fromkeys([*(base if isinstance(base, list) else [base]), "null"]))  # pyright: ignore[reportUnknownArgumentType]
        mapped = _TYPE_ALIASES.get(outer, "?")
        if mapped == "array" and "items" not in node:
            item: dict[str, Any] = {}
            item_type = _normalize_type(inner.split(",")[0], where + ".items", warnings, item)
            if item_type is not None:
                item["type"] = item_type
            node["items"] = item
        if mapped not in (None, "?"):
            warnings.append(f"{where}: type {kind!r} normalised to {mapped!r}")
            return mapped
    lowered = text.lower()
    if lowered in _FORMATS and lowered not in ("uri", "url", "email"):
        node.setdefault("format", _FORMATS[lowered])
        warnings.append(f"{where}: type {kind!r} normalised to string with format {_FORMATS[lowered]!r}")
        return "string"
    mapped = _TYPE_ALIASES.get(lowered, "?")
    if mapped == "?":
        warnings.append(f"{where}: unknown type {kind!r}; treated as any")
        return None
    if mapped != text:
        if mapped is None:
            warnings.append(f"{where}: type {kind!r} means any value")
        else:
            warnings.append(f"{where}: type {kind!r} normalised to {mapped!r}")
    return mapped


def _normalize_node(node: Any, where: str, warnings: list[str]) -> dict[str, Any]:
    if not isinstance(node, Mapping):
        warnings.append(f"{where}: schema {_preview(node)} is not an object; treated as any")
        return {"description": node} if isinstance(node, str) else {}
    out: dict[str, Any] = dict(cast(Mapping[str, Any], node))
    if "type" in out:
        kind = _normalize_type(out["type"], where, warnings, out)
        if kind is None:
            out.pop("type")
        else:
            out["type"] = kind
    if isinstance(out.get("properties"), Mapping):
        out["properties"] = {
            str(k): _normalize_node(v, f"{where}.{k}", warnings)
            for k, v in cast(Mapping[str, Any], out["properties"]).items()
        }
    elif "properties" in out:
        warnings.append(f"{where}: properties was not an object; dropped")
        out.pop("properties")
    if "items" in out:
        items = out["items"]
        if isinstance(items, list):  # tuple-style items from older drafts
            out.pop("items")
            out["prefixItems"] = [_normalize_node(i, f"{where}[]", warnings) for i in cast(list[Any], items)]
        else:
            out["items"] = _normalize_node(items, f"{where}[]", warnings)
    for key in ("anyOf", "oneOf", "allOf"):
        if isinstance(out.get(key), list):
            out[key] = [_normalize_node(v, f"{where}.{key}", warnings) for v in cast(list[Any], out[key])]
    if isinstance(out.get("additionalProperties"), Mapping):
        out["additionalProperties"] = _normalize_node(out["additionalProperties"], f"{where}.*", warnings)
    if "required" in out and where != "parameters" and not isinstance(out["required"], list):
        warnings.append(f"{where}: required={out['required']!r} is not a list; dropped")
        out.pop("required")
    _check_default(out, where, warnings)
    if isinstance(out.get("enum"), list) and not out["enum"]:
        warnings.append(f"{where}: empty enum dropped")
        out.pop("enum")
    return out


def _check_default(node: dict[str, Any], where: str, warnings: list[str]) -> None:
    if "default" not in node:
        return
    kind = node.get("type")
    kinds = kind if isinstance(kind, list) else [kind] if isinstance(kind, str) else []
    allowed: tuple[type, ...] = tuple(t for k in cast(list[str], kinds) for t in _PY_TYPES.get(k, ()))
    value = node["default"]
    bad_bool = isinstance(value, bool) and "boolean" not in kinds
    if allowed and (not isinstance(value, allowed) or bad_bool):
        warnings.append(f"{where}: default {value!r} does not match type {kind!r}; dropped")
        node.pop("default")
    elif isinstance(node.get("enum"), list) and value not in node["enum"]:
        warnings.append(f"{where}: default {value!r} is not one of its enum; dropped")
        node.pop("default")
