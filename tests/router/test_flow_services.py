"""Producers follow data flow within a service: airport lookup -> flight search, location key -> weather.

The registry mirrors MCP servers mounted with a prefix (``server__tool``, as
``Toolset.from_mcp(..., prefix=...)`` names them): every tool is built with
:meth:`Tool.from_schema` from an MCP spec carrying ``inputSchema`` and
``outputSchema``. A second server offers a look-alike airport lookup, a mail
server lists messages without their ids; neither may feed another tool.
"""

from __future__ import annotations

from typing import Any

import pytest

from agentfn.router import Router
from agentfn.router.brands import brand_words
from agentfn.router.chain import lift_pulled, plan_flow
from agentfn.router.dataflow import RequestValues, ToolIO, missing_inputs, tool_io
from agentfn.router.encoder import Encoder
from agentfn.router.flowstats import FlowStats
from agentfn.router.producers import id_evidence, needs_same_input, service_affinity
from agentfn.router.text import ToolRecord
from agentfn.tool import Tool


def _mcp(name: str, desc: str, params: dict[str, Any], required: list[str], out: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "description": desc,
            "inputSchema": {"type": "object", "properties": params, "required": required},
            "outputSchema": {"type": "object", "properties": out}}


def _s(desc: str) -> dict[str, Any]:
    return {"type": "string", "description": desc}


def _list(**fields: Any) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "object", "properties": fields}}


SPECS = [
    _mcp("sky__searchAirport", "Find airports and cities matching a name; returns their Sky ids and entity ids.",
         {"query": _s("airport or city name")}, ["query"],
         {"data": _list(skyId=_s("airport Sky id, e.g. BOS"), entityId=_s("entity id of the place"),
                        title=_s("airport name"))}),
    _mcp("sky__searchFlights", "Search one-way flights between two airports on a date, with prices.",
         {"originSkyId": _s("Sky id of the origin airport"), "destinationSkyId": _s("Sky id of the destination airport"),
          "originEntityId": _s("entity id of the origin"), "destinationEntityId": _s("entity id of the destination"),
          "date": {"type": "string", "format": "date"}},
         ["originSkyId", "destinationSkyId", "originEntityId", "destinationEntityId", "date"],
         {"itineraries": _list(itineraryId=_s("itinerary id"), price={"type": "number"}, carrier=_s("airline"))}),
    _mcp("sky__getFlightDetails", "Legs, baggage and booking options of one flight itinerary.",
         {"itineraryId": _s("id of the itinerary")}, ["itineraryId"],
         {"legs": _list(departure=_s("time"), arrival=_s("time")), "bookingUrl": _s("where to book")}),
    _mcp("airdata__lookupAirport", "Airport directory: codes, runways and the Sky id of an airport.",
         {"name": _s("airport name")}, ["name"], {"skyId": _s("Sky id"), "runways": {"type": "integer"}}),
    _mcp("stay__searchDestination", "Find a destination id for a city or district, for hotel search.",
         {"query": _s("city name")}, ["query"], {"dest_id": _s("destination id"), "name": _s("place name")}),
    _mcp("stay__searchHotels", "Search hotels at a destination for arrival and departure dates.",
         {"dest_id": _s("destination id"), "arrival_date": {"type": "string", "format": "date"},
          "departure_date": {"type": "string", "format": "date"}}, ["dest_id", "arrival_date", "departure_date"],
         {"hotels": _list(hotel_id=_s("hotel id"), name=_s("hotel name"), price={"type": "number"})}),
    _mcp("stay__getHotelDetails", "Rooms, reviews and facilities of one hotel.",
         {"hotel_id": _s("id of the hotel")}, ["hotel_id"], {"rooms": {"type": "array"}, "rating": {"type": "number"}}),
    _mcp("wx__locationSearch", "Look up a city and get its location key for the weather service.",
         {"q": _s("city name")}, ["q"], {"Key": _s("location key"), "LocalizedName": _s("city name")}),
    _mcp("wx__currentConditions", "Current weather conditions (temperature, sky, wind) at a location.",
         {"location_key": _s("location key from the location search")}, ["location_key"],
         {"temperature": {"type": "number"}, "weatherText": _s("conditions")}),
    _mcp("mail__listMessages", "List the messages in a mail folder.", {"folder": _s("folder name")}, ["folder"],
         {"messages": {"type": "array"}}),
    _mcp("mail__searchMessages", "Search mail messages by words; returns their message ids and subjects.",
         {"query": _s("words to look for")}, ["query"], {"results": _list(message_id=_s("id"), subject=_s("subject"))}),
    _mcp("mail__deleteMessage", "Delete one mail message.", {"message_id": _s("id of the message")}, ["message_id"],
         {"deleted": {"type": "boolean"}}),
]
TOOLS = [Tool.from_schema(s) for s in SPECS]
IO: dict[str, ToolIO] = {t.name: tool_io(ToolRecord.of(t)) for t in TOOLS}


