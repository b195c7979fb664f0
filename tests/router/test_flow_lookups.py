"""Lookups a request never names: lists of named things, values labelled by their owner, reads before an action.

Every tool is built with :meth:`Tool.from_schema` from an MCP spec carrying
``inputSchema`` and ``outputSchema`` (two made-up services: a venue guide whose
detail tools take *lists of venue names* that only a city listing gives, and a
shop whose actions take an order id that a customer record lists).
"""

from __future__ import annotations

from typing import Any

import pytest

from agentfn.router import Router
from agentfn.router.chain import plan_flow
from agentfn.router.dataflow import RequestValues, ToolIO, flow_score, missing_inputs, tool_io
from agentfn.router.encoder import Encoder
from agentfn.router.flowlinks import inspectors
from agentfn.router.flowstats import FlowStats
from agentfn.router.text import ToolRecord
from agentfn.tool import Tool


def _mcp(name: str, desc: str, params: dict[str, Any], required: list[str], out: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "description": desc,
            "inputSchema": {"type": "object", "properties": params, "required": required},
            "outputSchema": out}


def _s(desc: str) -> dict[str, Any]:
    return {"type": "string", "description": desc}


def _names(desc: str) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string"}, "description": desc}


def _obj(**fields: Any) -> dict[str, Any]:
    return {"type": "object", "properties": fields}


_SCORES = {"type": "object", "additionalProperties": {"type": "string"}}
SPECS = [
    _mcp("guide__list_venues_in_town", "List every venue in a town.", {"town": _s("the town")}, ["town"],
         {"type": "string", "description": "venue names, one per line"}),
    _mcp("guide__venue_scores", "Visitor scores and comments for venues.",
         {"venue_names": _names("names of the venues to score")}, ["venue_names"], _SCORES),
    _mcp("guide__venue_opening_times", "Opening times of venues.",
         {"venue_names": _names("names of the venues")}, ["venue_names"], _SCORES),
    _mcp("guide__book_venue", "Book a table or a room at one venue on a day.",
         {"venue": _s("name of the venue"), "day": {"type": "string", "format": "date"}}, ["venue", "day"],
         {"type": "string"}),
    _mcp("shop__get_customer", "A customer's record: name, address and the ids of their orders.",
         {"customer_id": _s("the customer id, such as 'ann_lee_12'")}, ["customer_id"],
         _obj(customer_id=_s("customer id"), orders={"type": "array", "items": {"type": "string"},
                                                      "description": "order ids of the customer"})),
    _mcp("shop__get_order", "Status, items and payment of one order.", {"order_id": _s("the order id")}, ["order_id"],
         _obj(order_id=_s("order id"), status=_s("order status"), items={"type": "array"})),
    _mcp("shop__cancel_order", "Cancel a pending order.", {"order_id": _s("the order id"), "reason": _s("why")},
         ["order_id", "reason"], _obj(order_id=_s("order id"), status=_s("new status"))),
    _mcp("chat__list_rooms", "Every chat room of the workspace.", {}, [], {"type": "array", "items": {"type": "string"}}),
    _mcp("chat__room_members", "Members of one chat room.", {"room": _s("the room")}, ["room"],
         {"type": "array", "items": {"type": "string"}}),
    _mcp("chat__post_to_room", "Post a message to a chat room.", {"room": _s("the room"), "body": _s("message text")},
         ["room", "body"], {"type": "string"}),
    _mcp("chat__invite_member", "Invite a person to the chat workspace by e-mail.",
         {"person": _s("who to invite"), "person_email": {"type": "string", "format": "email"}},
         ["person", "person_email"], {"type": "string"}),
    _mcp("chat__fetch_page", "Fetch a web page and return its text.", {"url": {"type": "string", "format": "uri"}},
         ["url"], {"type": "string"}),
    _mcp("chat__publish_page", "Publish content at a web address.",
         {"url": {"type": "string", "format": "uri"}, "content": _s("the text to publish")}, ["url", "content"],
         {"type": "string"}),
    _mcp("shop__list_products", "Every product the shop sells, by name.", {}, [],
         {"type": "string", "description": "product names and ids"}),
]
TOOLS = [Tool.from_schema(s) for s in SPECS]
IO: dict[str, ToolIO] = {t.name: tool_io(ToolRecord.of(t)) for t in TOOLS}


@pytest.fixture(scope="module")
def lookups_router(encoder: Encoder) -> Router:
    return Router.build(TOOLS, encoder=encoder)


def _plan(text: str, chosen: list[str]) -> list[str]:
    relevance = {n: 1.0 for n in IO}  # every tool equally relevant: only data flow decides
    tools, _, _ = plan_flow(chosen, IO.__getitem__, RequestValues.of(text), relevance, FlowStats())
    return tools


