"""Read tool definitions written by others, in the loose dialect found in the wild.

Definitions scraped from plugin stores, agent frameworks and datasets use type
names like ``dict``, ``float``, ``tuple`` or ``any`` (and Java/JS spellings such
as ``String`` or ``HashMap``), Python-style types such as ``Optional[str]``,
``List[int]``, ``Dict[str, int]``, ``Union[...]``, ``Literal[...]`` or
``str | None``, defaults that violate their own type, enums that contradict
their type, ``required`` lists naming missing properties, Swagger-style
``required: true`` flags, properties written as a list, parameters stored as
JSON text, bare property maps, dangling ``$ref``s, keywords with values of the
wrong kind (``minimum: "five"``) and names with dots. Each is normalised into
standard JSON Schema (refs inlined, like typed tools) with a recorded warning.
Only what cannot be understood at all (no name, parameters that are not an
object schema) is rejected, with a :class:`~agentfn.exceptions.ToolSchemaError`.

Validation uses ``jsonschema`` with format checks done by the same pydantic
parsers the typed path uses, and the same lossless repairs, so a tool and its
``Tool.from_schema(tool.schema)`` copy agree on which arguments are valid.
"""

from __future__ import annotations

import ast
import copy
import datetime
import functools
import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from jsonschema import Draft202012Validator, FormatChecker, SchemaError, ValidationError
from jsonschema.validators import validator_for
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from agentfn._repair import decode_arguments, repair_arguments
from agentfn._schema import inline_refs
from agentfn.exceptions import ToolArgumentError, ToolSchemaError

__all__ = ["NormalizedSpec", "loose_type_schema", "normalize_loose_schema", "normalize_spec"]

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
    strict: bool = False

    def make_validator(self) -> Callable[[Any], dict[str, Any]]:
        """A validator over the normalised schema with the same repairs as typed tools."""
        schema = self.parameters
        validator = _validator_for(schema)
        name = self.name

        def validate(arguments: Any) -> dict[str, Any]:
            data = decode_arguments(name, arguments)
            errors = _errors_of(validator, data)
            if errors:
                repaired = repair_arguments(data, schema)
                if repaired is not None:
                    data = repaired
                    errors = _errors_of(validator, data)
            if errors:
                raise ToolArgumentError(name, errors)
            return _apply_defaults(data, schema)

        return validate


def _validator_for(schema: dict[str, Any]) -> Any:
    validator_cls: Any = validator_for(schema, default=Draft202012Validator)
    # Formats are checked with the parsers the typed path uses, so both paths agree on them.
    return validator_cls(schema, format_checker=_format_checker())


@functools.cache
def _format_checker() -> FormatChecker:
    checker = FormatChecker()
    parsers: dict[str, TypeAdapter[Any]] = {
        "date-time": TypeAdapter(datetime.datetime),
        "date": TypeAdapter(datetime.date),
        "time": TypeAdapter(datetime.time),
        "duration": TypeAdapter(datetime.timedelta),
        "uuid": TypeAdapter(uuid.UUID),
    }
    for name, adapter in parsers.items():
        checker.checks(name, raises=PydanticValidationError)(_string_check(adapter))
    return checker


def _string_check(adapter: TypeAdapter[Any]) -> Callable[[object], bool]:
    def check(value: object) -> bool:
        if isinstance(value, str):
            adapter.validate_python(value)
        return True

    return check


def _errors_of(validator: Any, data: dict[str, Any]) -> list[dict[str, Any]]:
    """jsonschema errors in the typed path's shape: one per field, missing and unknown keys named."""
    out: list[dict[str, Any]] = []
    known = ", ".join(cast(dict[str, Any], validator.schema).get("properties", {}))
    for error in validator.iter_errors(data):
        err = cast(ValidationError, error)
        path = [str(p) for p in err.absolute_path]
        instance: Any = err.instance
        if err.validator == "required" and isinstance(instance, dict):
            for missing in cast(list[Any], err.validator_value):
                if missing not in instance:
                    loc = ".".join([*path, str(missing)])
                    out.append({"loc": loc, "msg": "Field required", "input": instance, "type": "missing"})
            continue
        if err.validator == "additionalProperties" and isinstance(instance, dict):
            node: Any = err.schema
            props: dict[str, Any] = cast(dict[str, Any], node).get("properties", {}) if isinstance(node, dict) else {}
            for key, value in cast(dict[str, Any], instance).items():
                if key not in props:
                    msg = "unknown parameter" if not path else "unknown field"
                    if not path and known:
                        msg += f"; this tool takes: {known}"
                    loc = ".".join([*path, key])
                    out.append({"loc": loc, "msg": msg, "input": value, "type": "extra_forbidden"})
            continue
        out.append({"loc": ".".join(path), "msg": err.message, "input": instance, "type": str(err.validator)})
    return out


