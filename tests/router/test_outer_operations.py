"""Outer operations whose operands are two inner results, and an operation applied after a comma.

Requests written for these tests: "the ratio between the average of 2, 6 and the average of 5, 9"
gives each inner operation a step and the outer one last; "the sum of 8 and 9, times 4" is the sum,
then the result times 4; an open "between" joins its "and" but not an "and" that opens an action.
"""

from __future__ import annotations

import pytest

from agentfn.router.combine import segment
from agentfn.router.steps import joins_phrase


@pytest.mark.parametrize(("text", "steps"), [
    ("What is the percentage change between the average of 2, 6 and the average of 5, 9?",
     ["the average of 2, 6", "the average of 5, 9", "What is the percentage change between the result and the result"]),
    ("Compute the difference between the median of 1, 4, 7 and the mean of 3, 3, 9",
     ["the median of 1, 4, 7", "the mean of 3, 3, 9", "Compute the difference between the result and the result"]),
    ("What's the sum of 8 and 9, times 4?", ["What's the sum of 8 and 9", "multiply the result by 4"]),
    ("Compute the mean of 3, 5, 10, squared", ["Compute the mean of 3, 5, 10", "square the result"]),
    ("Cube root of the standard deviation of 5, 10, 20", ["the standard deviation of 5, 10, 20", "Cube root of the result"]),
])
def test_inner_results_run_before_the_outer_operation(text: str, steps: list[str]) -> None:
    assert [s.text for s in segment(text, actions=True)] == steps


def test_open_between_joins_its_and_only() -> None:
    assert joins_phrase("the gap between the lowest reading of the week", " and ", "the highest one")
    assert not joins_phrase("the gap between 3 and 4 days", " and ", "send it to Ana")
    assert not joins_phrase("Compare prices between the biggest shops in town", " and ", "book the cheaper one")