@pytest.fixture(scope="module")
def services_router(encoder: Encoder) -> Router:
    return Router.build(TOOLS, encoder=encoder)


def _plan(text: str, chosen: list[str]) -> list[str]:
    relevance = {n: 1.0 for n in IO}  # every tool equally relevant: only data flow decides
    tools, _, _ = plan_flow(chosen, IO.__getitem__, RequestValues.of(text), relevance, FlowStats())
    return tools


def test_mcp_output_schemas_reach_the_router() -> None:
    assert TOOLS[0].return_schema is not None
    outs = {o.name for o in IO["sky__searchAirport"].outputs}
    assert {"skyId", "entityId"} <= outs
    assert IO["wx__currentConditions"].inputs[0].kind == "id"  # location_key: a key is an identifier


def test_naming_a_place_does_not_give_its_id() -> None:
    values = RequestValues.of("flights from the airport nearest Boston to Chicago on 2025-03-10")
    open_inputs = {s.name for s in missing_inputs(IO["sky__searchFlights"], values)}
    assert open_inputs == {"originSkyId", "destinationSkyId", "originEntityId", "destinationEntityId"}
    assert not missing_inputs(IO["wx__currentConditions"], RequestValues.of("conditions for location key 349727"))


def test_the_producer_comes_from_the_consumer_service() -> None:
    consumer = IO["sky__searchFlights"]
    slot = next(s for s in consumer.inputs if s.name == "originSkyId")
    assert service_affinity(IO["sky__searchAirport"], consumer) == 1.0
    assert service_affinity(IO["airdata__lookupAirport"], consumer) == 0.0  # another named server
    # Even with the look-alike lookup ranked as relevant, the flight search's own server feeds it.
    assert _plan("flights from the airport nearest Boston to Chicago on 2025-03-10",
                 ["sky__searchFlights"]) == ["sky__searchFlights", "sky__searchAirport"]
    assert id_evidence(IO["sky__searchAirport"], slot) == 1.0


def test_id_inputs_need_outputs_that_carry_ids() -> None:
    slot = IO["mail__deleteMessage"].inputs[0]
    assert id_evidence(IO["mail__listMessages"], slot) < 1.0  # a list of messages, no ids in it
    assert id_evidence(IO["mail__searchMessages"], slot) == 1.0
    assert _plan("delete the mail about the offsite", ["mail__deleteMessage"]) == ["mail__deleteMessage", "mail__searchMessages"]


def test_a_lookup_that_needs_the_same_id_is_not_a_first_step() -> None:
    slot = IO["stay__searchHotels"].inputs[0]  # dest_id
    assert needs_same_input(IO["stay__searchHotels"], slot, IO["stay__searchHotels"].inputs)
    # Hotel details need a hotel id: the hotel search gives it, and the search's own dest_id comes first.
    assert _plan("rooms of the best hotel in Lisbon from 2025-05-01 to 2025-05-04", ["stay__getHotelDetails"]) == [
        "stay__getHotelDetails", "stay__searchHotels", "stay__searchDestination"]


