"""Statements first and a question about them last: the question is the instruction, the statements the passage."""

from __future__ import annotations

import pytest

from agentfn._passage_tasks import content_question, split_passage, stated_passage
from agentfn.backends._extract import ExtractionSources, extractive_spec
from agentfn.toolset import Toolset


def test_the_closing_question_about_the_statements_is_the_instruction() -> None:
    text = "The gym opens at 6 on weekdays and at 8 on Sundays. Towels cost extra. When does it open on a sunday?"
    assert split_passage(text) == ("When does it open on a sunday?",
                                   "The gym opens at 6 on weekdays and at 8 on Sundays. Towels cost extra.")
    assert content_question(text)
    assert content_question("My cousin Ana lives in Porto and works as a pilot. What does Ana work as?")


@pytest.mark.parametrize(
    "text",
    [
        "My lease starts on 2026-04-01 and runs for 9 months. When does it run out?",  # a date to compute
        "The webinar is at 2026-05-02 15:00 in Paris. What time is that in Denver?",  # a time zone to convert
        "I paid 12 for lunch and 30 for dinner. What did I spend altogether?",  # a sum
        "hey! what is 7 to the power of three?",  # a greeting is no passage
    ],
)
def test_a_question_that_brings_new_words_is_not_a_lookup(text: str) -> None:
    assert not content_question(text)


def test_the_answer_tool_gets_the_statements_and_the_question() -> None:
    text = "The gym opens at 6 on weekdays and at 8 on Sundays. Towels cost extra. When does it open on a sunday?"
    params = extractive_spec(Toolset.builtin()["answer"].openai_schema(), ExtractionSources(text))["function"]["parameters"]
    enums = [{k: v.get("enum") for k, v in b["properties"].items()} for b in params.get("anyOf", [params])]
    assert enums == [{"question": ["When does it open on a sunday?"],
                      "context": ["The gym opens at 6 on weekdays and at 8 on Sundays. Towels cost extra."]}]
    assert stated_passage("I paid 12 for lunch and 30 for dinner. What did I spend altogether?") == ""
