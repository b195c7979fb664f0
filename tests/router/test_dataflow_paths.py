"""Data flow for files, listed things and identifiers given once (second data-flow set's classes).

A small registry written for these tests, built with :meth:`Tool.from_schema`
from MCP specs (``inputSchema`` + ``outputSchema``): a notes service that
finds notes by pattern and reads one by its path, a writer that saves a file,
a translator, a pantry service that lists a dish's components and prices a
list of them, a lending desk that reserves a title for a member. Each case:
the request names a file only by name or description (a search must find
its path), gives a list (no lookup) or not (a lookup lists it), or holds one
number that may fill only one identifier.
"""

from __future__ import annotations

from typing import Any

import pytest

from agentfn.router import Router
from agentfn.router.combine import segment
from agentfn.router.dataflow import RequestValues, flow_score, missing_inputs, tool_io
from agentfn.router.encoder import Encoder
from agentfn.router.flowindex import ProducerIndex
from agentfn.router.producers import service_affinity, service_words
from agentfn.router.text import ToolRecord
from agentfn.tool import Tool


def _mcp(name: str, desc: str, params: dict[str, Any], required: list[str], out: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "description": desc,
            "inputSchema": {"type": "object", "properties": params, "required": required},
            "outputSchema": {"type": "object", "properties": out}}


def _s(desc: str = "") -> dict[str, Any]:
    return {"type": "string", "description": desc} if desc else {"type": "string"}


def _strings(desc: str) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string"}, "description": desc}


SPECS = [
    _mcp("locate_notes", "Find note files under a folder whose names match a glob.", {"root": _s("folder to look in"),
         "glob": _s("e.g. *.md")}, ["root", "glob"], {"hits": _strings("absolute paths of the matching files")}),
    _mcp("open_note", "Return the text of a note file.", {"path": _s("where the note is")}, ["path"], {"body": _s()}),
    _mcp("save_note", "Save text as a note file, replacing it if it exists.", {"path": _s("file to write"), "body": _s()},
         ["path", "body"], {"saved": {"type": "boolean"}}),
    _mcp("translate_passage", "Translate a passage into another language.", {"text": _s(), "lang": _s("target language")},
         ["text", "lang"], {"translation": _s()}),
    _mcp("pantry_dish_lookup", "Look up a dish by name.", {"dish": _s()}, ["dish"],
         {"dishes": {"type": "array", "items": {"type": "object", "properties": {"dish_id": {"type": "integer"}, "title": _s()}}}}),
    _mcp("pantry_dish_components", "Components of a dish with quantities.", {"dish_id": {"type": "integer"}}, ["dish_id"],
         {"components": {"type": "array", "items": {"type": "object", "properties": {"component": _s(), "qty": _s()}}}}),
    _mcp("pantry_price_basket", "Price a basket of components at the local grocer.",
         {"components": _strings("one component per entry")}, ["components"], {"total_eur": {"type": "number"}}),
    _mcp("desk_find_title", "Find a title in the lending catalogue.", {"words": _s("title or author")}, ["words"],
         {"titles": {"type": "array", "items": {"type": "object", "properties": {"isbn": _s(), "title": _s()}}}}),
    _mcp("desk_reserve", "Reserve a title for a member of the lending desk.",
         {"isbn": _s("ISBN of the title"), "member_number": _s("membership number")}, ["isbn", "member_number"],
         {"reservation": _s()}),
]
TOOLS = [Tool.from_schema(s) for s in SPECS]
IO = {t.name: tool_io(ToolRecord.of(t)) for t in TOOLS}


def _open(tool: str, text: str) -> list[str]:
    return [s.name for s in missing_inputs(IO[tool], RequestValues.of(text))]


def test_a_path_is_given_as_a_path_or_a_full_file_name() -> None:
    assert IO["open_note"].inputs[0].kind == "path"
    assert IO["locate_notes"].inputs[0].kind == "text"  # a folder to look in is free text
    assert _open("open_note", "Show me /srv/notes/standup") == []
    assert _open("open_note", "Show me groceries.txt") == []
    assert _open("open_note", "Show me the shopping note in ~/notes") == ["path"]  # a folder, not the file
    assert _open("open_note", "Show me my groceries file") == ["path"]  # spoken of, not named: to be found
    assert _open("open_note", "Show me the CHANGELOG") == ["path"]
    assert _open("open_note", "Show me what I noted about the trip") == []  # no file spoken of: assumed given


def test_a_writer_may_name_its_file() -> None:
    assert "path" not in _open("save_note", "Save the translation as notes-de.txt")
    # A file named as the target is where to write, not a file to read.
    assert _open("open_note", "Translate the README and save it as readme-de.txt") == ["path"]
    assert "path" not in _open("save_note", "Translate the README and save it as readme-de.txt")
    assert _open("open_note", "Translate todo.md and save it as todo-de.md") == []


def test_words_between_slashes_are_a_path_not_a_division() -> None:
    assert len(segment("Show me /srv/notes/standup", actions=True)) == 1
    assert [s.text for s in segment("compute 9/3", actions=True)] == ["divide 9 by 3"]


def test_quantities_joined_by_and_are_one_list() -> None:
    assert len(segment("Price a basket of 2 kg flour and 6 eggs", actions=True)) == 1
    assert len(segment("Book 2 seats and send 3 invitations", actions=True)) == 2  # a verb follows: two steps


