"""Numbers whose unit describes a thing ("the 3 hour ticket") go to the parameter that thing describes."""

from __future__ import annotations

from typing import Any

from agentfn.backends._extract import ExtractionSources, extractive_spec
from agentfn.backends._extract_units import modifier_numbers, with_modifier_numbers

_PARKING: dict[str, Any] = {
    "hours": {"type": "integer", "description": "Hours to add"},
    "minutes": {"type": "integer", "description": "Minutes to add"},
    "bought_hours": {"type": "integer", "description": "Hours the parking ticket was bought for"},
    "bought_minutes": {"type": "integer", "description": "Minutes the parking ticket was bought for"},
}


def _spec(props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "function", "function": {"name": "extend_parking", "description": "Extend a parking ticket",
                                             "parameters": {"type": "object", "properties": props}}}


def _given(request: str, props: dict[str, Any]) -> dict[str, list[Any]]:
    params = extractive_spec(_spec(props), ExtractionSources(request))["function"]["parameters"]
    assert "anyOf" not in params
    return {k: v["enum"] for k, v in params["properties"].items()}


def test_a_number_with_a_singular_unit_before_a_noun_describes_that_noun() -> None:
    assert modifier_numbers("add 2 hours to my 3 hour ticket", _PARKING) == {"bought_hours": [3.0]}
    assert modifier_numbers("cancel the 45-minute ticket", _PARKING) == {"bought_minutes": [45.0]}
    # an amount: a plural unit, a unit before a preposition, a noun no parameter describes
    assert modifier_numbers("add 3 hours ticket", _PARKING) == {}
    assert modifier_numbers("add 1 hour to the ticket", _PARKING) == {}
    assert modifier_numbers("add 1 hour car", _PARKING) == {}


def test_the_described_parameter_takes_the_number_from_the_plain_unit_parameter() -> None:
    bound = {"hours": [2.0, 3.0]}
    assert with_modifier_numbers(bound, "add 2 hours to my 3 hour ticket", _PARKING) == {"hours": [2.0], "bought_hours": [3.0]}


def test_extractive_spec_gives_each_number_to_its_parameter() -> None:
    assert _given("add 2 hours to my 3 hour ticket", _PARKING) == {"hours": [2], "bought_hours": [3]}
    assert _given("how long is left on the 20 minute ticket", _PARKING) == {"bought_minutes": [20]}
    assert _given("add 15 minutes please", _PARKING) == {"minutes": [15]}


def test_fractions_in_words_are_amounts() -> None:
    from agentfn.backends._extract import ExtractionSources
    from agentfn.backends._extract_units import fraction_amounts

    assert fraction_amounts("a quarter of a pound") == [0.25]
    assert fraction_amounts("half an hour later") == [0.5]
    assert fraction_amounts("4 and a half metres") == [4.5]
    assert fraction_amounts("3 quarters of a gallon") == [0.75]
    assert fraction_amounts("5 metres of rope") == []
    assert ExtractionSources("how many grams is a quarter pound").numbers(integer=False) == [0.25]  # not 1
    assert ExtractionSources("six and a half feet in cm").numbers(integer=False) == [6.5]  # not also 6
    assert ExtractionSources("one and a half cups to ml").numbers(integer=False) == [1.5]


def test_durations_named_by_one_word_are_a_count_of_a_unit() -> None:
    from agentfn.backends._extract import ExtractionSources, extractive_spec
    from agentfn.backends._extract_units import plain_durations
    from agentfn.toolset import Toolset

    assert plain_durations("back in a fortnight") == "back in 2 weeks"
    assert plain_durations("3 decades ago") == "30 years ago"
    assert plain_durations("half an hour") == "30 minutes"
    assert plain_durations("a decadent cake") == "a decadent cake"
    spec = next(t for t in Toolset.builtin() if t.name == "date_add").openai_schema()
    params = extractive_spec(spec, ExtractionSources("the date a fortnight after 2027-05-03", "2026-12-07"))
    assert params["function"]["parameters"]["properties"]["weeks"]["enum"] == [2]
