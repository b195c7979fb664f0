"""Output schemas travel with tools built from foreign definitions (``Tool.from_schema``)."""

from __future__ import annotations

from typing import Any

from agentfn import tool
from agentfn._foreign import output_schema
from agentfn.tool import Tool


def test_mcp_output_schema_with_defs_is_kept_and_inlined() -> None:
    spec = {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        "outputSchema": {
            "type": "object",
            "properties": {"temperature": {"type": "number"}, "conditions": {"$ref": "#/$defs/Conditions"}},
            "required": ["temperature"],
            "$defs": {"Conditions": {"type": "string", "enum": ["sunny", "rain"]}},
        },
    }
    t = Tool.from_schema(spec)
    assert t.return_schema == {
        "type": "object",
        "properties": {"temperature": {"type": "number"}, "conditions": {"type": "string", "enum": ["sunny", "rain"]}},
        "required": ["temperature"],
    }
    assert t.parameters["required"] == ["city"]
    assert t.warnings == []


def test_openai_envelope_with_returns_schema() -> None:
    spec = {"type": "function", "function": {"name": "lookup_airport", "parameters": {"type": "object", "properties": {}},
                                             "returns": {"type": "dict", "properties": {"iata": {"type": "str"}}}}}
    assert Tool.from_schema(spec).return_schema == {"type": "object", "properties": {"iata": {"type": "string"}}}


def test_returns_as_python_type_name_and_as_prose() -> None:
    assert Tool.from_schema({"name": "a", "returns": "List[str]"}).return_schema == {
        "items": {"type": "string"}, "type": "array"}
    assert Tool.from_schema({"name": "b", "returns": "the forecast text"}).return_schema == {
        "description": "the forecast text"}


def test_output_parameters_bare_property_map_is_wrapped() -> None:
    t = Tool.from_schema({"name": "c", "output_parameters": {"flight_id": {"type": "int", "description": "id"}}})
    assert t.return_schema == {"type": "object", "properties": {"flight_id": {"type": "integer", "description": "id"}}}
    assert any("bare property map" in w for w in t.warnings)


def test_openapi_responses_first_2xx_json_schema() -> None:
    responses = {
        "404": {"description": "missing", "content": {"application/json": {"schema": {"type": "object"}}}},
        "201": {"description": "created", "content": {
            "text/plain": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "array", "items": {"type": "string"}}}}},
    }
    t = Tool.from_schema({"name": "create_things", "parameters": {"type": "object", "properties": {}},
                          "responses": responses})
    assert t.return_schema == {"type": "array", "items": {"type": "string"}, "description": "created"}


def test_swagger2_response_schema_and_response_key() -> None:
    spec: dict[str, Any] = {"name": "s", "response": {"200": {"schema": {"type": "object", "properties": {
        "a": {"type": "string"}}}}}}
    assert Tool.from_schema(spec).return_schema == {"type": "object", "properties": {"a": {"type": "string"}}}


def test_no_output_schema_and_not_understood_ones() -> None:
    assert Tool.from_schema({"name": "plain", "parameters": {}}).return_schema is None
    notes: list[str] = []
    assert output_schema({"returns": 42}, notes) is None
    assert notes and "not a schema" in notes[0]
    # A responses block without a 2xx JSON schema gives nothing (and no error).
    assert Tool.from_schema({"name": "r", "responses": {"204": {"description": "no content"}}}).return_schema is None


def test_same_shape_as_a_typed_tool() -> None:
    @tool
    def area(width: float, height: float) -> float:
        """Area of a rectangle."""
        return width * height

    copy = Tool.from_schema({"name": "area", "parameters": area.parameters, "returns": area.return_schema})
    assert copy.return_schema == area.return_schema == {"type": "number"}
