"""Directional pairs in either signature order, and which time zone is the source."""

from __future__ import annotations

from typing import Any

from agentfn.backends._extract import ExtractionSources, extractive_spec
from agentfn.backends._extract_pairs import zone_sides
from agentfn.toolset import Toolset


def _zone_branches(request: str) -> list[tuple[str, str]]:
    spec = Toolset.builtin()["convert_timezone"].openai_schema()
    params: dict[str, Any] = extractive_spec(spec, ExtractionSources(request, "2026-01-05"))["function"]["parameters"]
    branches = params.get("anyOf", [params])
    return [(z, b["properties"]["to_timezone"]["enum"][0]) for b in branches for z in b["properties"]["from_timezone"]["enum"]]


def test_the_zone_next_to_the_clock_time_is_the_source() -> None:
    assert _zone_branches("At 7:30 in Chicago what is the time in Tokyo?") == [("America/Chicago", "Asia/Tokyo")]
    assert _zone_branches("When it is 6pm in Tokyo, what time is it in Chicago?") == [("Asia/Tokyo", "America/Chicago")]
    assert _zone_branches("2025-02-03 08:15 UTC in Berlin time please") == [("UTC", "Europe/Berlin")]
    assert _zone_branches("Convert 14:00 from Berlin to Tokyo") == [("Europe/Berlin", "Asia/Tokyo")]


def test_zone_sides_without_a_cue_leave_the_order_open() -> None:
    assert zone_sides(["Europe/Paris", "Asia/Tokyo"], "Paris and Tokyo clocks") is None
    assert zone_sides(["Europe/Paris", "Asia/Tokyo"], "What time is it in Tokyo when it is 10:00 in Paris?") == (
        ["Europe/Paris"], ["Asia/Tokyo"])


def test_direction_reads_numbers_in_words_and_whole_unit_words() -> None:
    from agentfn.backends._direction import directional_options

    assert directional_options(["metres", "nine metres"], ["yards"], "convert nine metres to yards") == (["metres"], ["yards"])
    # "litres" is no part of "millilitres": both sides keep their own unit
    assert directional_options(["centilitres", "litres"], ["centilitres", "litres"],
                               "How many centilitres are in 0.7 litres?") == (["litres"], ["centilitres"])
