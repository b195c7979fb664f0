"""Given values among near-duplicates: a tool that would compute what the request states loses the head."""

from __future__ import annotations

import functools
from typing import Any

from agentfn.router.dataflow import tool_io
from agentfn.router.givens import given_outputs, value_labels
from agentfn.router.neardup import near_duplicate_head
from agentfn.router.text import ToolRecord


def _tool(name: str, description: str, *params: str) -> dict[str, Any]:
    props = {p: {"type": "number", "description": p.replace("_", " ")} for p in params}
    return {"name": name, "description": description,
            "parameters": {"type": "object", "properties": props, "required": list(params)}}


TOOLS = [
    _tool("motion.travel_time", "Time needed to cover a distance at a constant speed.", "distance", "speed"),
    _tool("average_speed_from_trip", "Average speed of a trip from its distance and duration.", "distance", "travel_time"),
    _tool("circle_radius_from_area", "Radius of a circle with a given area.", "area"),
    _tool("geometry.circle_area", "Area of a circle from its radius.", "radius"),
    _tool("thermostat.set_temperature", "Set the target temperature of the thermostat.", "temperature"),
    _tool("room_temperature_from_sensor", "Read the temperature a room sensor reports.", "sensor_id"),
]
RECS = {t["name"]: ToolRecord.of(t) for t in TOOLS}
IO = functools.cache(lambda n: tool_io(RECS[n]))


def _head(ranked: list[tuple[str, float]], text: str) -> str:
    out = near_duplicate_head(ranked, text, RECS, IO, margin=0.03, depth=5, w_fill=0.1, w_name=0.03, w_words=0.2)
    return out[0][0]


def test_words_right_before_a_number_label_it() -> None:
    assert value_labels("a circle whose radius is 4 cm") == [frozenset({"radius"})]
    assert value_labels("pH 7.2 and a half-life of 3 days") == [frozenset({"ph"}), frozenset({"half", "life"})]
    assert value_labels("what is the area of a circle?") == []


def test_a_tool_computing_a_given_quantity_pays_a_misfit() -> None:
    names = ["circle_radius_from_area", "geometry.circle_area"]
    assert given_outputs(names, "area of a circle of radius 3", IO) == [1, 0]
    assert given_outputs(names, "a circle has area 50, how wide is it from the centre?", IO) == [0, 1]
    assert given_outputs(names[::-1], "what's the area when the radius is 6?", IO) == [0, 1]
    assert given_outputs(names, "area of a circle, please", IO) == [0, 0]  # no value: nothing is given
    # "travel time is 2" is the input of average_speed_from_trip and the answer of motion.travel_time
    names = ["motion.travel_time", "average_speed_from_trip"]
    assert given_outputs(names, "I drove 150 km and the travel time was 2 hours: how fast was I?", IO) == [1, 0]
    assert given_outputs(names, "how long to drive 150 km at 75 km/h?", IO) == [0, 0]


def test_the_tool_taking_the_given_value_takes_the_head() -> None:
    ranked = [("motion.travel_time", 0.81), ("average_speed_from_trip", 0.80)]
    assert _head(ranked, "the travel time was 2 hours for 150 km, what was my speed on average?") == "average_speed_from_trip"
    assert _head(ranked, "how long does 150 km take at a speed of 75?") == "motion.travel_time"


def test_a_setter_names_its_input_and_never_pays() -> None:
    names = ["thermostat.set_temperature", "room_temperature_from_sensor"]
    # the setter's name holds "temperature" and does not pay; the reading that would answer it does
    assert given_outputs(names, "set the temperature to 21", IO) == [0, 1]
