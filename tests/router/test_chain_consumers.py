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
from agentfn.router.combine import CoUsage
from agentfn.router.config import RouterConfig
from agentfn.router.dataflow import RequestValues, ToolIO, relation_flow, tool_io
from agentfn.router.flowlinks import fed_by
from agentfn.router.flowstats import FlowStats
from agentfn.router.selection import StepTop, fed_runners, reading_runners, select
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
    _mcp("chat_listRooms", "Every room of the team chat.", {}, _rows(room=_s("room name"), topic=_s("topic"))),
    _mcp("chat_roomMembers", "Who is in a chat room.", {"room": _s("room name")}, _rows(member=_s("member name"))),
    _mcp("chat_postMessage", "Post a message in a chat room.", {"room": _s("room name"), "text": _s("the message")},
         {"type": "object", "properties": {"ok": {"type": "boolean"}}}),
    _mcp("atlas_countryFacts", "Facts about a country.", {"country": _s("country name")},
         {"type": "object", "properties": {"capital": _s("the capital city"), "currency": _s("currency code")}}),
    _mcp("geo_geocode", "Coordinates of a city.", {"city": _s("city name")},
         {"type": "object", "properties": {"latitude": {"type": "number"}, "longitude": {"type": "number"}}}),
    _mcp("web_publishPage", "Publish text on a web page.", {"url": _s("page address"), "text": _s("the text")},
         {"type": "object", "properties": {"ok": {"type": "boolean"}}}),
]
TOOLS = [Tool.from_schema(s) for s in SPECS]
IO: dict[str, ToolIO] = {t.name: tool_io(ToolRecord.of(t)) for t in TOOLS}
RECORDS = {t.name: ToolRecord.of(t) for t in TOOLS}
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


def test_tools_that_need_the_same_value_do_not_feed_each_other() -> None:
    # Both chosen tools need the room the request only describes: its lookup is pulled in, feeding both.
    text = "Find the room with the most members and post 'lunch is here' in it"
    tools, edges = _plan(["chat_roomMembers", "chat_postMessage"], text, [])
    assert tools[2:] == ["chat_listRooms"]
    assert {("chat_listRooms", "chat_roomMembers"), ("chat_listRooms", "chat_postMessage")} <= edges
    assert ("chat_roomMembers", "chat_postMessage") not in edges and ("chat_postMessage", "chat_roomMembers") not in edges


def test_fed_by_says_whether_the_chain_fills_every_open_input() -> None:
    values = RequestValues.of("What sights are there in Prague? Tell me about the first one")
    assert fed_by("sights_getSight", ["sights_listSights"], IO.__getitem__, values) is True
    assert fed_by("getFlightDetails", ["sights_listSights"], IO.__getitem__, values) is False
    assert fed_by("lodging_lookupDestination", [], IO.__getitem__, values) is None  # the request gives the city


def _steps(top: str, runners: tuple[tuple[str, float], ...]) -> list[StepTop]:
    return [StepTop(0, "sights_listSights", 0.6), StepTop(1, top, 0.4, runners)]


def test_a_step_top_no_chain_tool_feeds_gives_way_to_a_fed_runner() -> None:
    text = "What sights are there in Prague? Tell me about the first one"
    values = RequestValues.of(text)
    chain, edges = _plan(["sights_listSights", "getFlightDetails"], text, [])
    steps = fed_runners(_steps("getFlightDetails", (("searchFlights", 0.01), ("sights_getSight", 0.05))), chain, edges,
                        IO.__getitem__, values, margin=0.1, min_flow=0.5)
    assert [s.name for s in steps] == ["sights_listSights", "sights_getSight"]
    # A runner too far behind the top does not replace it.
    far = fed_runners(_steps("getFlightDetails", (("sights_getSight", 0.3),)), chain, edges, IO.__getitem__, values,
                      margin=0.1, min_flow=0.5)
    assert far[1].name == "getFlightDetails"


def test_a_step_top_the_chain_feeds_stays() -> None:
    text = "What sights are there in Prague? Tell me about the first one"
    chain, edges = _plan(["sights_listSights", "sights_getSight"], text, [])
    steps = _steps("sights_getSight", (("getFlightDetails", 0.01),))
    assert fed_runners(steps, chain, edges, IO.__getitem__, RequestValues.of(text), margin=0.1, min_flow=0.5) == steps


def test_select_swaps_the_unfed_step_top_and_orders_the_chain() -> None:
    text = "Find the room with the most members and post 'lunch is here' in it"
    ranked = [("chat_roomMembers", 1.0), ("web_publishPage", 0.9), ("chat_postMessage", 0.85), ("chat_listRooms", 0.5)]
    steps = [StepTop(0, "chat_roomMembers", 0.6), StepTop(1, "web_publishPage", 0.5, (("chat_postMessage", 0.04),))]
    sel = select(ranked, "chat_roomMembers", steps, 0.3, config=RouterConfig(encoder=None), co_usage=CoUsage(),
                 flow=FlowStats(), io_of=IO.__getitem__, records=RECORDS, values=RequestValues.of(text),
                 relevance={n: s for n, s in ranked})
    assert sel.selected == ["chat_listRooms", "chat_roomMembers", "chat_postMessage"]
    assert sel.pulled == ["chat_listRooms"]


def test_a_value_named_by_its_relation_pulls_the_tool_whose_output_has_that_name() -> None:
    # "the capital of Chile": the geocoder's free-text city comes from the country facts' capital.
    tools, edges = _plan(["geo_geocode"], "Where on the map is the capital of Chile?", [])
    assert tools == ["geo_geocode", "atlas_countryFacts"] and ("atlas_countryFacts", "geo_geocode") in edges
    city = next(s for s in IO["geo_geocode"].inputs if s.name == "city")
    assert relation_flow(IO["atlas_countryFacts"], city, RequestValues.of("Kenya's capital").relations) >= 0.5
    # Named outright, the city is given; a relation no output has pulls nothing.
    assert _plan(["geo_geocode"], "Where on the map is Santiago?", [])[0] == ["geo_geocode"]
    assert _plan(["geo_geocode"], "Where on the map is the oldest bridge of Chile?", [])[0] == ["geo_geocode"]


def test_relations_are_read_before_a_named_thing_only() -> None:
    assert RequestValues.of("the capital of Chile").relations == {"capital"}
    assert RequestValues.of("Kenya's currency").relations == {"currency"}
    assert not RequestValues.of("the sum of my transactions").relations
    assert not RequestValues.of("the rest of the Beatles").relations


def test_a_question_step_reads_before_it_acts() -> None:
    # "has my parcel arrived?" asks to read: a close reading runner replaces a top that changes state.
    step = StepTop(1, "parcels_schedulePickup", 0.5, (("parcels_cancelPickup", 0.01), ("parcels_trackParcel", 0.04)), True)
    assert reading_runners([step], margin=0.1)[0].name == "parcels_trackParcel"
    assert reading_runners([step], margin=0.02)[0].name == "parcels_schedulePickup"  # too far behind
    told = StepTop(1, "parcels_schedulePickup", 0.5, step.runners, False)  # "arrange a pickup": a command
    assert reading_runners([told], margin=0.1) == [told]
