"""Identifiers named as other services name them: abbreviations, bare nested ``id`` fields, standard codes,
a name's head noun, and material a request describes instead of pasting.

Tools here are written for these tests (MCP ``inputSchema``/``outputSchema``): a staff directory whose
results carry abbreviated ids (``empId``), a vet clinic whose search returns FHIR-like
``entry.resource.id`` records, a harbour finder returning UN/LOCODEs, a code host whose ``bb_project`` tool
returns the project it is named for, and a lecture archive whose recordings are transcribed before a summary.
"""

from __future__ import annotations

from typing import Any

import pytest

from agentfn.router import Router
from agentfn.router.dataflow import (
    RequestValues,
    describes_material,
    flow_score,
    missing_inputs,
    taken_by_name,
    tool_io,
)
from agentfn.router.encoder import Encoder
from agentfn.router.text import ToolRecord

from .mcp_specs import INT, N, S, mcp_tool, records

ENTRY = {"type": "array", "items": {"type": "object", "properties": {
    "resource": {"type": "object", "properties": {"id": S, "species": S}}}}}

TOOLS = [
    mcp_tool("staff_lookup", "Look colleagues up by name.", {"name": S}, {"hits": records(empId=S, deptName=S)}),
    mcp_tool("leave.balance", "Days of leave an employee has left.", {"employee_id": S}, {"days": N}),
    mcp_tool("vet.Pet.search", "Search the clinic's animal records by name.", {"name": S}, {"entry": ENTRY}),
    mcp_tool("vet.Owner.search", "Search pet owners by surname.", {"surname": S}, {"entry": ENTRY}),
    mcp_tool("vet.Vaccination.list", "Vaccinations given to an animal.",
             {"animal": {"type": "string", "description": "Pet id"}}, {"shots": records(vaccine=S, date=S)}),
    mcp_tool("harbor_find", "Find harbours by town.", {"town": S}, {"harbors": records(unlocode=S, name=S)}),
    mcp_tool("barge.rate", "Inland barge rate between two harbours.", {"from_locode": S, "to_locode": S, "tonnes": N},
             {"price": N}),
    mcp_tool("bb_project", "A project on the code host by workspace and slug.", {"workspace": S, "project": S},
             {"id": INT, "slug": S}),
    mcp_tool("bb_webhook_add", "Register a webhook on a project.", {"project_id": INT, "url": S}, {"hook_id": S}),
    mcp_tool("lectures.recent", "Recordings of a course, newest first.", {"course": S},
             {"recordings": records(title=S, media_url=S)}),
    mcp_tool("speech2text", "Transcribe a recording at a URL into text.", {"audio_url": S}, {"transcript": {
        "type": "object", "properties": {"text": S}}}),
    mcp_tool("digest", "Condense a long text into a few sentences.", {"text": S}, {"summary": S}),
]


def io(name: str) -> Any:
    return tool_io(ToolRecord.of(next(t for t in TOOLS if t["name"] == name)))


def slot(tool: str, name: str) -> Any:
    return next(s for s in io(tool).inputs if s.name == name)


def test_abbreviated_id_field_fills_the_spelled_out_input() -> None:
    assert flow_score(io("staff_lookup"), slot("leave.balance", "employee_id")) >= 0.75


def test_bare_nested_id_fills_an_input_named_for_the_tools_thing() -> None:
    animal = slot("vet.Vaccination.list", "animal")  # described "Pet id": the pet search's record id
    assert flow_score(io("vet.Pet.search"), animal) >= 0.75
    assert flow_score(io("vet.Owner.search"), animal) < 0.5  # an owner's record id is no pet's


def test_standard_port_codes_are_looked_up_from_town_names() -> None:
    rate = io("barge.rate")
    open_ = {s.name for s in missing_inputs(rate, RequestValues.of("What is the barge rate from Duisburg to Basel?"))}
    assert {"from_locode", "to_locode"} <= open_
    assert flow_score(io("harbor_find"), slot("barge.rate", "from_locode")) >= 0.75


def test_a_names_head_noun_is_what_it_returns() -> None:
    assert "project" not in taken_by_name(io("bb_project"))  # bb_project(workspace, project) returns the project
    assert flow_score(io("bb_project"), slot("bb_webhook_add", "project_id")) >= 0.75


def test_described_material_is_open_but_a_written_message_is_not() -> None:
    short = RequestValues.of("Digest the latest recording of Linear Algebra")
    assert describes_material(short)
    assert [s.name for s in missing_inputs(io("digest"), short)] == ["text"]
    pasted = RequestValues.of("Digest this: 'the meeting moved to Friday and the budget was approved'")
    assert missing_inputs(io("digest"), pasted) == []


@pytest.fixture(scope="module")
def router(encoder: Encoder) -> Router:
    return Router.build(TOOLS, encoder=encoder)


def test_described_material_is_transcribed_before_the_summary(router: Router) -> None:
    got = router.route("Digest the latest recording of the Linear Algebra course", k=10).selected
    assert got == ["lectures.recent", "speech2text", "digest"]


def test_a_year_and_month_is_a_period_not_an_identifier() -> None:
    values = RequestValues.of("How much leave did Tom Okafor take in 2026-02?")
    assert values.labels["id"] == [] and values.counts["date"] == 1
    assert [s.name for s in missing_inputs(io("leave.balance"), values)] == ["employee_id"]
