"""A quantity the request gives in another unit than the input takes: a converter runs first.

Tools written for these tests: a luggage fee that takes ``bag_weight_kg``, a
mass converter and a thermostat that takes ``target_temp_c``. "A 50 pound bag"
gives the weight, but not in kilograms; "a 23 kg bag" gives it as it is.
"""

from __future__ import annotations

import pytest

from agentfn.router import Router
from agentfn.router.dataflow import RequestValues, ToolIO, flow_score, missing_inputs, tool_io
from agentfn.router.encoder import Encoder
from agentfn.router.flowunits import unit_of
from agentfn.router.text import ToolRecord

from .mcp_specs import N, S, mcp_tool

TOOLS = [
    mcp_tool("luggage_fee", "Checked bag fee for a bag's weight.", {"bag_weight_kg": N}, {"fee": N, "currency": S}),
    mcp_tool("mass_units_convert", "Convert a mass between kilograms, pounds and ounces.",
             {"amount": N, "from_unit": S, "to_unit": S}, {"mass": N}),
    mcp_tool("thermostat_set", "Set the thermostat.", {"target_temp_c": N}, {"ok": {"type": "boolean"}}),
    mcp_tool("flight_status", "Status of a flight.", {"flight": S}, {"status": S}),
]


def io(name: str) -> ToolIO:
    return tool_io(ToolRecord.of(next(t for t in TOOLS if t["name"] == name)))


def test_units_in_input_names() -> None:
    assert unit_of("bag_weight_kg") == ("mass", "kg")
    assert unit_of("targetTempF") == ("temperature", "f")
    assert unit_of("size_in") is None and unit_of("m") is None and unit_of("amount") is None


def test_another_unit_leaves_the_input_open() -> None:
    fee = io("luggage_fee")
    assert [s.name for s in missing_inputs(fee, RequestValues.of("What's the fee for a 50 pound bag?"))] == ["bag_weight_kg"]
    assert missing_inputs(fee, RequestValues.of("What's the fee for a 23 kg bag?")) == []
    assert missing_inputs(fee, RequestValues.of("What's the fee for a bag of 23?")) == []  # no unit said: as given
    weight = fee.inputs[0]
    assert flow_score(io("mass_units_convert"), weight) >= 0.5
    assert flow_score(io("flight_status"), weight) == 0.0


@pytest.fixture(scope="module")
def router(encoder: Encoder) -> Router:
    return Router.build(TOOLS, encoder=encoder)


def test_the_converter_runs_before_the_tool(router: Router) -> None:
    assert router.route("What's the fee for a 50 pound bag?").selected == ["mass_units_convert", "luggage_fee"]
    assert router.route("What's the fee for a 23 kg bag?").selected == ["luggage_fee"]


def test_currencies_named_in_words_give_their_codes() -> None:
    ccy = {"type": "string", "description": "ISO code"}
    exchange = tool_io(ToolRecord.of(mcp_tool("money_exchange", "Exchange money.", {"sum": N, "from_currency": ccy,
                                                                                     "to_currency": ccy}, {"paid_out": N})))
    assert missing_inputs(exchange, RequestValues.of("Exchange 300 Canadian dollars to Swiss francs")) == []
    left = missing_inputs(exchange, RequestValues.of("Exchange 300 Canadian dollars to the money of Peru"))
    assert len(left) == 1 and left[0].kind == "code"  # one currency named, two taken: Peru's is looked up
