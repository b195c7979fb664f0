"""Free-object parameters are bounded for the forced call: the fields the request asks for, so the call ends."""

from __future__ import annotations

import json
from typing import Any

import xgrammar as xgr

from agentfn._fields import field_key, requested_fields
from agentfn.backends._extract import ExtractionSources, extractive_spec
from agentfn.backends._extract_objects import MAX_FREE_KEYS, bounded_object, is_free_object
from agentfn.backends._grammar import compile_call_grammar
from agentfn.toolset import Toolset


def _spec(props: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "function", "function": {"name": "tool", "description": "", "parameters": {
        "type": "object", "properties": props, "required": required}}}


def test_requested_fields_end_at_a_colon_a_quote_or_the_end() -> None:
    assert requested_fields("grab the invoice number and due date: 'INV-7 due 2026-02-01'") == ["invoice number", "due date"]
    assert requested_fields("Pls extract the sender, subject & date") == ["sender", "subject", "date"]
    assert requested_fields("hey, could you get the model and colour out of 'red Fiat Panda'") == ["model", "colour"]
    assert requested_fields("What time is it?") == []
    assert field_key("Due date") == "due_date"


def test_a_json_schema_parameter_is_the_schema_of_the_fields_asked_for() -> None:
    spec = Toolset.builtin()["extract"].openai_schema()
    request = "Take the flight number and the gate from 'Flight LX318 boards at gate B12'"
    params = extractive_spec(spec, ExtractionSources(request, "2026-01-05", []))["function"]["parameters"]
    assert params["properties"]["schema"]["enum"] == [{
        "type": "object", "properties": {"flight_number": {"type": "string"}, "gate": {"type": "string"}},
        "required": ["flight_number", "gate"]}]
    nothing = extractive_spec(spec, ExtractionSources("do it 'abc'", "2026-01-05", []))["function"]["parameters"]
    assert nothing["properties"]["schema"]["enum"] == [{"type": "object"}]


def test_other_free_objects_take_the_named_keys_or_a_few_scalars() -> None:
    free = {"type": "object", "additionalProperties": True, "description": "query options"}
    assert is_free_object(free) and not is_free_object({"type": "object", "properties": {"a": {}}})
    named = bounded_object("options", free, "Get the colour and size from 'blue, XL'")
    assert named["required"] == ["colour", "size"] and named["additionalProperties"] is False
    loose = bounded_object("options", free, "search for shoes")
    assert loose["maxProperties"] == MAX_FREE_KEYS and loose["additionalProperties"]["type"] == ["string", "number", "boolean"]
    narrowed = extractive_spec(_spec({"q": {"type": "string"}, "options": free}, ["q", "options"]),
                               ExtractionSources("search for shoes", None, []))
    assert narrowed["function"]["parameters"]["properties"]["options"] == loose


def test_the_bounded_call_compiles_and_the_schema_is_fixed() -> None:
    spec = Toolset.builtin()["extract"].openai_schema()
    narrowed = extractive_spec(spec, ExtractionSources("extract the tracking code from 'Parcel ZX-991 left the depot'", None, []))
    grammar = compile_call_grammar([narrowed], lambda schema: xgr.Grammar.from_json_schema(
        json.dumps(schema), any_whitespace=False, strict_mode=True), max_string_length=200, max_items=16)
    assert '\\"tracking_code\\"' in str(grammar.grammar)


def test_an_expression_in_number_words_is_offered_as_written() -> None:
    spec = Toolset.builtin()["calculate"].openai_schema()
    request = "what is forty percent of three hundred"
    params = extractive_spec(spec, ExtractionSources(request, None, []))["function"]["parameters"]
    assert params["properties"]["expression"]["enum"] == [request]