@pytest.mark.parametrize(
    ("text", "chosen", "count"),
    [
        ("current conditions for location key 349727", ["wx__currentConditions"], 1),  # the request gives the key
        ("what is it like outside in Lyon right now", ["wx__currentConditions"], 2),
        ("details of hotel 11793", ["stay__getHotelDetails"], 1),
    ],
)
def test_pulling_stops_when_inputs_are_given(text: str, chosen: list[str], count: int) -> None:
    assert len(_plan(text, chosen)) == count


def test_brand_words_come_from_how_the_description_writes_the_name() -> None:
    assert brand_words("zohoMailArchiveEmail", "Archive an email so it leaves the inbox. Uses Zoho Mail.") == {"zoho"}
    assert brand_words("get_menu_opentable", "Get a restaurant's menu. (OpenTable API)") == {"opentable"}
    assert brand_words("geocode_address", "Geocode an address to latitude and longitude.") == frozenset()
    assert brand_words("getWeatherByCoords", "Current weather at coordinates.") == frozenset()


@pytest.mark.parametrize(
    ("query", "chain"),
    [
        ("Find flights from the airport nearest Boston to Chicago on 2025-03-10", ["sky__searchAirport", "sky__searchFlights"]),
        ("What's the weather right now in Lyon?", ["wx__locationSearch", "wx__currentConditions"]),
        ("Show hotels in Lisbon from 2025-05-01 to 2025-05-04", ["stay__searchDestination", "stay__searchHotels"]),
        ("Delete the mail about the offsite", ["mail__searchMessages", "mail__deleteMessage"]),
        ("Current conditions for location key 349727", ["wx__currentConditions"]),
    ],
)
def test_routed_chains_follow_data_flow(services_router: Router, query: str, chain: list[str]) -> None:
    plan = services_router.route(query, k=5)
    assert plan.selected == chain
    assert set(chain) <= {n for n, _ in plan.ranked[:5]}


def test_pulled_producers_join_the_top_five_without_moving_the_head() -> None:
    ranked = [("a", 0.9), ("b", 0.8), ("c", 0.7), ("d", 0.6), ("e", 0.5), ("f", 0.4), ("p", 0.3)]
    lifted = lift_pulled(ranked, ["p"], ["a", "d", "p"])
    assert [n for n, _ in lifted] == ["a", "b", "c", "d", "p", "e", "f"]  # "e" (not selected) makes room
    assert [s for _, s in lifted] == [s for _, s in ranked]
    assert lift_pulled(ranked, [], ["a"]) == ranked
    # A producer found beyond the ranked list still enters the top five.
    assert [n for n, _ in lift_pulled(ranked[:5], ["z"], ["a", "z"])] == ["a", "b", "c", "d", "z"]


def test_a_service_the_request_names_keeps_its_own_lookups() -> None:
    def io(name: str, desc: str) -> ToolIO:
        return tool_io(ToolRecord.of({"name": name, "description": desc, "parameters": {"type": "object", "properties": {}}}))

    track = io("easypost-track-package", "Track a parcel by tracking number. Uses EasyPost.")
    label = io("canadaPostCreateShippingLabel", "Create a shipping label for a parcel. (Canada Post API)")
    said = RequestValues.of("has the box to Paris been delivered with EasyPost").squashed
    assert service_affinity(label, track, said) == 0.3  # another brand, and the request names EasyPost
    assert service_affinity(label, track) == 0.85  # nothing named: plain names of unknown service
    # A producer with no brand of its own is not another service: a title-cased description changes nothing.
    flights = io("searchFlights", "Search one-way flights between airports. Returns Flights with prices.")
    airport = io("searchAirport", "Find airports by name.")
    assert service_affinity(airport, flights, RequestValues.of("flights from Boston to Chicago").squashed) == 0.85
