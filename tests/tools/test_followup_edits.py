"""A follow-up that asks something new about the previous result ("and in words?", "now reverse them") is that
instruction applied to the result, and the plain reply answers it exactly (``_followup_edits``, ``_number_words``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from agentfn import FunctionModel
from agentfn._followup_edits import about_previous
from agentfn._followups import resolve_followups, standalone_request
from agentfn._number_words import in_words, spelled_number
from agentfn.context import RunContext
from agentfn.library.text_llm import generate
from agentfn.messages import AssistantMessage, Message, UserMessage


@pytest.mark.parametrize(("number", "words"), [
    ("0", "zero"), ("13", "thirteen"), ("40", "forty"), ("58", "fifty-eight"), ("300", "three hundred"),
    ("1,204", "one thousand two hundred four"), ("7000000", "seven million"), ("-12", "minus twelve"),
    ("2.75", "two point seven five"), ("35%", "thirty-five percent"),
])
def test_a_number_in_words(number: str, words: str) -> None:
    assert in_words(number) == words


def test_only_a_request_for_one_number_in_words_is_spelled() -> None:
    assert spelled_number("how would you write 64 in words?") == "sixty-four"
    assert spelled_number("spell out 909") == "nine hundred nine"
    assert spelled_number("write 3 and 8 in words") is None  # two numbers
    assert spelled_number("convert 3 miles to km, written out") is None  # a conversion asked too
    assert spelled_number("what is 64 squared") is None


@pytest.mark.parametrize(("previous", "answer", "followup", "expected"), [
    ("what's 48 plus 19", "48 + 19 = 67", "and in words?", "write 67 in words"),
    ("what's 48 plus 19", "48 + 19 = 67", "ok, spell it out", "write 67 in words"),
    ("what's 48 plus 19", "48 + 19 = 67", "great, write the answer in words please", "write 67 in words"),
    ("what's 48 plus 19", "48 + 19 = 67", "how's that in words?", "write 67 in words"),
    ("alphabetize: kiwi, fig, date", "date, fig, kiwi", "now reverse them", "reverse: date, fig, kiwi"),
    ("sort these numbers: 8, 30, 2", "2, 8, 30", "and sort them descending?", "sort descending: 2, 8, 30"),
    ("name three primary colours", "red, yellow, blue", "put them in capital letters",
     "put in capital letters: red, yellow, blue"),
    ("what's 30 times 11", "30 × 11 = 330", "now triple it", "what is 330 * 3"),
    ("what's 30 times 11", "30 × 11 = 330", "and a third of that?", "what is 330 / 3"),
    ("how many hours in 3 days", "3 days = 72 hours", "what's twice the answer", "what is 72 * 2"),
    ("what is 9 plus 4", "9 + 4 = 13", "square it", "what is 13 ^ 2"),
])
def test_a_new_instruction_applies_to_the_previous_result(previous: str, answer: str, followup: str, expected: str) -> None:
    assert standalone_request(previous, followup, answer) == expected


@pytest.mark.parametrize(("previous", "answer", "followup"), [
    ("what's 48 plus 19", "48 + 19 = 67", "write 12 in words"),  # its own number
    ("alphabetize: kiwi, fig, date", "date, fig, kiwi", "reverse 'stressed'"),  # its own text
    ("tell me a story", " ".join(["word"] * 60), "now reverse it"),  # long prose is no list to edit
])
def test_an_instruction_with_its_own_object_or_about_prose_is_left_alone(previous: str, answer: str,
                                                                        followup: str) -> None:
    assert standalone_request(previous, followup, answer) is None


def test_in_words_needs_a_stated_result() -> None:
    assert about_previous("in words", "I have no live weather data.", None) is None
    assert about_previous("in words", "48 + 19 = 67", "67") == "write 67 in words"


def test_a_conversation_of_edits_chains() -> None:
    messages: list[Message] = [
        UserMessage(content="sort these words: plum, Apple, cherry"), AssistantMessage(content="Apple, cherry, plum"),
        UserMessage(content="now reverse them"),
    ]
    assert resolve_followups(messages)[-1].content == "reverse: Apple, cherry, plum"


async def test_the_plain_reply_spells_a_number_without_the_model(
    grounded_model: FunctionModel, small_path_plan: Callable[[str, str], list[str]]
) -> None:
    assert small_path_plan("calculate", "write 67 in words") == ["generate"]
    ctx: RunContext[Any] = RunContext(deps=None, run_id="r", messages=[UserMessage(content="write 67 in words")],
                                      model=grounded_model)
    assert await generate.run({"prompt": "67"}, ctx=ctx) == "sixty-seven"  # the model is never asked
