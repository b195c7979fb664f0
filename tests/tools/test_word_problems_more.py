"""More everyday word problems the calculator reads: groups and what changed after, a bill split in a
gerund with a contraction, a speed kept for a span (agentfn.library._word_problems, _math_words, _durations)."""

from __future__ import annotations

import pytest

from agentfn.library._durations import SPEED_FOR_TIME, distance_expression
from agentfn.library._word_problems import word_problem
from agentfn.library.calculator import calculate


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("we packed 6 bags with 15 oranges in each, 4 of them went bad. how many are left?", 86),
        ("I had 2 tins of 40 biscuits each and gave away 9, how many are left", 71),
        ("there are 5 shelves with 20 books on each... 12 were sold and we received 7 more, how many now", 95),
        ("they're splitting the 150 hotel bill between 6 people, how much does each owe?", 25),
        ("splitting a $72.60 lunch between 3 of us", 24.2),
        ("if she cycles at 18 km/h for 2 hours how far does she go", 36),
        ("a ferry doing 30 mph for 40 minutes covers how many miles", 20),
        ("walking 4 miles an hour over 3 hours, how far is that", 12),
    ],
)
def test_more_word_problems(text: str, value: float) -> None:
    assert calculate(text) == pytest.approx(value)


def test_a_change_with_two_numbers_in_one_clause_is_not_read() -> None:
    # "12 were sold for 3 dollars": two numbers in the clause after the groups, so the reader leaves it
    assert word_problem("5 shelves with 20 books on each, 12 were sold for 3 dollars, how many now") is None


@pytest.mark.parametrize(("text", "expression"), [("at 70 mph for 3 hours", "70 * 3"),
                                                   ("90 kph in 20 minutes", "90 * 20 / 60")])
def test_distance_expression(text: str, expression: str) -> None:
    m = SPEED_FOR_TIME.search(text)
    assert m is not None and distance_expression(m) == expression


@pytest.mark.parametrize("text", ["65 mph in km/h", "5 m/s for 10 seconds", "60 mph is how many km/h"])
def test_no_speed_for_time(text: str) -> None:
    assert SPEED_FOR_TIME.search(text) is None
