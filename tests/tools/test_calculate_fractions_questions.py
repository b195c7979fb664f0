"""calculate reads fractions of amounts, changes between two values, prices per item and two questions at once."""

from __future__ import annotations

import json
import re

import pytest

from agentfn._answer import render_result
from agentfn.exceptions import ToolRetry
from agentfn.library.calculator import calculate


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("two thirds of 60", 40),
        ("what is a fifth of 45?", 9),
        ("half of 18", 9),
        ("seven tenths of 300 please", 210),
        ("3/8 of 64", 24),
        ("one quarter of the 1,200", 300),
    ],
)
def test_fractions_of_an_amount(text: str, expected: float) -> None:
    assert calculate(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the ticket price rose from 12.50 to 15, by how much did it go up?", 2.5),
        ("our club went from 40 to 31 members. how many fewer are there?", 9),
        ("my gym fee went from $30 to $42 a month, how much more is it", 12),
    ],
)
def test_change_between_two_values(text: str, expected: float) -> None:
    assert calculate(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8 batteries cost 6.00, how much is one battery?", 0.75),
        ("a box of 20 teabags is £3 - what's that per teabag", 0.15),
        ("5 tickets for 60 dollars, how much each?", 12),
    ],
)
def test_price_per_item(text: str, expected: float) -> None:
    assert calculate(text) == pytest.approx(expected)


def test_two_questions_in_one_message_are_both_answered() -> None:
    result = calculate("quick question: what's 20% of 90, and what is 7 cubed?")
    assert result == "20% of 90 = 18; 7 cubed = 343"
    shown = render_result("calculate", json.dumps(result), {"expression": "what's 20% of 90, and what is 7 cubed?"})
    assert shown == "20% of 90 = 18; 7 cubed = 343"


def test_one_question_still_fails_plainly() -> None:
    with pytest.raises(ToolRetry):
        calculate("what is 12 * (3")
    with pytest.raises(ToolRetry):
        calculate("what's 4 plus; and the weather?")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9 × 7", 63),
        ("144 ÷ 12", 12),
        ("50 – 8", 42),
        ("a bag of 5 apples is £2.00 — what’s that per apple?", 0.4),
    ],
)
def test_typed_punctuation(text: str, expected: float) -> None:
    assert calculate(text) == pytest.approx(expected)


def test_the_expression_pattern_admits_typed_punctuation() -> None:
    pattern = calculate.openai_schema()["function"]["parameters"]["properties"]["expression"]["pattern"]
    assert re.fullmatch(pattern, "a pack costs $4.20 — what’s that × 2")
