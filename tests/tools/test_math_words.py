"""calculate reads simple English arithmetic; symbols and the modulo operator are untouched."""

from __future__ import annotations

import pytest

from agentfn.library.calculator import calculate


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("What is 17.5% of 2480?", 434.0),
        ("Compute 12 * (3 + 4)", 84),
        ("What is the square root of 144?", 12.0),
        ("What is 2 to the power of 10?", 1024),
        ("What is 1000 divided by 8?", 125.0),
        ("How much is a 15% tip on a $64 bill?", 9.6),
        ("what is 7 factorial", 5040),
        ("What is 2500 minus 1275?", 1225),
        ("What's the average of 12, 18 and 27?", 19.0),
        ("If I split a $230 bill between 4 people, how much does each pay?", 57.5),
        ("What is 9 squared plus 40?", 121),
        ("Round pi to 4 decimal places", 3.1416),
        ("what is the remainder when 100 is divided by 7", 2),
        ("1,250 + 3", 1253),
        ("100 % 7", 2),
        ("1e3 + 0.5", 1000.5),
        ("twelve times four", 48),
        ("what is one plus one", 2),
        ("three hundred divided by twenty-five", 12),
        ("whats 60 divded by 12", 5),  # a misspelt operator word
        ("9 multipled by 3", 27),
        ("sqrt of 225", 15.0),  # a function named before its argument, as typed
        ("sqrt 81 + 1", 10.0),
        ("log10 of 1000", 3.0),
        ("If I buy 4 pizzas at $12.50 each, how much do I pay?", 50.0),  # a unit price times a count
        ("What do 5 tickets for 12 dollars each cost?", 60),
        ("I bought 2 hats at $7.50 each. What did I spend?", 15),  # two sentences
        ("What is 20% off $85?", 68),  # discounts, taxes and shares as percentages
        ("$120 plus 8% tax", 129.6),
        ("What's 3/4 as a percentage?", 75),
        ("If I save $250 a month, how much will I have after 18 months?", 4500),  # a rate for a duration
        ("I drive 60 km per hour for 3 hours, how far do I go?", 180),
        ("Is 97 a prime number?", True),
        ("is 91 prime", False),
        ("isprime(7919)", True),
        ("Calculate the area of a circle with radius 4", 50.26548245743669),  # shapes by their measures
        ("What is the circumference of a circle with a radius of 3?", 18.84955592153876),
        ("area of a triangle with base 10 and height 5", 25),
        ("What is the area of a room that is 12 feet by 10 feet?", 120),
        ("Divide 1,000 by 7 and round to 2 decimals", 142.86),  # a rounding after the rest
        ("What's the square of 23?", 529),
        ("subtract 5 from 12", 7),
        ("what's 3 to the 5th", 243),  # a power by its ordinal
        ("7 to the 2nd power", 49),
    ],
)
def test_english_arithmetic(text: str, value: float) -> None:
    assert calculate(text) == pytest.approx(value)


def test_unknown_names_are_still_refused() -> None:
    from agentfn import ToolRetry

    with pytest.raises(ToolRetry, match="unknown name"):
        calculate("x + 1")


def test_number_words_in_requests() -> None:
    from agentfn._values import number_words, numbers_in_request, request_values

    assert number_words("forty-two and three hundred five") == [42, 305]
    assert number_words("which one is it?") == []  # "one" as a pronoun
    assert numbers_in_request("What is the date one year after 2024-02-29?") == [1]
    assert request_values("How many weeks until 2027-03-01?")["date"] == 2  # today is the other end
    assert request_values("What day of the week was 2024-07-04?")["date"] == 1


def test_a_request_with_no_arithmetic_words_keeps_its_words() -> None:
    from agentfn import ToolRetry

    with pytest.raises(ToolRetry):  # a unit conversion is not arithmetic: no silent "250"
        calculate("What's 250 grams in ounces?")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Hey there! Could you tell me 12 percent of 50?", 6),  # "there!" holds no factorial of e
        ("Good morning, hope you are fine! What is 9 plus 4", 13),
        ("Hello there! 7 squared?", 49),
    ],
)
def test_a_constant_is_read_only_as_a_whole_word(text: str, value: float) -> None:
    assert calculate(text) == pytest.approx(value)


@pytest.mark.parametrize(("text", "value"), [("wat is 40+2", 42), ("whta is 6*7", 42), ("hw much is 50 minus 8", 42)])
def test_a_misspelt_question_word_is_not_part_of_the_expression(text: str, value: float) -> None:
    assert calculate(text) == pytest.approx(value)


@pytest.mark.parametrize(("text", "value"), [("paid 15 dollars an hour, I worked 6 hours today", 90),
                                             ("she earns £9 a day and spent 5 days there, how much", 45)])
def test_a_rate_times_the_time_worked(text: str, value: float) -> None:
    assert calculate(text) == pytest.approx(value)


@pytest.mark.parametrize(("text", "value"), [("the bus ride takes 1 hr 20 min, how many minutes", 80),
                                             ("3h 15m in hours", 3.25), ("how many minutes is 45 minutes plus 15", 60)])
def test_a_duration_in_hours_and_minutes_and_minutes_are_no_minus(text: str, value: float) -> None:
    assert calculate(text) == pytest.approx(value)


@pytest.mark.parametrize(("text", "value"), [
    ("add these up: 4, 9.5, 12", 25.5),
    ("could you sum up 7, 8 and 10 for me", 25),
    ("total these figures - 120, 80, 45.25", 245.25),
    ("add together 1, 2, 3, 4", 10),
])
def test_a_pasted_list_to_add_is_summed(text: str, value: float) -> None:
    assert calculate(text) == pytest.approx(value)


@pytest.mark.parametrize(("text", "value"), [
    ("six hundred and fifty divided by five", 130),
    ("two thousand and twenty four minus one thousand nine hundred and ninety", 34),
    ("one hundred and one times three", 303),
])
def test_numbers_in_words_with_the_british_and(text: str, value: float) -> None:
    assert calculate(text) == pytest.approx(value)


def test_a_scale_word_after_the_and_starts_a_second_number() -> None:
    from agentfn._values import spell_out_numbers

    assert spell_out_numbers("between two hundred and three hundred") == "between 200 and 300"
    assert spell_out_numbers("seven and eight") == "7 and 8"
    assert spell_out_numbers("three thousand and six pages") == "3006 pages"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("hi! what's 2+2", 4),
        ("hello, what is 15% of 80", 12),
        ("ok so 12*4", 48),
        ("hey which is bigger, 2^10 or 10^3", 1024),
        ("thanks! and 3 times 7", 21),
        ("waht is 2+2", 4),
        ("wut is 3*3", 9),
    ],
)
def test_a_greeting_filler_or_misspelt_question_word_before_the_arithmetic_asks_for_nothing(text: str, value: float) -> None:
    assert calculate(text) == value
