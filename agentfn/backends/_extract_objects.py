"""Free-object parameters in a forced call: bounded, so a small model's call ends.

A parameter typed as a free object (``dict[str, Any]``: no ``properties``, any additional ones) gives
a grammar-constrained 135M model nothing to stop at: under ``additionalProperties: true`` it writes
keys and nested values until the token limit ("Extract the phone number from '...'" ran ``extract``'s
``schema`` to 512 tokens, no call, no answer). :func:`bounded_object` narrows such a parameter, for the
grammar only, to what the request asks for (:func:`agentfn._fields.requested_fields`):

* a parameter that holds a JSON Schema (named ``schema`` or described as one): the one schema of the
  fields asked for, each a string property, all required; the model copies it, it writes no key. With
  no field named, the empty object schema ``{"type": "object"}`` (the tool then says what it lacks).
* any other free object: the fields asked for as its only keys, each a scalar (strings bounded by the
  grammar's string bound); with no field named, at most :data:`MAX_FREE_KEYS` scalar entries.

Anything valid under the narrowed schema is valid under the original (a free object takes any of
them). Parameters with declared properties, enums or alternatives are not free and are left alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from agentfn._fields import field_key, requested_fields

__all__ = ["MAX_FREE_KEYS", "bounded_object", "free_objects", "is_free_object"]

MAX_FREE_KEYS = 4
"""At most this many entries in a free object whose keys the request does not name."""

_SCALAR: dict[str, Any] = {"type": ["string", "number", "boolean"]}


def is_free_object(schema: Mapping[str, Any]) -> bool:
    """Whether ``schema`` is an object with no declared properties that admits any entries."""
    if schema.get("type") != "object" or any(k in schema for k in ("properties", "enum", "const", "anyOf", "oneOf")):
        return False
    extra = schema.get("additionalProperties", True)
    return extra is True or extra == {}


def _holds_schema(name: str, schema: Mapping[str, Any]) -> bool:
    description = str(schema.get("description", "")).lower()
    return name.lower() in ("schema", "json_schema", "output_schema") or "json schema" in description


def bounded_object(name: str, schema: Mapping[str, Any], request: str) -> dict[str, Any]:
    """The narrowed schema of the free-object parameter ``name`` (see the module docstring)."""
    keys = list(dict.fromkeys(k for k in (field_key(f) for f in requested_fields(request)) if k))
    described = {k: v for k, v in schema.items() if k == "description"}
    if _holds_schema(name, schema):
        value: dict[str, Any] = {"type": "object"}
        if keys:
            value["properties"] = {k: {"type": "string"} for k in keys}
            value["required"] = keys
        return {"type": "object", "enum": [value], **described}
    if keys:
        return {"type": "object", "properties": {k: dict(_SCALAR) for k in keys}, "required": keys,
                "additionalProperties": False, **described}
    return {"type": "object", "additionalProperties": dict(_SCALAR), "maxProperties": MAX_FREE_KEYS, **described}


def free_objects(props: Mapping[str, Any], request: str) -> dict[str, dict[str, Any]]:
    """The bounded schema of each free-object parameter in ``props`` (by name)."""
    return {name: bounded_object(name, cast("Mapping[str, Any]", schema), request)
            for name, schema in props.items() if isinstance(schema, dict) and is_free_object(cast("Mapping[str, Any]", schema))}
