"""Finishing cues for durations, power, volume and concentrations, and sums asked for as "together"/"total".

Requests written for these tests: a target unit that is a duration ("how many minutes"), a power ("in
kilowatts") or a blood value ("in mmol/L") asks for a unit conversion of what the chain finds; "run
together", "put together" and a request opening with "Total <things>" ask for a sum. "The total of ..."
and "total price of order 5" name a value a lookup returns, no sum.
"""

from __future__ import annotations

import pytest

from agentfn.router.finishcues import finish_cues
from agentfn.router.flowunits import unit_of, unit_word


@pytest.mark.parametrize(
    ("text", "cues"),
    [
        ("How many minutes do my last four voice memos last together?", {"unit", "add"}),
        ("Mean of the tank's last ten pressure samples, in mmol/L", {"average", "unit"}),
        ("Highest draw of the chiller last night, in kilowatts", {"unit"}),
        ("Total kilometres Jo and Sam cycled in June", {"add"}),
        ("Put together the durations of both lectures", {"add"}),
        ("Total price of order 5", set()),
        ("What is the total of my invoices?", set()),
    ],
)
def test_cues_for_new_units_and_sums(text: str, cues: set[str]) -> None:
    assert finish_cues(text) == frozenset(cues)


def test_duration_power_volume_units() -> None:
    assert unit_word("minutes") == ("duration", "min") and unit_word("hours") == ("duration", "h")
    assert unit_word("watts") == ("power", "w") and unit_word("litres") == ("volume", "l")
    assert unit_of("duration_s") == ("duration", "s") and unit_of("tank_volume_l") == ("volume", "l")
    assert unit_of("size_s") is None  # no quantity word before the unit
