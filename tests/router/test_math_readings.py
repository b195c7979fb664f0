"""Math readings of shop words, steps that pick from an earlier list, counts joined to their noun.

Tools written for these tests: a catalogue item lookup (``item_id``) and a basket total
(``basket_id``) beside two arithmetic helpers, a hotel search and a hotel's details. "the
product of 9 and 8" is a multiplication, not a catalogue item; "the details of the top
result" takes what the search before it found; "a 2-night stay" and "5-star hotels" are a
count and a rating, not identifiers.
"""

from __future__ import annotations

import pytest

from agentfn.router import Router
from agentfn.router.dataflow import RequestValues, ToolIO, tool_io
from agentfn.router.encoder import Encoder
from agentfn.router.mathread import numeric_head, takes_numbers
from agentfn.router.selection import StepTop, fed_runners, numeric_runners
from agentfn.router.steps import numeric_operation, refers_to_earlier
from agentfn.router.text import ToolRecord

from .mcp_specs import N, S, mcp_tool

TOOLS = [
    mcp_tool("catalog_item_info", "Information about one product in the catalogue.", {"sku": S},
             {"title": S, "price": N}),
    mcp_tool("basket_total", "The total of a shopping basket.", {"basket_id": S}, {"total": N}),
    mcp_tool("times", "Multiply two numbers.", {"p": N, "q": N}, {"product": N}),
    mcp_tool("plus", "Add two numbers.", {"p": N, "q": N}, {"sum": N}),
    mcp_tool("hotel_search", "Search hotels in a city.", {"city": S, "stars": N}, {"hotel_id": S, "name": S}),
    mcp_tool("hotel_info", "Details of one hotel.", {"hotel_id": S}, {"address": S, "rating": N}),
]


def io(name: str) -> ToolIO:
    return tool_io(ToolRecord.of(next(t for t in TOOLS if t["name"] == name)))


def test_an_operation_on_numbers_reads_as_math() -> None:
    assert numeric_operation("what is the product of 9 and 8")
    assert numeric_operation("the sum of 4, 5 and 6")
    assert not numeric_operation("show me the product of the month")
    assert not numeric_operation("what's the total of my basket")


def test_tools_that_take_numbers() -> None:
    assert takes_numbers(io("times")) and takes_numbers(io("plus"))
    assert not takes_numbers(io("catalog_item_info")) and not takes_numbers(io("basket_total"))


def test_numeric_head_moves_a_close_number_tool_up() -> None:
    ranked = [("catalog_item_info", 0.9), ("basket_total", 0.8), ("times", 0.7), ("plus", 0.1)]
    assert numeric_head(ranked, io) == [("times", 0.9), ("catalog_item_info", 0.8), ("basket_total", 0.7), ("plus", 0.1)]
    assert numeric_head(ranked, io, depth=2) == ranked  # none close enough
    assert numeric_head([("plus", 1.0), ("times", 0.5)], io) == [("plus", 1.0), ("times", 0.5)]


def test_a_step_on_numbers_takes_its_number_runner() -> None:
    step = StepTop(0, "catalog_item_info", 0.6, (("basket_total", 0.05), ("times", 0.2)), numbers=True)
    assert [s.name for s in numeric_runners([step], io, 0.25)] == ["times"]
    assert [s.name for s in numeric_runners([step], io, 0.1)] == ["catalog_item_info"]  # too far behind
    plain = StepTop(0, "catalog_item_info", 0.6, (("times", 0.01),))
    assert [s.name for s in numeric_runners([plain], io, 0.25)] == ["catalog_item_info"]  # no numbers written


def test_steps_that_pick_from_an_earlier_list() -> None:
    assert refers_to_earlier("open the details of the top result")
    assert refers_to_earlier("book the cheapest one")
    assert not refers_to_earlier("find the first flight to Rome")


def test_counts_joined_to_their_noun_are_no_ids() -> None:
    assert RequestValues.of("book a 2-night stay at 5-star hotels in Lyon").labels["id"] == []
    assert RequestValues.of("where is parcel XR-5512?").labels["id"] == ["parcel"]


@pytest.fixture(scope="module")
def router(encoder: Encoder) -> Router:
    return Router.build(TOOLS, encoder=encoder)


def test_product_of_two_numbers_routes_to_multiplication(router: Router) -> None:
    assert router.route("What is the product of 9 and 8?").selected == ["times"]
    assert router.route("What's the sum of 12 and 30, times 4?").selected == ["plus", "times"]


def test_a_step_that_picks_from_an_earlier_list_takes_a_runner_that_list_feeds() -> None:
    search = StepTop(0, "hotel_search", 0.7)
    values = RequestValues.of("Search hotels in Lyon and open the details of the top result")
    chain = ["hotel_search", "catalog_item_info"]
    for refers, want in ((True, "hotel_info"), (False, "catalog_item_info")):
        details = StepTop(1, "catalog_item_info", 0.4, (("hotel_info", 0.2),), refers=refers)
        out = fed_runners([search, details], chain, set(), io, values, 0.1, 0.5)
        assert [s.name for s in out] == ["hotel_search", want]
