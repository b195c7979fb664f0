"""Everyday unit words: a bare "k" beside a length is kilometres (a "10k race"), beside a temperature kelvin; a
temperature asked "in american" or "in metric" is in that system's scale."""

from __future__ import annotations

import pytest

from agentfn.library.units import convert_units


def test_a_10k_race_in_miles() -> None:
    assert convert_units(10, "10k", "miles").value == pytest.approx(6.2137, rel=1e-4)
    assert convert_units(3, "mi", "K").unit == "km"


def test_k_beside_a_temperature_is_kelvin() -> None:
    assert convert_units(0, "k", "celsius").value == pytest.approx(-273.15)


def test_a_temperature_asked_in_a_unit_system() -> None:
    assert convert_units(25, "25C", "american").value == pytest.approx(77)
    assert convert_units(50, "F", "metric units").unit == "C"
    with pytest.raises(Exception, match="unknown unit"):
        convert_units(3, "miles", "american")
