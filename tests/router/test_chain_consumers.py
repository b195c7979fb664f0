"""Consumers and step tools chosen by data flow, on a made-up travel registry with MCP output schemas.

Every tool is built with :meth:`Tool.from_schema` from an MCP spec carrying
``inputSchema`` and ``outputSchema``: an airport/flight service, a lodging
service whose hotel search takes a destination id only its own lookup gives,
and a sights service. Near-duplicates (``searchFlightEverywhere`` beside
``searchFlights``) share words with the requests in their descriptions only.
"""

from __future__ import annotations

from typing import Any

from agentfn.router.chain import plan_flow
from agentfn.router.dataflow import RequestValues, ToolIO, tool_io
from agentfn.router.flowstats import FlowStats
from agentfn.router.text import ToolRecord
from agentfn.tool import Tool


def _mcp(name: str, desc: str, params: dict[str, Any], out: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "description": desc,
            "inputSchema": {"type": "object", "properties": params, "required": list(params)},
            "outputSchema": out}


def _s(desc: str) -> dict[str, Any]:
    return {"type": "string", "description": desc}


def _rows(**fields: Any) -> dict[str, Any]:
    return {"type": "object", "properties": {"data": {"type": "array", "items": {"type": "object", "properties": fields}}}}


SPECS = [
    _mcp("findAirport", "Find airports by a city name.", {"query": _s("a city")},
         _rows(skyId=_s("airport sky id"), entityId=_s("airport entity id"))),
    _mcp("searchFlights", "One-way flights between two airports on a day.",
         {"originSkyId": _s("origin sky id"), "destinationSkyId": _s("destination sky id"), "date": _s("day, YYYY-MM-DD")},
         _rows(flightId=_s("flight id"), price={"type": "number"})),
    _mcp("searchFlightEverywhere", "The cheapest flights from one airport to anywhere.",
         {"originEntityId": _s("origin entity id")}, _rows(city=_s("destination city"), price={"type": "number"})),
    _mcp("getFlightDetails", "Legs, times and fare of one flight.", {"flightId": _s("flight id")},
         {"type": "object", "properties": {"legs": {"type": "array"}, "price": {"type": "number"}}}),
    _mcp("lodging_lookupDestination", "Look up a lodging destination (for hotel searches) by city.", {"query": _s("a city")},
         _rows(dest_id=_s("destination id"), label=_s("name"))),
    _mcp("lodging_searchHotels", "Hotels at a destination between two days.",
         {"dest_id": _s("destination id"), "checkin": _s("day"), "checkout": _s("day")},
         _rows(hotel_id=_s("hotel id"), name=_s("hotel name"))),
    _mcp("sights_listSights", "Sights worth a visit at a destination.", {"dest_id": _s("destination id")},
         _rows(sight_id=_s("sight id"), name=_s("name"))),
    _mcp("sights_getSight", "Story, hours and ticket price of one sight.", {"sight_id": _s("sight id")},
         {"type": "object", "properties": {"story": _s("text"), "hours": _s("opening hours")}}),
]
IO: dict[str, ToolIO] = {t.name: tool_io(ToolRecord.of(t)) for t in (Tool.from_schema(s) for s in SPECS)}
REL = dict.fromkeys(IO, 0.5)


def _plan(chosen: list[str], text: str, top: list[str]) -> tuple[list[str], set[tuple[str, str]]]:
    tools, edges, _ = plan_flow(chosen, IO.__getitem__, RequestValues.of(text), REL, FlowStats(), top=top)
    return tools, edges


def test_a_top_tool_the_request_names_by_its_object_joins_as_consumer() -> None:
    # "find hotels" named a lookup of destinations as the step's tool; the hotel search it feeds joins.
    text = "Flights from Oslo to Rome on 2026-05-02, then find hotels in Rome from 2026-05-02 to 2026-05-04"
    tools, edges = _plan(["searchFlights", "lodging_lookupDestination"], text,
                         ["searchFlights", "lodging_lookupDestination", "lodging_searchHotels"])
    assert "lodging_searchHotels" in tools
    assert ("lodging_lookupDestination", "lodging_searchHotels") in edges


def test_a_near_duplicate_sharing_only_description_words_does_not_join() -> None:
    # "cheapest" is in searchFlightEverywhere's description, "flight" is already covered by searchFlights.
    text = "Search flights from Oslo to Rome on 2026-05-02 and show me the details of the cheapest one"
    tools, _ = _plan(["searchFlights", "getFlightDetails"], text,
                     ["searchFlightEverywhere", "getFlightDetails", "searchFlights"])
    assert "searchFlightEverywhere" not in tools
    assert set(tools) == {"findAirport", "searchFlights", "getFlightDetails"}
