"""Conversions written inside a step become a step of their own, run where the data flow needs them.

Requests written for these tests: "a cube whose side is 3 feet converted to meters" converts first,
"the weight in pounds of a 12 kg parcel" computes the weight then converts it; a unit word with no
other unit of its dimension ("the population in millions of Lyon") converts nothing.
"""

from __future__ import annotations

import pytest

from agentfn.router.combine import segment
from agentfn.router.flowunits import unit_word
from agentfn.router.unitsteps import unit_steps


def test_unit_words_as_written() -> None:
    assert unit_word("miles") == ("length", "mi") and unit_word("Celsius") == ("temperature", "c")
    assert unit_word("apples") is None


@pytest.mark.parametrize(("text", "steps"), [
    ("the volume of a cube whose side is 3 feet converted to meters",
     ["convert 3 feet to meters", "the volume of a cube whose side is the result"]),
    ("What is the weight in pounds of a 12 kg parcel", ["What is the weight of a 12 kg parcel", "convert the result to pounds"]),
    ("What is the population in millions of Lyon", ["What is the population in millions of Lyon"]),
    ("a 3 feet plank converted to kilograms", ["a 3 feet plank converted to kilograms"]),  # another dimension
])
def test_conversions_inside_a_step(text: str, steps: list[str]) -> None:
    assert unit_steps(text) == steps


def test_segment_runs_the_conversion_where_it_is_needed() -> None:
    assert [s.text for s in segment("Find the perimeter in yards of a 40 by 60 foot garden", actions=True)] == [
        "Find the perimeter of a 40 by 60 foot garden", "convert the result to yards"]
