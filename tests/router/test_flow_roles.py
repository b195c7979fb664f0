"""Inputs named for their role (``pickup``, ``holder``) whose description names the identifier they take.

Tools here are written for these tests (MCP ``inputSchema``/``outputSchema``): a
freight service whose quote takes depot codes as ``pickup``/``dropoff``, and a
gym whose badge takes a ``holder`` described as a member number. The output
that carries the identifier (``depot_code``, ``member_number``) feeds the input
though no name word is shared.
"""

from __future__ import annotations

from typing import Any

import pytest

from agentfn.router import Router
from agentfn.router.dataflow import IOSlot, RequestValues, described_id, flow_score, missing_inputs, tool_io
from agentfn.router.encoder import Encoder
from agentfn.router.text import ToolRecord

from .mcp_specs import N, S, mcp_tool, records

TOOLS = [
    mcp_tool("depot_lookup", "Find freight depots in a town.", {"town": S}, {"depots": records(depot_code=S, town=S)}),
    mcp_tool("freight_quote", "Price a pallet shipment between two depots.",
         {"pickup": {"type": "string", "description": "depot code"}, "dropoff": {"type": "string", "description": "depot code"},
          "pallets": N}, {"quote_ref": S, "price": N}),
    mcp_tool("freight_book", "Book a quoted pallet shipment.", {"quote_ref": S}, {"consignment": S}),
    mcp_tool("gym_member_search", "Search gym members by name.", {"name": S},
         {"members": records(member_number=S, full_name=S)}),
    mcp_tool("gym_badge_issue", "Issue a new entry badge.",
         {"holder": {"type": "string", "description": "the member number of the badge holder"}}, {"badge": S}),
    mcp_tool("gym_class_list", "List the classes of the week.", {}, {"classes": records(class_id=S, title=S)}),
]


def io(name: str) -> Any:
    return tool_io(ToolRecord.of(next(t for t in TOOLS if t["name"] == name)))


def slot(tool: str, name: str) -> IOSlot:
    return next(s for s in io(tool).inputs if s.name == name)


def test_a_description_that_names_an_identifier_makes_the_input_id_like() -> None:
    assert slot("freight_quote", "pickup").kind == "code"
    assert slot("gym_badge_issue", "holder").kind == "id"
    assert slot("depot_lookup", "town").kind == "text"  # no description: a town is free text


def test_the_output_carrying_that_identifier_fills_it() -> None:
    out = next(o for o in io("depot_lookup").outputs if o.name == "depot_code")
    assert described_id(out, slot("freight_quote", "pickup"))
    assert flow_score(io("depot_lookup"), slot("freight_quote", "pickup")) >= 0.5
    assert flow_score(io("gym_member_search"), slot("gym_badge_issue", "holder")) >= 0.5
    assert flow_score(io("gym_class_list"), slot("gym_badge_issue", "holder")) < 0.5  # a class id is no member number


def test_a_town_name_does_not_give_a_depot_code() -> None:
    values = RequestValues.of("How much to ship two pallets from Leeds to Bristol?")
    assert {s.name for s in missing_inputs(io("freight_quote"), values)} == {"pickup", "dropoff"}
    given = RequestValues.of("How much to ship two pallets from depot LDS-04 to depot BRS-11?")
    assert not missing_inputs(io("freight_quote"), given)


@pytest.fixture(scope="module")
def router(encoder: Encoder) -> Router:
    return Router.build(TOOLS, encoder=encoder)


@pytest.mark.parametrize(("text", "chain"), [
    ("How much to ship two pallets from Leeds to Bristol?", ["depot_lookup", "freight_quote"]),
    ("Give Hannah Okafor a new entry badge", ["gym_member_search", "gym_badge_issue"]),
])
def test_the_lookup_of_the_described_identifier_is_pulled_in(router: Router, text: str, chain: list[str]) -> None:
    assert router.route(text).selected == chain


RENT = [
    mcp_tool("tenant_search", "Search tenants by name.", {"name": S}, {"tenants": records(tenant_number=S, full_name=S)}),
    mcp_tool("tenant_landlord", "The landlord of a tenant.", {"tenant_number": S}, {"landlord_name": S, "landlord_phone": S}),
    mcp_tool("sms_send", "Send a text message to a phone number.", {"phone": S, "message": S}, {"sms_id": S}),
    mcp_tool("plumber_search", "Find plumbers in a city.", {"city": S}, {"plumbers": records(name=S, phone=S)}),
]


@pytest.fixture(scope="module")
def rent_router(encoder: Encoder) -> Router:
    return Router.build(RENT, encoder=encoder)


def test_the_owner_of_a_relation_is_the_lookups_own_value(rent_router: Router) -> None:
    # "Ravi Kumar's landlord": the landlord tool answers the relation; the tenant search takes Ravi Kumar,
    # so it needs no third tool to find a name for it.
    values = RequestValues.of("Send Ravi Kumar's landlord a text message saying the boiler is fixed")
    assert "landlord" in values.relations
    assert rent_router.route("Send Ravi Kumar's landlord a text message saying the boiler is fixed").selected == [
        "tenant_search", "tenant_landlord", "sms_send"]


def test_a_standard_code_labelled_as_another_thing_leaves_the_code_open() -> None:
    check = tool_io(ToolRecord.of(mcp_tool("device_blacklist_check", "Whether a phone is blacklisted.", {"imei": S},
                                           {"blocked": {"type": "boolean"}})))
    assert check.inputs[0].kind == "code"
    assert [s.name for s in missing_inputs(check, RequestValues.of("Is the phone with serial R58N91 blacklisted?"))] == ["imei"]
    assert missing_inputs(check, RequestValues.of("Is IMEI 356938035643809 blacklisted?")) == []
