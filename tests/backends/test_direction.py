"""Directional argument pairs: the request's cues say which value is *from* and which is *to*."""

from __future__ import annotations

import pytest

from agentfn.backends._direction import directional_options, implied_sides, is_directional_pair
from agentfn.backends._extract import ExtractionSources, extractive_spec
from agentfn.toolset import Toolset


def test_directional_pairs_by_name() -> None:
    assert is_directional_pair("from_unit", "to_unit") and is_directional_pair("source_lang", "target_lang")
    assert is_directional_pair("from", "to") and is_directional_pair("fromCurrency", "toCurrency")
    assert not is_directional_pair("to_unit", "from_unit") and not is_directional_pair("from_unit", "to_currency")
    assert not is_directional_pair("first_name", "last_name")


@pytest.mark.parametrize(
    ("request_text", "source", "target"),
    [
        ("Convert 2 liters to cups", "liters", "cups"),
        ("100 fahrenheit to celsius", "fahrenheit", "celsius"),
        ("How many ounces are in 1 pound?", "pound", "ounces"),
        ("How many kilometres is 3 miles?", "miles", "kilometres"),
        ("65 mph in km/h?", "mph", "km/h"),
        ("switch from euros to dollars: 12", "euros", "dollars"),
    ],
)
def test_cues_pick_the_side(request_text: str, source: str, target: str) -> None:
    options = ["liters", "cups", "fahrenheit", "celsius", "pound", "1 pound", "ounces", "miles", "3 miles",
               "kilometres", "mph", "km/h", "euros", "dollars", "fahrenheit to celsius", "liters to cups"]
    present = [o for o in options if o.lower() in request_text.lower()]
    froms, tos = directional_options(present, present, request_text) or ([], [])
    assert source in froms and target in tos
    assert target not in froms and source not in tos
    assert not any(" to " in v for v in froms + tos)  # spans holding both sides are dropped


def test_no_cue_leaves_the_options_alone() -> None:
    assert directional_options(["miles", "km"], ["miles", "km"], "miles km please") is None
    assert directional_options(["miles", "km"], ["miles", "km"], "3 miles, km") == (["miles"], ["km"])


def test_extractive_convert_units_follows_the_cues() -> None:
    spec = Toolset.builtin()["convert_units"].openai_schema()
    params = extractive_spec(spec, ExtractionSources("Convert 2 liters to cups"))["function"]["parameters"]
    branches = params.get("anyOf", [params])
    assert {v for b in branches for v in b["properties"]["from_unit"]["enum"]} == {"liters"}
    assert {v for b in branches for v in b["properties"]["to_unit"]["enum"]} == {"cups"}


@pytest.mark.parametrize(
    ("request_text", "start", "end"),
    [
        ("How many weeks are there between 2024-01-01 and 2024-12-31?", "2024-01-01", "2024-12-31"),
        ("Count the days from 2025-06-01 until 2025-09-01.", "2025-06-01", "2025-09-01"),
        ("How many hours from 2024-05-01T08:00 to 2024-05-03T20:00?", "2024-05-01T08:00", "2024-05-03T20:00"),
    ],
)
def test_date_pairs_follow_between_from_until(request_text: str, start: str, end: str) -> None:
    spec = Toolset.builtin()["date_diff"].openai_schema()
    params = extractive_spec(spec, ExtractionSources(request_text, "2026-01-05"))["function"]["parameters"]
    branches = params.get("anyOf", [params])
    assert {v for b in branches for v in b["properties"]["start"]["enum"]} == {start}
    assert {v for b in branches for v in b["properties"]["end"]["enum"]} == {end}


def test_one_cued_side_fixes_that_side_only() -> None:
    froms, tos = directional_options(["2026-01-05", "2027-12-25"], ["2026-01-05", "2027-12-25"],
                                     "How many days until 2027-12-25?") or ([], [])
    assert froms == ["2026-01-05"] and tos == ["2027-12-25"]
    froms, tos = directional_options(["2026-01-05", "2024-01-01"], ["2026-01-05", "2024-01-01"],
                                     "How many days have passed since 2024-01-01?") or ([], [])
    assert froms == ["2024-01-01"] and tos == ["2026-01-05"]


