"""Finishing operations: the conversion, aggregate or comparison a request asks for on the numbers its chain finds.

Tools written for these tests (a rental-car desk, a bakery's sales and a
money converter): "what does booking R-77 cost in yen" needs the booking's
price, then a conversion; "did the Mill Street bakery sell more than the Quay
one" needs two sales figures, then a comparison; "the mean of the bakery's
daily sales" a list of figures, then a mean. None of these helpers takes an
input named like the lookups' outputs.
"""

from __future__ import annotations

import pytest

from agentfn.router import Router
from agentfn.router.dataflow import ToolIO, tool_io
from agentfn.router.encoder import Encoder
from agentfn.router.finishcues import finish_cues
from agentfn.router.finishing import does, finishing_tools, reporter
from agentfn.router.reqvalues import RequestValues
from agentfn.router.text import ToolRecord

from .mcp_specs import INT, N, S, mcp_tool

NUMS = {"type": "array", "items": N}
TOOLS = [
    mcp_tool("rental_booking_get", "Get a car rental booking by its reference.", {"reference": S},
             {"booking_id": S, "price": N, "currency": S, "pickup_branch": S}),
    mcp_tool("moneyExchange", "Exchange an amount between two currencies at the day's rate.",
             {"sum": N, "source_currency": S, "target_currency": S}, {"exchanged": N}),
    mcp_tool("bakery_find", "Find a bakery branch by its street.", {"street": S}, {"branch_id": S, "manager": S}),
    mcp_tool("bakery_sales_total", "Total sales of a bakery branch last week.", {"branch_id": S}, {"total": N}),
    mcp_tool("bakery_daily_sales", "Each day's sales of a bakery branch last month.", {"branch_id": S}, {"daily": NUMS}),
    mcp_tool("numbers.compare", "Compare two numbers and say which is larger.", {"first": N, "second": N},
             {"larger": N, "first_is_larger": {"type": "boolean"}}),
    mcp_tool("calc_mean", "Arithmetic mean of a list of numbers.", {"numbers": NUMS}, {"mean": N}),
    mcp_tool("car_class_list", "List the car classes a branch rents out.", {"branch": S}, {"classes": {"type": "array"}}),
    mcp_tool("team_chat_post", "Post a note to a team chat room.", {"room": S, "text": S}, {"note_id": S}),
    mcp_tool("region_tax_rate", "Sales tax rate of a region.", {"region": S}, {"rate_percent": N}),
    mcp_tool("percent_of_number", "Take a percentage of a number.", {"number": N, "percent": N}, {"part": N}),
    mcp_tool("loyalty_points", "Loyalty points of a member.", {"member_id": S}, {"points": INT}),
    mcp_tool("bakery_price_stats", "Current and mean price of a bakery item.", {"item": S}, {"current": N, "mean_price": N}),
]


def io(name: str) -> ToolIO:
    return tool_io(ToolRecord.of(next(t for t in TOOLS if t["name"] == name)))


def test_cues_read_from_the_wording() -> None:
    assert finish_cues("What does booking R-77 cost in yen?") == {"currency"}
    assert finish_cues("Did the Mill Street bakery sell more last week than the Quay Road one?") == {"compare"}
    assert finish_cues("How many kilometres is that?") == {"unit"}
    assert "average" in finish_cues("the mean of the daily sales")
    assert finish_cues("Hire any car other than a van") == frozenset()  # "other than" compares nothing
    assert finish_cues("Find bakeries in Leeds") == frozenset()


def test_which_tools_do_an_operation() -> None:
    assert does(io("moneyExchange"), "currency") and not does(io("moneyExchange"), "compare")
    assert does(io("numbers.compare"), "compare") and does(io("calc_mean"), "average")
    assert not does(io("bakery_sales_total"), "add")  # "total" in a lookup's name is no addition


