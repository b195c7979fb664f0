"""A pydantic model parameter's fields are narrowed like a tool's own parameters."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Any

import xgrammar as xgr
from pydantic import BaseModel, Field

from agentfn import tool
from agentfn.backends._extract import ExtractionSources, extractive_spec
from agentfn.backends._grammar import compile_call_grammar


class Roast(StrEnum):
    light = "light"
    medium = "medium"
    dark = "dark"


class Beans(BaseModel):
    origin: str
    roast: Roast = Roast.medium
    bags: Annotated[int, Field(ge=1, le=50)] = 1


class Shipment(BaseModel):
    beans: Beans
    express: bool = False


@tool(side_effects="write")
def order_coffee(beans: Beans, postcode: str) -> str:
    """Order bags of coffee beans to a postcode."""
    return f"{beans.bags} x {beans.roast.value} {beans.origin} to {postcode}"


@tool(side_effects="write")
def ship(shipment: Shipment, note: str = "") -> str:
    """Ship a coffee shipment."""
    return f"{shipment}"


def _params(spec: dict[str, Any], request: str) -> dict[str, Any]:
    return extractive_spec(spec, ExtractionSources(request, None, []))["function"]["parameters"]


def test_a_model_parameter_takes_the_enum_option_and_numbers_the_request_names() -> None:
    params = _params(order_coffee.openai_schema(), "please send three dark colombia bags to SW1A 1AA")
    beans = params["properties"]["beans"]
    assert beans["type"] == "object"
    assert beans["properties"]["roast"]["enum"] == ["dark"]
    assert "roast" in beans["required"]  # named, so given
    assert 3 in beans["properties"]["bags"]["enum"]


def test_a_text_field_is_not_offered_a_siblings_option_a_number_or_the_tools_words() -> None:
    params = _params(order_coffee.openai_schema(), "please send three dark colombia bags to SW1A 1AA")
    origins = params["properties"]["beans"]["properties"]["origin"]["enum"]
    assert "colombia" in origins
    assert not {"dark", "three", "three dark", "coffee", "bags"} & set(origins)


def test_models_inside_models_are_narrowed_too_and_compile() -> None:
    spec = ship.openai_schema()
    params = _params(spec, "ship 2 bags of light kenya beans")
    beans = params["properties"]["shipment"]["properties"]["beans"]
    assert beans["properties"]["roast"]["enum"] == ["light"]
    assert "express" not in params["properties"]["shipment"]["properties"]  # a switch not mentioned: default
    narrowed = extractive_spec(spec, ExtractionSources("ship 2 bags of light kenya beans", None, []))
    grammar = compile_call_grammar([narrowed], lambda schema: xgr.Grammar.from_json_schema(
        json.dumps(schema), any_whitespace=False, strict_mode=True), max_string_length=200, max_items=16)
    assert "kenya" in str(grammar.grammar)


def test_a_request_naming_no_field_leaves_the_model_schema_valid() -> None:
    params = _params(order_coffee.openai_schema(), "order coffee")
    beans = params["properties"]["beans"]
    assert set(beans["properties"]) >= {"origin"} and "origin" in beans["required"]
    assert beans["properties"].get("roast", {}).get("enum", ["medium"]) == ["medium"]  # the default
