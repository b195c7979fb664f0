"""Producers found across the whole registry, what a request gives by itself, and material that flows.

Tools here are written for these tests (MCP ``inputSchema``/``outputSchema``): a
notes service, a parcel service, a chat service and a few others. None of the
requests names a connective for the chain.
"""

from __future__ import annotations

from typing import Any

import pytest

from agentfn.router import Router
from agentfn.router.chain import plan_flow
from agentfn.router.dataflow import IOSlot, RequestValues, flow_score, missing_inputs, relation_flow, tool_io
from agentfn.router.encoder import Encoder
from agentfn.router.flowindex import ProducerIndex
from agentfn.router.flowstats import FlowStats
from agentfn.router.text import ToolRecord

from .mcp_specs import N, S, mcp_tool, records


def spec(name: str, desc: str, params: dict[str, Any], required: list[str], out: dict[str, Any]) -> dict[str, Any]:
    return mcp_tool(name, desc, params, out, required)


arr = records


TOOLS = [
    spec("notes_lookup", "Look notes up by title words.", {"query": S}, ["query"], {"notes": arr(note_id=S, title=S)}),
    spec("notes_open", "Open a note and return what is written in it.", {"note_id": S}, ["note_id"], {"content": S, "title": S}),
    spec("notes_publish", "Publish a note on the web for a reader.", {"note_id": S, "reader_email": S}, ["note_id", "reader_email"],
         {"public_url": S}),
    spec("file_find", "Find stored files by name.", {"query": S}, ["query"], {"files": arr(file_id=S, name=S)}),
    spec("file_open", "Open a stored file.", {"file_id": S}, ["file_id"], {"content": S, "size": N}),
    spec("notes_create", "Create a note.", {"title": S, "content": S}, ["content"], {"note_id": S}),
    spec("words_condense", "Condense a long text into a short abstract.", {"text": S}, ["text"], {"summary": S}),
    spec("parcel_status", "Where a parcel is, by its tracking number.", {"tracking_number": S}, ["tracking_number"],
         {"status": S, "eta": S}),
    spec("purchase_fetch", "Fetch a purchase with its buyer and shipment.", {"purchase_id": S}, ["purchase_id"],
         {"purchase_id": S, "amount": N, "buyer_email": S, "tracking_number": S}),
    spec("purchase_refund", "Give money back for a purchase.", {"purchase_id": S, "amount": N}, ["purchase_id", "amount"],
         {"refund_id": S}),
    spec("rooms_list", "List the rooms of the team chat.", {}, [], {"rooms": arr(room_id=S, name=S, member_count=N)}),
    spec("room_say", "Say something in a chat room.", {"room_id": S, "text": S}, ["room_id", "text"], {"ts": S}),
    spec("country_card", "Card of a country: capital, currency, languages.", {"country": S}, ["country"],
         {"capital": S, "currency_code": S}),
    spec("place_to_point", "Point on the map of a place or street address.", {"address": S}, ["address"],
         {"latitude": N, "longitude": N}),
    spec("wiki_people", "Encyclopedia entries about people.", {"person": S}, ["person"],
         {"entries": arr(entry_id=S, text=S)}),
]
IO = {t["name"]: tool_io(ToolRecord.of(t)) for t in TOOLS}


def io_of(name: str) -> Any:
    return IO[name]


def slot(tool: str, name: str) -> IOSlot:
    return next(s for s in IO[tool].inputs if s.name == name)


def more(slot: IOSlot) -> list[str]:
    return INDEX.lookup(slot, IO, io_of)


INDEX = ProducerIndex()


def test_the_index_finds_producers_by_output_words_and_kinds() -> None:
    assert "notes_lookup" in INDEX.lookup(slot("notes_open", "note_id"), IO, io_of)[:2]
    emails = INDEX.lookup(slot("notes_publish", "reader_email"), IO, io_of)
    assert "purchase_fetch" in emails  # an email output fills an email input, whatever its name
    assert ProducerIndex(max_tools=3).lookup(slot("notes_open", "note_id"), IO, io_of) == []  # too big a registry: off