def test_a_helper_joins_after_the_chains_last_number() -> None:
    rel = {t["name"]: 0.5 for t in TOOLS}
    out = finishing_tools(["bakery_find", "bakery_sales_total"], {("bakery_find", "bakery_sales_total")}, rel, io,
                          frozenset({"compare"}))
    assert out == [("numbers.compare", ["bakery_sales_total"], [])]
    # Aggregate first, then compare what it gives.
    out = finishing_tools(["bakery_find", "bakery_daily_sales"], {("bakery_find", "bakery_daily_sales")}, rel, io,
                          frozenset({"compare", "average"}))
    assert out == [("calc_mean", ["bakery_daily_sales"], []), ("numbers.compare", ["calc_mean"], [])]
    # A list already feeding a tool that takes one number is averaged in between.
    out = finishing_tools(["bakery_find", "bakery_daily_sales", "moneyExchange"],
                          {("bakery_find", "bakery_daily_sales"), ("bakery_daily_sales", "moneyExchange")}, rel, io,
                          frozenset({"average"}))
    assert out == [("calc_mean", ["bakery_daily_sales"], ["moneyExchange"])]
    # A chosen tool does it already, or none hands over a number.
    assert finishing_tools(["calc_mean"], set(), rel, io, frozenset({"average"})) == []
    assert finishing_tools(["car_class_list"], set(), rel, io, frozenset({"compare"})) == []
    assert finishing_tools(["bakery_price_stats"], set(), rel, io, frozenset({"average"})) == []  # it gives the mean


def test_the_other_operand_comes_from_a_lookup_the_chain_feeds() -> None:
    rel = {t["name"]: 0.5 for t in TOOLS} | {"bakery_sales_total": 0.9}
    out = finishing_tools(["bakery_find", "region_tax_rate"], set(), rel, io, frozenset({"percent"}))
    assert out == [("bakery_sales_total", ["bakery_find"], ["percent_of_number"]),
                   ("percent_of_number", ["region_tax_rate", "bakery_sales_total"], [])]
    # The request writes the other amount itself: nothing is looked up for it.
    assert finishing_tools(["bakery_find", "region_tax_rate"], set(), rel, io, frozenset({"percent"}), given=1) == [
        ("percent_of_number", ["region_tax_rate"], [])]
    # An amount the chain already has feeds this operation too (one result, two calls).
    chain = ["bakery_find", "bakery_sales_total", "region_tax_rate"]
    edges = {("bakery_find", "bakery_sales_total"), ("bakery_sales_total", "moneyExchange")}
    out = finishing_tools(chain, edges, rel, io, frozenset({"percent"}))
    assert out == [("percent_of_number", ["region_tax_rate", "bakery_sales_total"], [])]
    # Nothing chosen feeds a lookup's input: no operand is guessed.
    assert finishing_tools(["region_tax_rate"], set(), rel, io, frozenset({"percent"})) == [
        ("percent_of_number", ["region_tax_rate"], [])]


def test_a_finding_is_passed_on() -> None:
    rel = {t["name"]: 0.5 for t in TOOLS}
    chain = ["bakery_find", "bakery_sales_total"]
    edges = {("bakery_find", "bakery_sales_total")}
    told = RequestValues.of("Tell the managers' chat room what the Mill Street bakery sold last week")
    assert reporter(chain, edges, rel, io, told) == ("team_chat_post", "bakery_sales_total")
    asked = RequestValues.of("What did the Mill Street bakery sell last week?")
    assert reporter(chain, edges, rel, io, asked) is None
    assert reporter(["team_chat_post"], set(), rel, io, told) is None  # already sending


@pytest.fixture(scope="module")
def router(encoder: Encoder) -> Router:
    return Router.build(TOOLS, encoder=encoder)


def test_conversion_after_a_lookup(router: Router) -> None:
    plan = router.route("What does rental booking R-77 cost in yen?")
    assert plan.selected == ["rental_booking_get", "moneyExchange"]


def test_comparison_after_two_lookups(router: Router) -> None:
    plan = router.route("Did the bakery on Mill Street sell more last week than the one on Quay Road?")
    assert plan.selected[-1] == "numbers.compare" and "bakery_sales_total" in plan.selected
    assert {"numbers.compare", "bakery_sales_total"} <= {n for n, _ in plan.ranked[:5]}


def test_one_step_requests_stay_one_tool(router: Router) -> None:
    assert router.route("Exchange 120 dollars to yen").selected == ["moneyExchange"]
    assert router.route("What's the mean of 4, 8, 15 and 16?").selected == ["calc_mean"]
