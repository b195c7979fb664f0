"""Combinations that follow data flow: producers pulled in for inputs a request does not give, in order.

The registry (tests/router/data/flow_probe.json) mixes naming styles (snake,
camel, kebab, dotted) and tools with and without output schemas (MCP
``outputSchema``); none of its requests names a connective for the chain.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agentfn.router import Router
from agentfn.router.chain import plan_flow
from agentfn.router.dataflow import RequestValues, flow_score, missing_inputs, tool_io
from agentfn.router.encoder import Encoder
from agentfn.router.flowstats import FlowLink, FlowStats
from agentfn.router.text import ToolRecord

DATA = json.loads((Path(__file__).parent / "data" / "flow_probe.json").read_text())
IO = {t["name"]: tool_io(ToolRecord.of(t)) for t in DATA["tools"]}


@pytest.fixture(scope="module")
def flow_router(encoder: Encoder) -> Router:
    return Router.build(DATA["tools"], encoder=encoder)


def slot(tool: str, name: str) -> Any:
    return next(s for s in IO[tool].inputs if s.name == name)


def test_output_schemas_are_read_from_mcp_specs_and_flattened() -> None:
    flights = {o.name for o in IO["searchFlights"].outputs}
    assert {"flights", "flight_id", "price", "carrier"} <= flights  # array items' fields, flattened
    assert IO["geocode_address"].outputs[0].kind == "coord"
    # No output schema: outputs are guessed from the name and a "Returns ..." phrase.
    guessed = IO["find_recipe"].outputs[0]
    assert guessed.inferred and {"recipe", "id"} <= guessed.words


def test_flow_scores_match_outputs_to_inputs_by_words_and_types() -> None:
    assert flow_score(IO["geocode_address"], slot("getWeatherByCoords", "lat")) >= 0.8  # lat ~ latitude
    assert flow_score(IO["searchAirport"], slot("searchFlights", "originSkyId")) >= 0.5
    assert flow_score(IO["lookup_user_by_name"], slot("send_email", "to")) >= 0.8  # "recipient email address"
    assert flow_score(IO["get_movie_id"], slot("get_movie_reviews", "imdb_id")) >= 0.5  # guessed output
    assert flow_score(IO["get_stock_price"], slot("getWeatherByCoords", "lat")) == 0.0
    assert flow_score(IO["translate_text"], slot("get_order_status", "order_id")) == 0.0


@pytest.mark.parametrize(
    ("text", "tool", "open_inputs"),
    [
        ("weather at the Eiffel Tower", "getWeatherByCoords", {"lat", "lon"}),
        ("weather at 48.85, 2.35", "getWeatherByCoords", set()),
        ("price of AAPL", "get_stock_price", set()),
        ("Apple's stock price", "get_stock_price", {"symbol"}),
        ("where is the package for order 55123", "track_package", {"tracking_number"}),  # an order number is no tracking number
        ("track parcel 1Z999AA10123456784 with UPS", "track_package", set()),
        ("email bob@example.com the notes", "send_email", set()),
    ],
)
def test_open_inputs_count_what_the_request_gives(text: str, tool: str, open_inputs: set[str]) -> None:
    assert {s.name for s in missing_inputs(IO[tool], RequestValues.of(text))} == open_inputs


@pytest.mark.parametrize(
    ("query", "chain"),
    [
        ("What's the weather like at the Eiffel Tower right now?", ["geocode_address", "getWeatherByCoords"]),
        ("Find flights from London to Tokyo on 2024-06-01", ["searchAirport", "searchFlights"]),
        ("Email Maria Garcia the meeting notes", ["lookup_user_by_name", "send_email"]),
        ("Where is the package for order 55123 right now?", ["get_order_status", "track_package"]),
        ("What do critics say about the movie Inception?", ["get_movie_id", "get_movie_reviews"]),  # no output schemas
        ("Book the cheapest flight from Berlin to Rome on May 5 for John Smith",
         ["searchAirport", "searchFlights", "book_flight"]),
        ("What's the weather where my IP address is located?", ["get_my_ip", "get_ip_location", "getWeatherByCoords"]),
    ],
)
def test_selected_is_the_dependency_chain_producers_first(flow_router: Router, query: str, chain: list[str]) -> None:
    plan = flow_router.route(query, k=10)
    assert not plan.abstain
    assert plan.selected == chain


@pytest.mark.parametrize(
    ("query", "tool"),
    [("What's the price of AAPL?", "get_stock_price"), ("Weather at 48.85, 2.35 please", "getWeatherByCoords"),
     ("Convert 100 USD to JPY", "convert_currency")],
)
def test_no_producer_when_the_request_gives_the_input(flow_router: Router, query: str, tool: str) -> None:
    plan = flow_router.route(query, k=10)
    assert plan.selected == [tool]


def test_flow_pull_can_be_switched_off(encoder: Encoder) -> None:
    r = Router.build(DATA["tools"], encoder=encoder)
    r.config.flow_pull = False
    assert r.route("Find flights from London to Tokyo on 2024-06-01").selected == ["searchFlights"]


def test_traced_flow_teaches_producers_the_schemas_do_not_show() -> None:
    # Two opaque tools: nothing in their schemas links them.
    tools = [
        {"name": "zorp_lookup", "description": "Zorp lookup.", "parameters": {"type": "object", "properties": {
            "q": {"type": "string"}}, "required": ["q"]}},
        {"name": "kelvo_run", "description": "Run kelvo.", "parameters": {"type": "object", "properties": {
            "handle": {"type": "string"}}, "required": ["handle"]}},
    ]
    ios = {t["name"]: tool_io(ToolRecord.of(t)) for t in tools}
    values = RequestValues.of("run kelvo for the acme account")
    rel = {"zorp_lookup": 0.5}
    untaught, _, _ = plan_flow(["kelvo_run"], ios.__getitem__, values, rel, FlowStats())
    assert untaught == ["kelvo_run"]  # "handle" is free text: assumed given
    stats = FlowStats()
    stats.fit([FlowLink("zorp_lookup", "kelvo_run", "handle", "h")] * 3, [("kelvo_run", ["handle"])] * 3)
    taught, edges, pulled = plan_flow(["kelvo_run"], ios.__getitem__, values, rel, stats)
    assert taught == ["kelvo_run", "zorp_lookup"] and pulled == ["zorp_lookup"]
    assert ("zorp_lookup", "kelvo_run") in edges
    assert FlowStats.from_json(json.loads(json.dumps(stats.to_json()))).pairs == stats.pairs