def test_a_producer_the_request_does_not_rank_is_pulled_from_the_registry() -> None:
    values = RequestValues.of("Publish my packing list note for ana@example.org")
    relevance = {"notes_publish": 1.0}  # the request's candidates hold no lookup of notes
    _alone, _, pulled = plan_flow(["notes_publish"], io_of, values, relevance, FlowStats())
    assert pulled == []
    tools, edges, pulled = plan_flow(["notes_publish"], io_of, values, relevance, FlowStats(), more=more)
    assert pulled == ["notes_lookup"] and ("notes_lookup", "notes_publish") in edges
    assert set(tools) == {"notes_publish", "notes_lookup"}


def test_an_outside_producer_that_needs_values_of_its_own_from_another_service_stays_out() -> None:
    values = RequestValues.of("Write the abstract of what the encyclopedia says")
    # words_condense's text is given (no file named); nothing is pulled, even with the whole registry.
    assert plan_flow(["words_condense"], io_of, values, {"words_condense": 1.0}, FlowStats(), more=more)[2] == []


def test_no_producer_when_the_request_gives_the_value() -> None:
    values = RequestValues.of("Publish note n-77f3a2 for ana@example.org")
    assert missing_inputs(IO["notes_publish"], values) == []
    assert plan_flow(["notes_publish"], io_of, values, {"notes_publish": 1.0}, FlowStats(), more=more)[2] == []


def test_a_named_file_is_read_before_its_text_is_worked_on() -> None:
    values = RequestValues.of("Condense trip-plan.pdf for me")
    assert values.file_only
    assert flow_score(IO["file_open"], slot("words_condense", "text")) >= 0.5  # a file's content is material
    assert flow_score(IO["wiki_people"], slot("words_condense", "text")) >= 0.5  # so is an entry's text, by name
    relevance = {"words_condense": 1.0, "wiki_people": 0.9, "file_open": 0.5}
    _tools, edges, _ = plan_flow(["words_condense"], io_of, values, relevance, FlowStats(), more=more)
    assert ("file_open", "words_condense") in edges  # a reader of files first
    assert ("file_find", "file_open") in edges  # found in the registry, though the request ranks no search


def test_a_tool_working_on_the_files_text_may_stand_between_reader_and_consumer() -> None:
    values = RequestValues.of("Create a note with an abstract of trip-plan.pdf")
    relevance = {"notes_create": 1.0, "words_condense": 0.9, "file_open": 0.4}  # two steps: condense, create
    _, edges, _ = plan_flow(["words_condense", "notes_create"], io_of, values, relevance, FlowStats(), more=more)
    assert {("words_condense", "notes_create"), ("file_open", "words_condense"), ("file_find", "file_open")} <= edges


@pytest.mark.parametrize(
    ("text", "numbers", "ids"),
    [
        ("Refund purchase 90412 in full", 1, ["purchase"]),
        ("Refund 25 for purchase 90412", 2, ["purchase"]),
        ("Convert 250 dollars to yen", 1, []),  # after a verb of amounts: an amount, not an id
        ("Meet on August 12 at the office", 0, []),  # a date holds its day
    ],
)
def test_request_values_tell_amounts_ids_and_dates_apart(text: str, numbers: int, ids: list[str]) -> None:
    values = RequestValues.of(text)
    assert values.counts["number"] == numbers
    assert values.labels["id"] == ids


def test_a_number_naming_a_thing_leaves_the_amount_to_a_lookup() -> None:
    values = RequestValues.of("Refund purchase 90412 in full")
    assert [s.name for s in missing_inputs(IO["purchase_refund"], values)] == ["amount"]  # the number names the purchase
    assert missing_inputs(IO["purchase_refund"], RequestValues.of("Refund 25 for purchase 90412")) == []
    _tools, edges, _ = plan_flow(["purchase_refund"], io_of, values, {"purchase_refund": 1.0, "purchase_fetch": 0.6}, FlowStats())
    assert ("purchase_fetch", "purchase_refund") in edges


def test_a_described_thing_is_looked_up_though_a_quote_is_given() -> None:
    values = RequestValues.of("Say 'lunch is ready' in the room with the most members")
    assert [s.name for s in missing_inputs(IO["room_say"], values)] == ["room_id"]
    given = RequestValues.of("Say 'lunch is ready' in room 12")
    assert missing_inputs(IO["room_say"], given) == []


