"""Arithmetic a request asks for on a value computed first (agentfn._arith)."""

from __future__ import annotations

from agentfn._arith import asks_arithmetic, follow_up_expressions, item_count, rate_factor, repeat_factor
from agentfn.backends._extract import ExtractionSources, extractive_spec
from agentfn.toolset import Toolset


def test_the_requests_operation_applies_to_the_earlier_result() -> None:
    assert follow_up_expressions("Convert 3 miles to kilometres and multiply by 4", [4.828032]) == ["4.828032 * 4"]
    assert follow_up_expressions("Convert 5 miles to km and then double it", [8.04672]) == ["8.04672 * 2"]
    assert follow_up_expressions("What is 25 miles in km, rounded to a whole number?", [40.233599999999996]) == ["round(40.2336)"]
    assert follow_up_expressions("Convert 10 kg to pounds and round to 2 decimal places", [22.0462]) == ["round(22.0462, 2)"]
    assert follow_up_expressions("How many km is 3 miles?", [4.8]) == []
    assert asks_arithmetic("then double it") and not asks_arithmetic("How many km is 3 miles?")


def test_a_calculator_after_a_conversion_is_offered_the_worded_operation() -> None:
    spec = next(t for t in Toolset.builtin() if t.name == "calculate").openai_schema()
    result = '{"value":8.04672,"unit":"km","quantity":"length","original_value":5.0,"original_unit":"mi"}'
    sources = ExtractionSources("Convert 5 miles to km and then double it", results=[result])
    narrowed = extractive_spec(spec, sources)
    assert narrowed["function"]["parameters"]["properties"]["expression"]["enum"] == ["8.04672 * 2"]
    # no worded operation: the expression stays free (it combines earlier results)
    free = extractive_spec(spec, ExtractionSources("How many weeks until 2027-03-01?", results=['{"value": 12}']))
    assert "enum" not in free["function"]["parameters"]["properties"]["expression"]


def test_a_rate_asked_over_a_longer_period_is_scaled_by_fixed_counts_only() -> None:
    assert rate_factor("I cycle 12 km a day; what is that in miles over a week") == 7
    assert rate_factor("2 cups of coffee a day, how many litres in a year") == 365
    assert rate_factor("she earns 3000 a month") is None  # no longer period asked about
    assert rate_factor("5 dollars a day, how much in a month") is None  # a month's days are not a fixed count
    assert follow_up_expressions("I cycle 12 km a day; what is that in miles over a week", [7.4564]) == ["7.4564 * 7"]
    assert asks_arithmetic("I cycle 12 km a day; what is that in miles over a week")


def test_a_distance_each_way_doubles_for_the_round_trip() -> None:
    text = "we cycle 12 miles each way to the lake, how many km for the round trip"
    assert asks_arithmetic(text)
    assert follow_up_expressions(text, [19.3121]) == ["19.3121 * 2"]
    assert not asks_arithmetic("book round trip flights to Rome")  # no distance each way to double


def test_an_amount_given_per_item_is_multiplied_by_the_items_counted() -> None:
    text = "each crate holds 12 kg of apples and we ordered 5 crates, how many pounds is that"
    assert item_count(text) == 5 and asks_arithmetic(text)
    assert follow_up_expressions(text, [26.455]) == ["26.455 * 5"]
    assert item_count("2 tablets a day for 3 days") is None  # a period: rate_factor's, not a count of items
    assert item_count("convert 12 kg to pounds") is None


def test_trips_repeated_over_a_period_multiply_the_converted_distance() -> None:
    request = "I jog 4 miles each way to the park, 3 days a week. How many km is that weekly?"
    assert repeat_factor(request) == 6 and asks_arithmetic(request)
    assert follow_up_expressions(request, [6.437376]) == ["6.437376 * 6"]
    assert repeat_factor("I swim 2 km 4 times a week, how many miles in a week?") == 4
    assert repeat_factor("I work 4 days a week") is None  # no total asked
