"""Places and codes found before an action: standard codes, fixed-value tools, places named by what is in them.

Tools here are written for these tests (MCP ``inputSchema``/``outputSchema``): a
fleet whose recall check takes a ``vin`` (filled by a ``vehicle_id``), an airport
search whose ``airport_code`` feeds a parking price taking ``iata``, a rover whose
position (no input, one record) must not feed a sunrise lookup the request does
not ask about it, museum and station lookups for "the city where ... is", and a host
resolver whose ``addresses`` are IP addresses by its description.
"""

from __future__ import annotations

from typing import Any

import pytest

from agentfn.router import Router
from agentfn.router.dataflow import IOSlot, RequestValues, coded_thing, flow_score, taken_by_name, tool_io
from agentfn.router.encoder import Encoder
from agentfn.router.text import ToolRecord

from .mcp_specs import N, S, mcp_tool, records

TOOLS = [
    mcp_tool("fleet_search", "Find company vehicles assigned to a driver.", {"driver": S},
             {"vehicles": records(vehicle_id=S, model=S)}),
    mcp_tool("recall_check", "Open safety recalls for a vehicle.", {"vin": S}, {"recalls": records(campaign=S)}),
    mcp_tool("airport_search", "Airports near a town.", {"town": S}, {"results": records(airport_code=S, label=S)}),
    mcp_tool("parking_rates", "Daily parking prices at an airport.", {"iata": S}, {"daily_rate": N}),
    mcp_tool("rover_location", "Where the survey rover is now.", {}, {"latitude": N, "longitude": N}),
    mcp_tool("place_geocode", "Coordinates of a named place or address.", {"place": S}, {"latitude": N, "longitude": N}),
    mcp_tool("street_geocode", "Coordinates of a postal address.", {"address": S}, {"latitude": N, "longitude": N}),
    mcp_tool("cafes_nearby", "Cafes open now near coordinates.", {"lat": N, "lng": N}, {"cafes": records(cafe=S)}),
    mcp_tool("sunrise_at", "Sunrise and sunset times at coordinates.", {"lat": N, "lng": N}, {"sunrise": S, "sunset": S}),
    mcp_tool("museum_find", "Find a museum by its name.", {"name": S}, {"city": S, "opening_hours": S}),
    mcp_tool("city_stations", "Railway stations of a city.", {"city": S}, {"stations": records(station_name=S)}),
    mcp_tool("host_resolve", "Resolve a host name to its IP addresses.", {"host": S},
             {"addresses": {"type": "array", "items": S}}),
    mcp_tool("ip_owner", "Who an IP address is registered to.", {"ip": S}, {"holder": S, "abuse_email": S}),
    mcp_tool("bike_rentals", "Bike rental shops in a city.", {"city_name": S}, {"shops": records(shop=S, price=N)}),
]


def io(name: str) -> Any:
    return tool_io(ToolRecord.of(next(t for t in TOOLS if t["name"] == name)))


def slot(tool: str, name: str) -> IOSlot:
    return next(s for s in io(tool).inputs if s.name == name)


def test_a_standard_code_is_filled_by_an_identifier_of_its_thing() -> None:
    vehicle_id = next(o for o in io("fleet_search").outputs if o.name == "vehicle_id")
    assert coded_thing(vehicle_id, slot("recall_check", "vin"))
    assert flow_score(io("fleet_search"), slot("recall_check", "vin")) >= 0.75
    assert flow_score(io("airport_search"), slot("parking_rates", "iata")) >= 0.75
    assert flow_score(io("city_stations"), slot("parking_rates", "iata")) < 0.5  # a station's name is no airport code


def test_what_a_tool_takes_by_name_says_nothing_of_its_outputs() -> None:
    assert taken_by_name(io("city_stations")) == frozenset({"city"})
    assert flow_score(io("city_stations"), slot("bike_rentals", "city_name")) < 0.5  # station names, not the city
    assert taken_by_name(io("fleet_search")) == frozenset()  # "driver" is not in the name


def test_an_output_takes_the_word_its_tool_description_sets_before_it() -> None:
    addresses = next(o for o in io("host_resolve").outputs if o.name == "addresses")
    assert "ip" in addresses.desc
    assert flow_score(io("host_resolve"), slot("ip_owner", "ip")) >= 0.5


@pytest.mark.parametrize(("text", "relation"), [
    ("Rent a bike in the city where the Rijksmuseum is", "city"),
    ("Which holidays does the country the Acropolis is in have?", "country"),
    ("Stations in the town of the Uffizi", "city"),  # a town is a city to data flow
])
def test_a_place_named_by_what_is_in_it_is_a_relation(text: str, relation: str) -> None:
    assert relation in RequestValues.of(text).relations


@pytest.mark.parametrize(("text", "streets"), [
    ("Meet me at 221B Baker Street, London", 1), ("from 4 Rue de la Paix to 17 Elm Avenue", 2),
    ("at Keizersgracht 123 or Hauptstrasse 5", 1), ("at the Sydney Opera House at 5 pm", 0),
])
def test_a_street_address_is_counted(text: str, streets: int) -> None:
    assert RequestValues.of(text).available("street") == streets


@pytest.fixture(scope="module")
def router(encoder: Encoder) -> Router:
    return Router.build(TOOLS, encoder=encoder)


@pytest.mark.parametrize(("text", "chain"), [
    ("Are there open recalls on the van Marta Lindqvist drives?", ["fleet_search", "recall_check"]),
    ("How much is parking per day at the airport of Bergamo?", ["airport_search", "parking_rates"]),
    ("When is sunrise at Cape May Lighthouse?", ["place_geocode", "sunrise_at"]),
    ("When is sunrise at 12 Harbour Road, Cape May?", ["street_geocode", "sunrise_at"]),
    ("When is sunrise where the rover is right now?", ["rover_location", "sunrise_at"]),
    ("Rent a bike in the city where the Rijksmuseum is", ["museum_find", "bike_rentals"]),
    ("Who is behind the server at status.example.net?", ["host_resolve", "ip_owner"]),
])
def test_the_place_or_code_is_looked_up_first(router: Router, text: str, chain: list[str]) -> None:
    assert router.route(text).selected == chain
