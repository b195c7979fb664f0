"""What indexes a tool lexically: enum values and return-field descriptions count too."""

from __future__ import annotations

from agentfn.router import Router, RouterConfig
from agentfn.router.text import ToolRecord, lexical_tokens

TEMP = {"name": "convert_temperature", "description": "Convert a temperature reading.",
        "parameters": {"type": "object", "properties": {
            "value": {"type": "number"},
            "scale": {"type": "string", "enum": ["celsius", "fahrenheit", "kelvin"]}}}}
AREA = {"name": "measure_area", "description": "Measure a shape.",
        "parameters": {"type": "object", "properties": {"shape": {"type": "string"}}},
        "outputSchema": {"type": "object", "properties": {"result": {"type": "number", "description": "surface in square metres"}}}}
OTHER = {"name": "convert_length", "description": "Convert a length reading between units.",
         "parameters": {"type": "object", "properties": {"value": {"type": "number"}, "unit": {"type": "string"}}}}


def test_enum_values_and_return_descriptions_are_indexed() -> None:
    toks = lexical_tokens(ToolRecord.of(TEMP))
    assert {"fahrenheit", "kelvin"} <= set(toks)
    assert "surface" in lexical_tokens(ToolRecord.of(AREA))


def test_an_enum_value_in_the_request_finds_its_tool() -> None:
    router = Router.build([OTHER, TEMP, AREA], encoder=None, config=RouterConfig(encoder=None))
    assert router.route("reading in fahrenheit please convert", k=3).ranked[0][0] == "convert_temperature"
    assert router.route("how much surface does it cover", k=3).ranked[0][0] == "measure_area"
