"""Extractive constraints inside object parameters: a pydantic model's fields narrowed like parameters.

A tool that takes a model (``order_pizza(pizza: Pizza, address: str)``) has one parameter whose
schema is an object with its own ``properties``. Left free, a small model writes schema-valid but
invented field values ("two large pepperoni pizzas" became ``{"topping": "large", "size":
"medium"}``). :func:`narrow_nested` narrows such an object's fields with the same rules as a
tool's top-level parameters (numbers the request holds, enum options it names, text spans...),
by handing the object to the caller's narrowing function as if it were a tool's parameter list.

Guarantees: only objects with declared ``properties`` are narrowed (free ``dict[str, Any]``
objects have their own rule); nested models are narrowed level by level (the schema is a finite tree:
``Tool`` inlines model references); the object's
own keywords (description, title, ``additionalProperties``) are kept; when the narrowing turns the
fields into alternatives (``anyOf`` branches: two fields that must differ), the branches replace the
object's ``properties``/``required`` rather than being combined with them. A text field's spans are
narrowed further to those with no number (in digits or words) and no word of the tool's name, a sibling field's name or a
sibling's enum option ("large" is the ``size``, so not the ``topping``), and, but in an address field, none of the words of a
street address (:mod:`agentfn.backends._extract_addresses`: "Baker Street" is where the pizza goes), when any such span is
left.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

from agentfn._values import spell_out_numbers
from agentfn.backends._extract_addresses import in_address, is_address_field
from agentfn.backends._extract_words import free_spans, used_words

__all__ = ["is_model_object", "narrow_nested"]

_Sources = TypeVar("_Sources")
_FIELDS = ("type", "properties", "required", "anyOf")


def is_model_object(schema: Mapping[str, Any]) -> bool:
    """True for an object schema with declared fields (a model), not a free mapping."""
    props: Any = schema.get("properties")
    return schema.get("type") == "object" and isinstance(props, dict) and len(cast("dict[str, Any]", props)) > 0


def narrow_nested(
    schema: Mapping[str, Any],
    tool: str,
    sources: _Sources,
    narrow_spec: Callable[[Mapping[str, Any], _Sources], dict[str, Any]],
    request: str = "",
) -> dict[str, Any]:
    """``schema`` (an object with fields) with its fields narrowed by ``narrow_spec``.

    ``narrow_spec`` is the extractive narrowing of a whole tool spec (it is given a spec named
    ``tool`` whose parameters are this object, so fields that are models themselves come back here);
    ``request`` is the user's text (its street addresses are no other field's text).
    """
    if not is_model_object(schema):
        return dict(schema)
    inner = {"type": "object", "properties": schema["properties"], "required": schema.get("required", [])}
    narrowed = narrow_spec({"name": tool, "parameters": inner}, sources)
    params = cast("dict[str, Any]", narrowed.get("parameters") or inner)
    kept = {k: v for k, v in schema.items() if k not in _FIELDS}
    if "properties" not in params:  # alternatives over the fields: they stand for the fields
        return {**kept, **params}
    props = cast("dict[str, Any]", params["properties"])
    fields = cast("dict[str, Any]", schema["properties"])
    for field, raw in props.items():
        spans = _offered_spans(raw, fields.get(field))
        if spans:
            used = used_words(tool, field, fields)
            if not is_address_field(field):  # "Baker Street" is where it goes, not the pizza's topping
                spans = [v for v in spans if not in_address(v, request)] or spans
            free = [v for v in free_spans(spans, used) if spell_out_numbers(v, lone_one=True) == v] or spans
            if free != _offered_spans(raw, fields.get(field)):  # no sibling's: "pepperoni", not "large" (the size)
                props[field] = {**cast("dict[str, Any]", raw), "enum": free}
    return {**kept, "type": "object", "properties": props, "required": params.get("required", [])}


def _offered_spans(narrowed: Any, original: Any) -> list[str]:
    """The text spans a narrowed string field is offered (not an enum the field declared itself)."""
    if not isinstance(narrowed, dict) or (isinstance(original, dict) and "enum" in original):
        return []
    field = cast("dict[str, Any]", narrowed)
    spans = field.get("enum")
    if field.get("type") != "string" or not isinstance(spans, list):
        return []
    return [str(v) for v in cast("list[Any]", spans)]
