"""Unit conversion across the supported quantities."""

from __future__ import annotations

import pytest

from agentfn import ToolRetry
from agentfn.library.units import convert_units


@pytest.mark.parametrize(
    ("value", "source", "target", "expected"),
    [
        (1, "km", "m", 1000),
        (10, "miles", "km", 16.09344),
        (12, "in", "ft", 1),
        (1, "kg", "lb", 2.20462262),
        (16, "ounces", "pounds", 1),
        (100, "C", "F", 212),
        (32, "fahrenheit", "celsius", 0),
        (0, "K", "C", -273.15),
        (1, "gallon", "liters", 3.785411784),
        (1000, "ml", "l", 1),
        (100, "km/h", "m/s", 27.7777778),
        (60, "mph", "km/h", 96.56064),
        (1, "GiB", "MiB", 1024),
        (1, "GB", "MB", 1000),
        (8, "bit", "B", 1),
        (1, "Gbit", "MB", 125),
        (90, "minutes", "hours", 1.5),
        (1, "day", "s", 86400),
        (1, "ha", "m2", 10000),
        (2, "sq yd", "sq ft", 18),
        (10, "square yards", "m2", 8.3612736),
    ],
)
def test_conversions(value: float, source: str, target: str, expected: float) -> None:
    assert convert_units(value, source, target).value == pytest.approx(expected, rel=1e-6)


def test_result_names_units_and_quantity() -> None:
    result = convert_units(5, "Kilometers", "mi")
    assert (result.unit, result.quantity, result.original_unit) == ("mi", "length", "km")


def test_case_matters_for_bits_and_bytes() -> None:
    assert convert_units(1, "MB", "Mb").value == pytest.approx(8)
    assert convert_units(1, "mb", "kB").value == pytest.approx(1000)  # lower case: the common byte reading


def test_refusals() -> None:
    with pytest.raises(ToolRetry, match="cannot convert length"):
        convert_units(1, "m", "kg")
    with pytest.raises(ToolRetry, match="unknown unit 'parsec'"):
        convert_units(1, "parsec", "m")
    with pytest.raises(ToolRetry, match="absolute zero"):
        convert_units(-300, "C", "K")


@pytest.mark.parametrize(
    ("source", "target", "expected"),
    [
        ("tablespoons", "teaspoons", 9.0),  # plurals of any unit, not only the listed ones
        ("3 tablespoons", "teaspoons", 9.0),  # the model copied the number with the unit
        ("tablespoons", "How many teaspoons are in", 9.0),  # a phrase naming one unit ("in" is a word first)
    ],
)
def test_units_as_a_small_model_writes_them(source: str, target: str, expected: float) -> None:
    assert convert_units(3, source, target).value == pytest.approx(expected)


def test_a_phrase_naming_two_units_is_still_refused() -> None:
    with pytest.raises(ToolRetry, match="unknown unit"):
        convert_units(3, "How many teaspoons are in 3 tablespoons", "cups")