def test_an_output_described_as_holding_an_input_fills_it() -> None:
    path = IO["open_note"].inputs[0]
    assert flow_score(IO["locate_notes"], path) >= 0.5  # ``hits``: "absolute paths of the matching files"
    index = ProducerIndex()
    assert "locate_notes" in index.lookup(path, list(IO), IO.__getitem__)


def test_a_list_is_given_by_listing_it() -> None:
    assert IO["pantry_price_basket"].inputs[0].kind == "list"
    assert _open("pantry_price_basket", "What do tomatoes, basil and mozzarella cost?") == []
    assert _open("pantry_price_basket", "What does 2 kg flour and 6 eggs cost?") == []
    assert _open("pantry_price_basket", "What would the components of a lasagne cost?") == ["components"]


def test_one_number_fills_one_identifier() -> None:
    # The member number fills ``member_number``; the ISBN is still to be found.
    assert _open("desk_reserve", "Reserve Dune for me, member number 55310982") == ["isbn"]


def test_a_verb_and_one_word_name_its_service() -> None:
    assert service_words("pantry_search") == ("", frozenset({"pantry"}))
    assert service_affinity(IO["locate_notes"], IO["open_note"]) == 1.0  # both about notes


@pytest.fixture(scope="module")
def router(encoder: Encoder) -> Router:
    return Router.build(TOOLS, encoder=encoder)


@pytest.mark.parametrize(
    ("text", "chain"),
    [
        ("Translate my shopping list file in ~/notes into Italian", ["locate_notes", "open_note", "translate_passage"]),
        ("Price a basket with everything a lasagne needs", ["pantry_dish_lookup", "pantry_dish_components", "pantry_price_basket"]),
        ("Reserve Dune for me, member number 55310982", ["desk_find_title", "desk_reserve"]),
    ],
)
def test_producers_are_pulled_in(router: Router, text: str, chain: list[str]) -> None:
    router.config.abstain_cut = -1.0  # the chain is under test here, not abstention
    assert router.route(text).selected == chain


@pytest.mark.parametrize(
    ("text", "tool"),
    [("Read the note at /srv/notes/standup", "open_note"), ("Price a basket of 2 kg flour and 6 eggs", "pantry_price_basket")],
)
def test_no_producer_when_the_request_gives_the_value(router: Router, text: str, tool: str) -> None:
    router.config.abstain_cut = -1.0
    assert router.route(text).selected == [tool]


ISSUES = [
    _mcp("tracker_find_member", "Find a tracker member account by name.", {"q": _s()}, ["q"],
         {"members": {"type": "array", "items": {"type": "object", "properties": {"memberId": _s(), "fullName": _s()}}}}),
    _mcp("tracker_open_ticket", "Open a ticket in a tracker board.",
         {"board": _s(), "headline": _s(), "ownerMemberId": _s("member who owns the ticket")}, ["board", "headline"],
         {"ticketKey": _s()}),
    _mcp("token_quote", "Quote tokens by their ids.", {"token_ids": _s("comma-separated token ids")}, ["token_ids"],
         {"quotes": {"type": "object"}}),
]
ISSUE_IO = {s["name"]: tool_io(ToolRecord.of(Tool.from_schema(s))) for s in ISSUES}


def test_an_optional_identifier_the_request_sets_by_name_is_open() -> None:
    io = ISSUE_IO["tracker_open_ticket"]
    assert [s.name for s in missing_inputs(io, RequestValues.of("Open a ticket on board WEB and make Ana Ruiz its owner"))] \
        == ["ownerMemberId"]
    assert missing_inputs(io, RequestValues.of("Open a ticket on board WEB about the slow login")) == []


def test_words_written_as_ids_are_ids() -> None:
    io = ISSUE_IO["token_quote"]
    assert missing_inputs(io, RequestValues.of("Quote the token ids alpha and beta")) == []
    assert [s.name for s in missing_inputs(io, RequestValues.of("What is the id of the alpha token?"))] == ["token_ids"]



BASKETS = [_mcp(n, d, {"basket_id": _s("basket id")}, ["basket_id"], {"ok": {"type": "boolean"}}) for n, d in [
    ("basket_clear", "Empty a shopping basket."), ("basket_price_history", "How the price of a basket changed."),
    ("basket_share", "Share a basket with a friend."), ("basket_price_alert", "Alert when a basket's price drops."),
    ("basket_totals", "Totals of every basket.")]]


def test_an_abstaining_route_still_lifts_the_producers_into_ranked(encoder: Encoder) -> None:
    crowded = Router.build(TOOLS + [Tool.from_schema(s) for s in BASKETS], encoder=encoder)
    text = "Price a basket with everything a lasagne needs"
    chain = {"pantry_dish_lookup", "pantry_dish_components", "pantry_price_basket"}
    crowded.config.flow_pull = False
    assert not chain <= {n for n, _ in crowded.route(text).ranked[:5]}  # by relevance alone the lookups rank lower
    crowded.config.flow_pull = True
    crowded.config.abstain_cut = 1.01  # abstain whatever the request
    plan = crowded.route(text)
    assert plan.abstain and plan.selected == []
    assert chain <= {n for n, _ in plan.ranked[:5]}
