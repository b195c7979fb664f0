"""Steps that hand results on: a verb with two objects of an earlier result, and values that are no amounts.

Pure text: :func:`agentfn.router.combine.segment` with ``actions=True`` and
:class:`agentfn.router.dataflow.RequestValues`; the requests are made up.
"""

from __future__ import annotations

import pytest

from agentfn.router.combine import segment
from agentfn.router.dataflow import RequestValues, missing_inputs, tool_io
from agentfn.router.steps import joins_phrase, opening_verb
from agentfn.router.text import ToolRecord
from agentfn.tool import Tool


def _texts(text: str) -> list[str]:
    return [s.text for s in sorted(segment(text, actions=True), key=lambda s: s.order)]


def test_two_objects_of_an_earlier_result_are_two_steps_sharing_the_verb() -> None:
    assert _texts("Look up the museum in Turin, then fetch its opening hours and its ticket prices") == [
        "Look up the museum in Turin", "fetch its opening hours", "fetch its ticket prices"]
    assert _texts("show me their emails and their phone numbers") == ["show me their emails", "show their phone numbers"]


@pytest.mark.parametrize(
    "text",
    [
        "List the bakeries in Porto and their ratings",  # one object carries its own antecedent
        "Give me the two team names and their scores",
        "trains from Milan and Genoa",
    ],
)
def test_a_second_object_alone_stays_in_its_step(text: str) -> None:
    assert _texts(text) == [text]


def test_opening_verb_skips_lead_words() -> None:
    assert opening_verb("then please fetch its hours") == "fetch"
    assert opening_verb("the hours of it") is None


_NEAR = Tool.from_schema({
    "name": "stations_near", "description": "Train stations near a point.",
    "inputSchema": {"type": "object", "required": ["lat", "lng"], "properties": {
        "lat": {"type": "number", "description": "latitude"}, "lng": {"type": "number", "description": "longitude"}}},
    "outputSchema": {"type": "object", "properties": {"station_id": {"type": "string"}}},
})


def test_the_numbers_of_a_date_are_no_coordinates() -> None:
    io = tool_io(ToolRecord.of(_NEAR))
    open_on_a_day = missing_inputs(io, RequestValues.of("stations near the coordinates of Lake Garda on 2026-04-18"))
    assert {s.name for s in open_on_a_day} == {"lat", "lng"}
    assert not missing_inputs(io, RequestValues.of("stations near coordinates 45.6 and 10.7 on 2026-04-18"))
    assert RequestValues.of("3 tickets on May 5 at 7:30").available("number") == 1


@pytest.mark.parametrize(
    "text",
    [
        "how many visitors drop off between signup and payment on Matomo",  # a range
        "find an hour where Lena and I can both talk on my calendar",  # one subject of two people
        "back up the orders table before the upgrade on Neon",  # a time, not an action
        "water the plants after lunch",
    ],
)
def test_a_connective_inside_a_phrase_is_no_step_break(text: str) -> None:
    assert _texts(text) == [text]


def test_connectives_between_actions_still_split() -> None:
    assert _texts("archive the old report before sending the new one") == ["archive the old report", "sending the new one"]
    assert _texts("Read the notes and then send them to Lena before the call") == [
        "Read the notes", "send them to Lena before the call"]
    assert not joins_phrase("add milk", " and ", "order bread")


def test_a_phrase_joined_first_keeps_a_short_step_of_its_own() -> None:
    # "when are Lena" alone is too short a piece; joined with "and I both ..." it is a step after the backup.
    assert _texts("back up the shop database; after that when are Lena and I both free on my calendar") == [
        "back up the shop database", "when are Lena and I both free on my calendar"]
