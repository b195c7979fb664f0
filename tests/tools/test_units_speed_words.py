"""convert_units reads a speed written as a length per a time in words; its answer shows a glued unit once."""

from __future__ import annotations

import pytest

from agentfn._answer import render_result
from agentfn.exceptions import ToolRetry
from agentfn.library.units import convert_units


@pytest.mark.parametrize(
    ("value", "from_unit", "to_unit", "expected"),
    [
        (36, "km/h", "meters per second", 10),
        (20, "metres per second", "kilometres per hour", 72),
        (60, "miles an hour", "km/h", 96.56064),
        (10, "feet per second", "m/s", 3.048),
        (88, "kilometers an hour", "miles per hour", 54.68066),
    ],
)
def test_speed_in_words(value: float, from_unit: str, to_unit: str, expected: float) -> None:
    assert convert_units(value, from_unit, to_unit).value == pytest.approx(expected, rel=1e-5)


def test_a_length_per_an_unknown_time_is_still_refused() -> None:
    with pytest.raises(ToolRetry):
        convert_units(3, "metres per fortnight", "m/s")


def test_a_unit_written_glued_to_its_number_is_shown_once() -> None:
    result = convert_units(5, "5km", "miles")
    shown = render_result("convert_units", result.model_dump_json(), {"value": 5, "from_unit": "5km", "to_unit": "miles"})
    assert shown.startswith("5 km = 3.10")