def _repair_schema(parameters: dict[str, Any], where: str, warnings: list[str]) -> None:
    """Drop keywords the JSON Schema meta-schema rejects (``minimum: "five"``...), with a warning each.

    Raises:
        ToolSchemaError: the schema is still invalid where nothing can be dropped.
    """
    validator_cls: Any = validator_for(parameters, default=Draft202012Validator)
    for _ in range(100):
        try:
            validator_cls.check_schema(parameters)
            return
        except SchemaError as exc:
            path = list(exc.path)
            if not path:
                raise ToolSchemaError(f"{where}: invalid schema: {exc.message}") from None
            parent: Any = parameters
            for key in path[:-1]:
                parent = parent[key]
            key = path[-1]
            shown = "/".join(str(p) for p in path)
            warnings.append(f"parameters/{shown}: {exc.message}; dropped")
            if isinstance(parent, list):
                cast(list[Any], parent).pop(cast(int, key))
            else:
                cast(dict[Any, Any], parent).pop(key)
    raise ToolSchemaError(f"{where}: too many schema errors")


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
    params: Any = None
    for key in ("parameters", "input_schema", "inputSchema", "args_schema", "args"):
        if key in body and body[key] is not None:
            params = body[key]
            if key not in ("parameters", "input_schema", "inputSchema"):
                warnings.append(f"parameters read from {key!r}")
            break
    if params is None:
        params = {"type": "object", "properties": {}}
    if isinstance(params, str):
        try:
            params = json.loads(params)
        except ValueError:
            raise ToolSchemaError(f"tool {raw_name!r}: parameters is a string that is not JSON: {_preview(params)}") from None
        warnings.append("parameters were JSON text; decoded")
    if not isinstance(params, Mapping):
        raise ToolSchemaError(f"tool {raw_name!r}: parameters must be an object schema, got {type(params).__name__}")
    params = copy.deepcopy(dict(cast(Mapping[str, Any], params)))
    if "properties" not in params and params and all(isinstance(v, Mapping) for v in params.values()):
        warnings.append("parameters were a bare property map; wrapped in an object schema")
        params = {"type": "object", "properties": params}
    kind = params.get("type")
    kinds = [_alias(k) for k in cast(list[Any], kind)] if isinstance(kind, list) else [_alias(kind)]
    if kind is not None and "object" not in kinds and not (None in kinds and "properties" in params):
        raise ToolSchemaError(
            f"tool {raw_name!r}: parameters must describe an object, got type {kind!r}"
        )
    if kind is not None and kind != "object":
        warnings.append(f"parameters: type {kind!r} read as 'object'")
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
    _drop_dangling_refs(parameters, parameters, "parameters", warnings)
    # Refs inlined like typed tools' schemas (recursive ones stay): servers and repairs need no resolver.
    parameters = inline_refs(parameters)
    _repair_schema(parameters, f"tool {raw_name!r}", warnings)
    return NormalizedSpec(name, raw_name, description, parameters, warnings, strict=body.get("strict") is True)


def normalize_loose_schema(node: Any, where: str, warnings: list[str]) -> dict[str, Any]:
    """Any JSON Schema in the loose dialect, normalised like parameters (dangling refs dropped, refs inlined)."""
    schema = _normalize_node(node, where, warnings)
    _drop_dangling_refs(schema, schema, where, warnings)
    return inline_refs(schema)


def loose_type_schema(text: str, where: str, warnings: list[str]) -> dict[str, Any] | None:
    """The schema of a type written as text (``List[str]``, ``str | None``), or None when it is not a type name."""
    notes: list[str] = []
    node: dict[str, Any] = {}
    kind = _normalize_type(text.strip(), where, notes, node)
    if kind is None and any("unknown type" in n for n in notes):
        return None
    warnings.extend(notes)
    return {**node, "type": kind} if kind is not None else node


