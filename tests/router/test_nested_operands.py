"""Nested operations whose operands are lists of numbers, pairs joined by "and", or operations themselves.

Requests written for these tests: "the median of 3, 9 and 12" keeps its whole list as one step's
operands, "the product of 6 and 7" is not two steps at its "and", and an operation on each side
of the outer one ("the sum of ... over the difference between ...") gives a step each, innermost first.
"""

from __future__ import annotations

import pytest

from agentfn.router.combine import segment
from agentfn.router.steps import joins_phrase, nested_steps


@pytest.mark.parametrize(("text", "steps"), [
    ("Halve the median of 3, 9 and 12", ["the median of 3, 9 and 12", "Halve the result"]),
    ("Subtract the product of 6 and 7 from 100", ["the product of 6 and 7", "Subtract the result from 100"]),
    ("Divide the total of 9 and 11 by the difference between 8 and 3",
     ["the total of 9 and 11", "the difference between 8 and 3", "Divide the result by the result"]),
])
def test_operands_stay_with_their_operation(text: str, steps: list[str]) -> None:
    assert [s.text for s in segment(text, actions=True)] == steps


def test_and_between_two_operands_joins_one_step() -> None:
    assert joins_phrase("Subtract the product of 6", " and ", "7 from 100")
    assert not joins_phrase("Compute the product of 6", " and ", "email it to Bo")  # no operand after it


def test_a_list_operand_is_not_cut_at_its_commas() -> None:
    assert nested_steps("Double the median of 3, 9, 12") == ["the median of 3, 9, 12", "Double the result"]
    assert nested_steps("Take the average of my expenses, then email it") == ["Take the average of my expenses, then email it"]