@pytest.mark.parametrize(
    ("request_text", "start", "end"),
    [
        ("how many days between june 3 2025 and august 20 2025", "2025-06-03", "2025-08-20"),
        ("weeks from the 2nd of February 2026 to March 30th 2026?", "2026-02-02", "2026-03-30"),
        ("count the days from Jan 5, 2027 to Feb 9, 2027", "2027-01-05", "2027-02-09"),
    ],
)
def test_dates_written_in_words_take_their_side(request_text: str, start: str, end: str) -> None:
    spec = next(t.openai_schema() for t in Toolset.builtin() if t.name == "date_diff")
    params = extractive_spec(spec, ExtractionSources(request_text, today="2026-12-07"))["function"]["parameters"]
    branches = params.get("anyOf", [params])
    assert [(b["properties"]["start"]["enum"], b["properties"]["end"]["enum"]) for b in branches] == [([start], [end])]


@pytest.mark.parametrize(
    ("request_text", "source", "target"),
    [
        ("the bath water is 40 in celsius, what is that in fahrenheit", "celsius", "fahrenheit"),
        ("my scale shows 150 pounds, whats it in kilograms", "pounds", "kilograms"),
        ("we drove 300 miles today. convert that into kilometers", "miles", "kilometers"),
    ],
)
def test_a_value_asked_for_after_that_or_it_is_the_target(request_text: str, source: str, target: str) -> None:
    units = ["celsius", "fahrenheit", "pounds", "kilograms", "miles", "kilometers"]
    options = [u for u in units if u in request_text]
    assert directional_options(options, options, request_text) == ([source], [target])


def test_it_as_the_object_of_another_verb_names_no_target() -> None:
    # "round it to 2 places" rounds the result: "2 places" is no unit asked for
    options = ["kg", "pounds", "2 places"]
    froms, tos = directional_options(options, options, "change 8 kg to pounds and round it to 2 places") or ([], [])
    assert froms == ["kg"] and "pounds" in tos


def test_a_countdown_to_a_written_date_starts_today() -> None:
    today, written = "2026-12-07", "2027-02-14"
    both = [written, today]
    request = "valentine's dinner is booked for 2027-02-14 - how many days to go?"
    assert directional_options(both, both, request) == ([today], [written])
    assert implied_sides(both, both, "the trip is on 2027-02-14, how many weeks left") == ([today], [written])


def test_a_written_date_in_the_past_is_where_the_count_starts() -> None:
    today, written = "2026-12-07", "2024-06-30"
    both = [written, today]
    assert directional_options(both, both, "I quit smoking on June 30 2024, how long has it been") == ([written], [today])


def test_no_direction_in_time_or_two_written_dates_leave_the_pair_alone() -> None:
    assert implied_sides(["2027-02-14", "2026-12-07"], ["2027-02-14", "2026-12-07"], "what weekday is 2027-02-14") is None
    two = ["2027-02-14", "2027-03-01"]  # two written dates: the first written is the start (w59)
    assert implied_sides(two, two, "days left between 2027-02-14 and 2027-03-01") == (["2027-02-14"], ["2027-03-01"])


@pytest.mark.parametrize(
    ("request_text", "source", "target"),
    [
        ("which is longer, 3 yards or 2.5 metres?", "yards", "metres"),
        ("is 2 kg heavier than 5 lb", "kg", "lb"),
        ("what's bigger: 40 acres vs 15 hectares", "acres", "hectares"),
    ],
)
def test_a_comparison_converts_the_first_into_the_second_unit(request_text: str, source: str, target: str) -> None:
    options = ["yards", "metres", "kg", "lb", "acres", "hectares", "longer", "heavier", "bigger"]
    present = [o for o in options if o in request_text]
    assert directional_options(present, present, request_text) == ([source], [target])


def test_the_extractive_convert_units_compares_in_the_second_unit() -> None:
    spec = Toolset.builtin()["convert_units"].openai_schema()
    params = extractive_spec(spec, ExtractionSources("which is longer, 3 yards or 2.5 metres?"))["function"]["parameters"]
    branches = params.get("anyOf", [params])
    assert {v for b in branches for v in b["properties"]["from_unit"]["enum"]} == {"yards"}
    assert {v for b in branches for v in b["properties"]["to_unit"]["enum"]} == {"metres"}


def test_the_counted_item_is_no_unit() -> None:
    request = "each pie takes 6 oz of sugar per pie and we bake 4 pies, how many grams is that"
    assert directional_options(["oz", "pies", "grams"], ["oz", "pies", "grams"], request) == (["oz"], ["grams"])
