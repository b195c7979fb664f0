"""A street address is where something goes: its house number is no quantity, its words no other field's text."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from agentfn import tool
from agentfn.backends._extract import ExtractionSources, extractive_spec
from agentfn.backends._extract_addresses import house_numbers, in_address, is_address_field, street_addresses


class Bouquet(BaseModel):
    flower: str
    colour: Literal["red", "white", "yellow"] = "red"


@tool(side_effects="write")
def send_flowers(bouquet: Bouquet, stems: int, address: str) -> str:
    """Send a bouquet of flowers to an address."""
    return f"{stems} {bouquet} to {address}"


@tool(side_effects="write")
def book_taxi(passengers: int, pickup_address: str) -> str:
    """Book a taxi for some passengers."""
    return f"{passengers} from {pickup_address}"


def _params(spec: dict[str, Any], request: str) -> dict[str, Any]:
    return extractive_spec(spec, ExtractionSources(request, None, []))["function"]["parameters"]


def test_street_addresses_are_found_with_their_house_numbers() -> None:
    assert street_addresses("ship it to 14 Oak Avenue, Leeds by friday") == ["14 Oak Avenue, Leeds"]
    assert street_addresses("meet me at 3b green lane.") == ["3b green lane"]
    assert house_numbers("12 tulips to 40 High Street") == [40.0]
    assert street_addresses("walk 2 miles to the road") == []  # "the road": no name, no address
    assert street_addresses("4 apples to eat") == []
    assert in_address("High Street", "to 40 High Street") and not in_address("tulips", "12 tulips to 40 High Street")
    assert is_address_field("address") and is_address_field("pickup_address") and is_address_field("ship_to")
    assert not is_address_field("flower") and not is_address_field("stems")


def test_a_house_number_is_no_quantity_and_an_address_no_flower() -> None:
    params = _params(send_flowers.openai_schema(), "send 12 white tulips to 40 High Street")
    props = params["properties"]
    assert props["stems"]["enum"] == [12]
    assert props["address"]["enum"] == ["40 High Street"]
    flower = props["bouquet"]["properties"]["flower"]["enum"]
    assert "tulips" in flower and not any("High" in f or "Street" in f for f in flower)


def test_the_same_number_also_asked_as_a_quantity_stays() -> None:
    params = _params(book_taxi.openai_schema(), "a taxi for 4 people from 4 Mill Road")
    assert params["properties"]["passengers"]["enum"] == [4]
    assert params["properties"]["pickup_address"]["enum"] == ["4 Mill Road"]


def test_one_thing_to_an_address_is_one() -> None:
    params = _params(book_taxi.openai_schema(), "one passenger from 9 Station Road please")
    assert params["properties"]["passengers"]["enum"] == [1]
