"""Unit names as users write them: British -re spellings and misspelt long names."""

from __future__ import annotations

import pytest

from agentfn import ToolRetry
from agentfn.library.units import convert_units


def test_re_spellings_and_typos_resolve() -> None:
    assert convert_units(3, "millimetres", "inches").unit == "in"
    assert convert_units(2, "decilitres", "millilitres").value == pytest.approx(200)
    assert convert_units(50, "farenheit", "celcius").value == pytest.approx(10)
    assert convert_units(1, "poundz", "kilograms").value == pytest.approx(0.45359237)


def test_a_word_close_to_no_unit_is_still_refused() -> None:
    with pytest.raises(ToolRetry):
        convert_units(3, "bananas", "kg")


def test_kilos_are_kilograms() -> None:
    assert convert_units(10, "kilos", "pounds").value == pytest.approx(22.0462, rel=1e-4)


def test_a_length_beside_an_area_or_volume_is_its_square_or_cube() -> None:
    assert convert_units(2, "hectares", "metres").unit == "m2"  # "2 hectares in metres": square metres
    assert convert_units(10, "square feet", "inches").value == pytest.approx(1440)
    assert convert_units(1, "litre", "cm").value == pytest.approx(1000)
    with pytest.raises(ToolRetry, match="cannot convert"):
        convert_units(3, "kg", "metres")
