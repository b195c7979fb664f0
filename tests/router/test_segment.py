"""combine.segment: a request's steps, in the order they run."""

from __future__ import annotations

import pytest

from agentfn.router.combine import segment


def _steps(query: str) -> list[str]:
    return [s.text for s in sorted(segment(query), key=lambda s: s.order)]


@pytest.mark.parametrize(
    ("query", "steps"),
    [
        ("find flights from Paris and London", ["find flights from Paris and London"]),
        ("look up the airport code for Lyon and then search flights from there",
         ["look up the airport code for Lyon", "search flights from there"]),
        ("book the table after you check the weather in Rome",
         ["you check the weather in Rome", "book the table"]),
        # A leading clause runs first ("After X, Y"), or last ("Before Y, X").
        ("After calculating the sin of 1.5 radians, divide the result by the cos of 1.5 radians",
         ["calculating the sin of 1.5 radians", "divide the result by the cos of 1.5 radians"]),
        ("Before you book the flight, check the weather in Paris",
         ["check the weather in Paris", "you book the flight"]),
        # A parenthesised step produces what the step around it needs.
        ("multiply the result of (log of 100 to base 10) by 3", ["log of 100 to base 10", "multiply the result of by 3"]),
        ("Please send them the difference for March (see transaction history), which was too little.",
         ["see transaction history", "Please send them the difference for March, which was too little"]),
    ],
)
def test_steps_in_execution_order(query: str, steps: list[str]) -> None:
    assert _steps(query) == steps


@pytest.mark.parametrize(
    "query",
    [
        "How many cells are there in 2 hours (120 minutes)?",  # a detail in parentheses, not a step
        "Convert 5 km (about 3 miles) to feet",
        "When the build finishes, post a message to the team",  # a condition, not a step
        "(look up the weather in Paris)",  # the parenthesis is the whole request
        "After lunch, call Ann",  # too short to be a step of its own
    ],
)
def test_details_and_conditions_stay_in_their_step(query: str) -> None:
    assert len(segment(query)) == 1


def test_steps_never_exceed_the_cap_and_keep_every_word() -> None:
    query = " then ".join(f"step number {i} does work" for i in range(12))
    steps = segment(query, max_steps=8)
    assert len(steps) == 8
    assert "step number 11 does work" in steps[-1].text


def test_values_and_pasted_rows_are_not_steps() -> None:
    from agentfn.router.combine import segment

    for actions in (False, True):
        between = segment("How many minutes are there between 2024-04-02T09:15 and 2024-04-02T17:45?", actions=actions)
        assert len(between) == 1
        table = segment("What is the average age in this CSV?\nname,age\nAnn,31\nBob,45", actions=actions)
        assert [s.text for s in table] == ["What is the average age in this CSV"]