def test_a_list_of_names_is_given_only_by_naming_them() -> None:
    scores = IO["guide__venue_scores"]
    assert scores.inputs[0].kind == "names"
    assert [s.name for s in missing_inputs(scores, RequestValues.of("the best rated venue in Lyon"))] == ["venue_names"]
    assert not missing_inputs(scores, RequestValues.of("scores of 'Chez Marie' and 'Le Zinc'"))
    # A plain string naming one venue is not a list: free text, assumed given.
    assert not missing_inputs(IO["guide__book_venue"], RequestValues.of("book Chez Marie on 2025-06-01"))


def test_a_listing_fills_a_list_of_names() -> None:
    slot = IO["guide__venue_scores"].inputs[0]
    assert flow_score(IO["guide__list_venues_in_town"], slot) >= 0.5  # a string output that lists venues
    assert _plan("the best rated venue in Lyon", ["guide__venue_scores"]) == [
        "guide__venue_scores", "guide__list_venues_in_town"]
    # Another tool that needs the same names is no producer of them.
    assert "guide__venue_opening_times" not in _plan("the best rated venue in Lyon", ["guide__venue_scores"])


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Your customer id is ann_lee_12.", "customer"),
        ("within order IDs W123 and W456", "order"),
        ("order number: 55123 please", "order"),
        ("ticket 993 is late", "ticket"),
    ],
)
def test_a_value_is_labelled_by_its_owner(text: str, label: str) -> None:
    assert RequestValues.of(text).labels["id"][0] == label


def test_an_id_labelled_for_another_thing_leaves_the_input_open() -> None:
    cancel = IO["shop__cancel_order"]
    assert [s.name for s in missing_inputs(cancel, RequestValues.of("cancel my order. My customer id is ann_lee_12."))] == ["order_id"]
    assert not missing_inputs(cancel, RequestValues.of("cancel order W123: wrong size"))
    # The customer record lists the order ids; the order lookup needs the id itself.
    assert _plan("cancel my order, wrong size. My customer id is ann_lee_12.", ["shop__cancel_order"]) == [
        "shop__cancel_order", "shop__get_customer"]


def test_the_lookup_of_what_an_action_changes_is_shown() -> None:
    names = list(IO)
    assert inspectors(["shop__cancel_order"], names, IO.__getitem__) == ["shop__get_order"]
    assert inspectors(["shop__get_customer"], names, IO.__getitem__) == []  # reads change nothing
    assert inspectors(["shop__cancel_order", "shop__get_order"], names, IO.__getitem__) == []  # already chosen


@pytest.mark.parametrize(
    ("query", "chain"),
    [
        ("Which venue in Lyon has the best visitor scores?", ["guide__list_venues_in_town", "guide__venue_scores"]),
        ("Please cancel my order, it was the wrong size. My customer id is ann_lee_12.",
         ["shop__get_customer", "shop__cancel_order"]),
    ],
)
def test_routed_chains_pull_unnamed_lookups(lookups_router: Router, query: str, chain: list[str]) -> None:
    plan = lookups_router.route(query, k=5)
    assert plan.selected == chain
    assert set(chain) <= {n for n, _ in plan.ranked[:5]}


def test_the_read_before_an_action_joins_the_top_five(lookups_router: Router) -> None:
    plan = lookups_router.route("Please cancel my order, it was the wrong size. My customer id is ann_lee_12.", k=5)
    assert "shop__get_order" in {n for n, _ in plan.ranked[:5]}
    assert "shop__get_order" not in plan.selected


@pytest.mark.parametrize(
    ("text", "described"),
    [
        ("Post hello to the room starting with Ops", {"room"}),
        ("Find a room with the most members", {"room"}),
        ("Post hello to all rooms", {"room"}),
        ("Post hello to the general room", set()),
        ("Post hello to the room named general", set()),
    ],
)
def test_a_thing_described_is_not_named(text: str, described: set[str]) -> None:
    assert RequestValues.of(text).described == described


def test_a_described_thing_is_found_by_the_listing() -> None:
    post = IO["chat__post_to_room"]
    assert [s.name for s in missing_inputs(post, RequestValues.of("Post hello to the room starting with Ops"))] == ["room"]
    assert not missing_inputs(post, RequestValues.of("Post hello to the general room"))
    # The room listing fills it; the member listing needs a room itself.
    assert _plan("Post hello to the room starting with Ops", ["chat__post_to_room"]) == [
        "chat__post_to_room", "chat__list_rooms"]


def test_a_named_page_or_file_is_read_first() -> None:
    values = RequestValues.of("Invite Dora. Her e-mail address is on her site www.dora-example.com")
    assert values.file_only  # a web page named, no text of the request's own
    assert not RequestValues.of("Mail jay@example.com the notes").file_only  # an e-mail's domain is no page
    assert not RequestValues.of("Publish 'we are open' at www.x-example.com").file_only
    assert not RequestValues.of("Write 'hello world' to a file called hello.txt").file_only
    # Nothing outputs an e-mail address: the reader of the page the request names is the producer.
    assert _plan("Invite Dora. Her e-mail address is on her site www.dora-example.com", ["chat__invite_member"]) == [
        "chat__invite_member", "chat__fetch_page"]
    assert _plan("Invite Dora at dora@example.com", ["chat__invite_member"]) == ["chat__invite_member"]