def _resolves(root: dict[str, Any], ref: str) -> bool:
    """Whether a local JSON pointer reference (``#/$defs/X``) points at a schema in ``root``."""
    if ref == "#":
        return True
    if not ref.startswith("#/"):
        return False  # remote references cannot be fetched here
    node: Any = root
    for part in ref[2:].split("/"):
        key = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and key in node:
            node = cast(dict[str, Any], node)[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(cast(list[Any], node)):
            node = cast(list[Any], node)[int(key)]
        else:
            return False
    return isinstance(node, dict | bool)


def _drop_dangling_refs(node: Any, root: dict[str, Any], where: str, warnings: list[str]) -> None:
    """Remove ``$ref``s that point nowhere (or off-machine): validation would fail on them, not the arguments."""
    if isinstance(node, list):
        for i, item in enumerate(cast(list[Any], node)):
            _drop_dangling_refs(item, root, f"{where}[{i}]", warnings)
        return
    if not isinstance(node, dict):
        return
    schema = cast(dict[str, Any], node)
    ref = schema.get("$ref")
    if ref is not None and not (isinstance(ref, str) and _resolves(root, ref)):
        warnings.append(f"{where}: $ref {ref!r} cannot be resolved; treated as any")
        schema.pop("$ref")
    for key, value in schema.items():
        if key not in ("default", "enum", "const", "examples"):
            _drop_dangling_refs(value, root, f"{where}.{key}", warnings)


def _preview(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 120 else text[:117] + "..."


def _alias(kind: Any) -> str | None:
    if not isinstance(kind, str):
        return None
    return _TYPE_ALIASES.get(kind.strip().lower(), "?")


def _split_top(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside brackets and quotes: ``"int, Dict[str, int]"`` -> two parts."""
    parts: list[str] = []
    depth = 0
    quote = ""
    current: list[str] = []
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    parts.append("".join(current).strip())
    return [p for p in parts if p]


def _as_list(kind: Any) -> list[str]:
    if kind is None:
        return []
    return [str(k) for k in cast(list[Any], kind)] if isinstance(kind, list) else [str(kind)]


def _merge_types(kinds: list[Any]) -> Any:
    """Union of normalised types; None (any) absorbs everything."""
    out: list[str] = []
    for k in kinds:
        if k is None:
            return None
        out.extend(_as_list(k))
    unique = list(dict.fromkeys(out))
    return unique[0] if len(unique) == 1 else unique


def _normalize_type(kind: Any, where: str, warnings: list[str], node: dict[str, Any]) -> Any:
    """Map one loose type name to JSON Schema; may rewrite ``node`` (items, format, enum)."""
    if isinstance(kind, list):
        return _merge_types([_normalize_type(k, where, warnings, node) for k in cast(list[Any], kind)])
    if not isinstance(kind, str):
        warnings.append(f"{where}: type {kind!r} is not a name; treated as any")
        return None
    text = kind.strip()
    if len(_split_top(text, "|")) > 1:  # Python 3.10 unions: "str | None"
        warnings.append(f"{where}: type {kind!r} read as a union")
        return _merge_types([_normalize_type(p, where, [], node) for p in _split_top(text, "|")])
    generic = _GENERIC.match(text)
    if generic:
        return _normalize_generic(kind, generic.group(1).lower(), generic.group(2), where, warnings, node)
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


def _normalize_generic(
    kind: str, outer: str, inner: str, where: str, warnings: list[str], node: dict[str, Any]
) -> Any:
    """Python-style generics: Optional[X], Union[A, B], List[X], Dict[K, V], Tuple[...], Literal[...]."""
    args = _split_top(inner, ",")
    if outer == "optional":
        warnings.append(f"{where}: type {kind!r} read as nullable")
        return _merge_types([_normalize_type(inner, where, [], node), "null"])
    if outer == "union":
        warnings.append(f"{where}: type {kind!r} read as a union")
        return _merge_types([_normalize_type(a, where, [], node) for a in args])
    if outer == "literal":
        try:
            values = [ast.literal_eval(a) for a in args]
        except (ValueError, SyntaxError):
            warnings.append(f"{where}: type {kind!r} not understood; treated as any")
            return None
        node.setdefault("enum", values)
        warnings.append(f"{where}: type {kind!r} read as an enum")
        py_kinds = {"string" if isinstance(v, str) else "boolean" if isinstance(v, bool)
                    else "integer" if isinstance(v, int) else "number" if isinstance(v, float) else "null"
                    for v in values}
        return _merge_types(sorted(py_kinds)) if py_kinds else None
    mapped = _TYPE_ALIASES.get(outer, "?")
    if mapped == "array" and "items" not in node and "prefixItems" not in node and args:
        if outer == "tuple" and not (len(args) == 2 and args[1] == "..."):
            node["prefixItems"] = [_item_schema(a, where, warnings) for a in args]
        else:
            node["items"] = _item_schema(args[0], where, warnings)
    elif mapped == "object" and len(args) == 2 and "additionalProperties" not in node and "properties" not in node:
        node["additionalProperties"] = _item_schema(args[1], where, warnings)
    if mapped in (None, "?"):
        warnings.append(f"{where}: unknown type {kind!r}; treated as any")
        return None
    warnings.append(f"{where}: type {kind!r} normalised to {mapped!r}")
    return mapped


def _item_schema(text: str, where: str, warnings: list[str]) -> dict[str, Any]:
    item: dict[str, Any] = {}
    kind = _normalize_type(text, where + "[]", warnings, item)
    if kind is not None:
        item["type"] = kind
    return item


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
    props = out.get("properties")
    if isinstance(props, list):  # [{"name": "city", "type": "string"}, ...] as some plugin formats write
        entries: list[Mapping[str, Any]] = [
            cast(Mapping[str, Any], p) for p in cast(list[Any], props) if isinstance(p, Mapping) and "name" in p
        ]
        warnings.append(f"{where}: properties was a list of named entries; turned into a map")
        props = {str(p["name"]): {k: v for k, v in p.items() if k != "name"} for p in entries}
    if isinstance(props, Mapping):
        normalized: dict[str, Any] = {}
        flagged: list[str] = []
        for k, v in cast(Mapping[str, Any], props).items():
            sub = _normalize_node(v, f"{where}.{k}", warnings)
            flag = sub.get("required")
            if isinstance(flag, bool):  # Swagger 2 style: required as a flag on the property
                sub.pop("required")
                if flag:
                    flagged.append(str(k))
            normalized[str(k)] = sub
        out["properties"] = normalized
        if flagged:
            warnings.append(f"{where}: required flags on properties {flagged} moved to the object's required list")
            existing = out.get("required")
            base = cast(list[Any], existing) if isinstance(existing, list) else []
            out["required"] = list(dict.fromkeys([*base, *flagged]))
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
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        if isinstance(out.get(key), list):
            out[key] = [_normalize_node(v, f"{where}.{key}", warnings) for v in cast(list[Any], out[key])]
    for key in ("$defs", "definitions"):
        if isinstance(out.get(key), Mapping):
            out[key] = {str(n): _normalize_node(v, f"{where}.{key}.{n}", warnings)
                        for n, v in cast(Mapping[str, Any], out[key]).items()}
    if isinstance(out.get("additionalProperties"), Mapping):
        out["additionalProperties"] = _normalize_node(out["additionalProperties"], f"{where}.*", warnings)
    if "required" in out and not isinstance(out["required"], list | bool):
        warnings.append(f"{where}: required={out['required']!r} is not a list; dropped")
        out.pop("required")
    if isinstance(out.get("required"), list) and isinstance(out.get("properties"), dict) and where != "parameters":
        req = cast(list[Any], out["required"])
        kept = [r for r in req if isinstance(r, str) and r in out["properties"]]
        if len(kept) != len(req):
            warnings.append(f"{where}: required names unknown properties {[r for r in req if r not in kept]}; dropped")
            out["required"] = kept
    if isinstance(out.get("enum"), list) and not out["enum"]:
        warnings.append(f"{where}: empty enum dropped")
        out.pop("enum")
    _check_enum(out, where, warnings)
    _check_default(out, where, warnings)
    return out


def _matches(value: Any, kinds: list[str]) -> bool:
    allowed: tuple[type, ...] = tuple(t for k in kinds for t in _PY_TYPES.get(k, ()))
    if not allowed:
        return True
    if isinstance(value, bool) and "boolean" not in kinds:
        return False
    if isinstance(value, float) and "integer" in kinds and "number" not in kinds:
        return value.is_integer()
    return isinstance(value, allowed)


def _check_enum(node: dict[str, Any], where: str, warnings: list[str]) -> None:
    enum = node.get("enum")
    kinds = _as_list(node.get("type"))
    if isinstance(enum, list) and kinds and not all(_matches(v, kinds) for v in cast(list[Any], enum)):
        warnings.append(f"{where}: enum values {enum!r} do not match type {node['type']!r}; the type was dropped")
        node.pop("type")


def _check_default(node: dict[str, Any], where: str, warnings: list[str]) -> None:
    if "default" not in node:
        return
    kind = node.get("type")
    value = node["default"]
    if not _matches(value, _as_list(kind)):
        warnings.append(f"{where}: default {value!r} does not match type {kind!r}; dropped")
        node.pop("default")
    elif isinstance(node.get("enum"), list) and value not in node["enum"]:
        warnings.append(f"{where}: default {value!r} is not one of its enum; dropped")
        node.pop("default")