@pytest.mark.parametrize("text", ["Say hi in my most recent room", "Say hi in the newest room"])
def test_a_thing_pointed_at_by_its_place_in_time_is_looked_up(text: str) -> None:
    assert [s.name for s in missing_inputs(IO["room_say"], RequestValues.of(text))] == ["room_id"]


def test_a_place_named_by_relation_feeds_an_address() -> None:
    values = RequestValues.of("Where on the map is the capital of Chile?")
    assert relation_flow(IO["country_card"], slot("place_to_point", "address"), values.relations) >= 0.5
    _tools, edges, _ = plan_flow(["place_to_point"], io_of, values, {"place_to_point": 1.0, "country_card": 0.5}, FlowStats())
    assert ("country_card", "place_to_point") in edges


def test_a_tool_fed_by_a_field_of_its_inputs_name_joins_when_its_description_is_used() -> None:
    values = RequestValues.of("Is the parcel of purchase 4471 on its way?")
    tools, edges, _ = plan_flow(["purchase_fetch"], io_of, values, {"purchase_fetch": 1.0, "parcel_status": 0.9}, FlowStats(),
                                top=["purchase_fetch", "parcel_status"])
    assert tools == ["purchase_fetch", "parcel_status"] and ("purchase_fetch", "parcel_status") in edges


def test_reference_fields_are_ids() -> None:
    rec = ToolRecord.of(spec("trip_get", "A trip.", {"trip_reference": S}, ["trip_reference"], {"trip_reference": S}))
    assert tool_io(rec).inputs[0].kind == "id"


def test_the_router_index_follows_added_and_removed_tools(encoder: Encoder) -> None:
    router = Router.build(TOOLS[:2], encoder=encoder)
    router.add(TOOLS[2])
    assert router.route("Publish my packing list note for ana@example.org").selected == ["notes_lookup", "notes_publish"]
    router.remove("notes_lookup")
    assert "notes_lookup" not in router.route("Publish my packing list note for ana@example.org").selected


def test_a_number_about_dates_fills_no_date_input() -> None:
    """A count of days between two dates is a quantity: it is no date-time for a clock conversion."""
    plain = {"type": "object", "properties": {"start": S, "end": S}, "required": ["start", "end"]}
    days = tool_io(ToolRecord.of({"name": "date_diff", "description": "How many days lie between two dates.",
                                  "parameters": plain, "return_schema": N}))
    shift = tool_io(ToolRecord.of(spec("clock_shift", "What the clock shows in another zone.",
                                       {"datetime": {"type": "string", "description": "ISO 8601 date-time."},
                                        "to_timezone": S}, ["datetime", "to_timezone"], {"result": S})))
    stamp = tool_io(ToolRecord.of(spec("date_stamp", "The date of an event.", {"event": S}, ["event"],
                                       {"date": {"type": "string", "format": "date"}})))
    target = next(s for s in shift.inputs if s.name == "datetime")
    assert days.outputs[0].kind == "number"
    assert flow_score(days, target) <= 0.5 < flow_score(stamp, target)  # a date output still fills it whole



def test_a_count_about_dates_fills_no_date() -> None:
    """A number of days between two dates is a quantity: it never feeds a date input. "What date will it be in
    14 days" chained ``date_diff`` before ``date_add`` and answered "0 days"."""
    span = tool_io(ToolRecord.of(spec("span_between", "Count the days between two dates.", {"first": S, "last": S},
                                      ["first", "last"], {"days": N})))
    shift = tool_io(ToolRecord.of({
        "name": "shift_date", "description": "Move a date forward by some days.",
        "inputSchema": {"type": "object", "properties": {"date": {"type": "string", "format": "date"}, "days": N},
                        "required": ["date"]},
        "outputSchema": {"type": "object", "properties": {"date": {"type": "string", "format": "date"}}}}))
    date_in = next(s for s in shift.inputs if s.name == "date")
    assert flow_score(span, date_in) == 0.0
    assert flow_score(shift, date_in) > 0.5  # a date still feeds a date
