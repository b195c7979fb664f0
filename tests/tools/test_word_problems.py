"""calculate reads everyday word problems by their shape; what it cannot place is left to its other rules."""

from __future__ import annotations

import pytest

from agentfn.library._word_problems import word_problem
from agentfn.library.calculator import calculate


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # a start and its changes
        ("Tom had 50 marbles, lost 12 and gave 9 to his sister. How many are left?", 29),
        ("we started with 300 euros and spent 120 on the hotel, how much do we have now", 180),
        ("she has 14 stickers and then got 6 more, how many does she have altogether", 20),
        # a part of a whole
        ("a choir has 40 singers and 15 of them are tenors, how many are not tenors", 25),
        ("There are 28 cookies in the jar and nine of them were eaten. How many cookies are still there?", 19),
        # equal groups
        ("one crate holds 18 bottles, how many bottles fit in 5 crates", 90),
        ("an egg carton has 12 eggs; how many eggs do 4 cartons hold?", 48),
        ("my four grandkids get 25 dollars each for their birthday, how much do I need", 100),
        ("7 shelves and each holds 30 books, how many books is that", 210),
        ("6 bags with 15 apples each, how many apples?", 90),
        # equal shares of several amounts
        ("four of us split a 120 dollar hotel and a 40 dollar dinner, what does each person pay", 40),
        ("share a 30 pizza and 18 of drinks between 3 friends", 16),
        # a price and a percentage said apart
        ("the shoes are 120 dollars but there's a 25% discount, what's the price", 90),
        ("dinner came to 50 and we want to leave a 20% tip, what is the total", 60),
        ("dinner came to 50 and we want to leave a 20% tip, how much is the tip", 10),
        # a price and fixed amounts off it (a count of the amounts may be said)
        ("the lamp is 40 euros and I have a 5 euro voucher, what do I pay", 35),
        ("my groceries were 82.40, I used 3 coupons: 5 off, 2 off and 1.50 off", 73.9),
        ("a 60 dollar jacket, the shop takes 15 off and I have a 10 dollar gift card", 35),
        # a rate over a longer period
        ("the dog eats 2 cans a day, how many cans in a week", 14),
        ("we spend 40 pounds a week on food, how much is that in a year", 2080),
    ],
)
def test_word_problems(text: str, value: float) -> None:
    assert calculate(text) == pytest.approx(value)


@pytest.mark.parametrize(
    "text",
    [
        "what is 12 plus 30",  # plain arithmetic: the calculator's other rules
        "I had 3 apples",  # no change, no question
        "I have 200 dollars and 5 of them are old, and 3 are new, how many",  # a number left unread
        "3 friends share a 90 bill",  # one amount: the split rules handle it
        "had 40 and bought 3 at 5 each, what's left",  # a price per item: not a plain change
        "I cycle 10 miles a day, how many km is that in a week",  # a conversion first: not the calculator alone
        "I have 2 coupons worth 5 off, what is 90 minus that",  # the price after the amount off: not this shape
        "the coat is 20% off and 10 off again at the till",  # a percentage too: the percentage rules
    ],
)
def test_other_text_is_left_alone(text: str) -> None:
    assert word_problem(text) is None
