"""Passages of a request and extractive answers, for models whose own prose is not shown (the embedded default)."""

from __future__ import annotations

import pytest

from agentfn import FunctionModel
from agentfn.context import RunContext
from agentfn.library._passage import extractive_answer, passage_of, question_of, quoted_spans
from agentfn.library.text_llm import answer, sentiment, summarize, translate, translation_arguments
from agentfn.messages import UserMessage


def _ctx(request: str, model: FunctionModel) -> RunContext[None]:
    return RunContext(deps=None, run_id="r", messages=[UserMessage(content=request)], model=model)


BAKERY = ("Summarise the following in a sentence. The bakery on Main Street will close for renovations in July. "
          "It will reopen in September with a larger seating area.")


def test_quoted_spans_skip_apostrophes_inside_words() -> None:
    assert quoted_spans("Context: 'Alice's job is nursing.' What is it?") == ["Alice's job is nursing."]
    assert quoted_spans('He said "hi there" and “bye now”') == ["hi there", "bye now"]


@pytest.mark.parametrize(
    ("piece", "request_text", "passage"),
    [
        ("July", BAKERY, "The bakery on Main Street will close for renovations in July. It will reopen in September "
                         "with a larger seating area."),
        ("cold", "Sentiment of: 'The food was cold and the waiter was rude.'", "The food was cold and the waiter was rude."),
        ("rain", "Please condense this paragraph: Heavy rain is expected on Saturday. The ferry will not run.",
         "Heavy rain is expected on Saturday. The ferry will not run."),
        ("something else entirely", "Summarize: The train was late.", "something else entirely"),  # not a piece: kept
        ("The train was late.", "", "The train was late."),  # outside a run: kept
    ],
)
def test_passage_of_recovers_the_passage_a_fragment_comes_from(piece: str, request_text: str, passage: str) -> None:
    assert passage_of(piece, request_text) == passage


def test_question_of_cuts_the_passage_out() -> None:
    request = "Read this and answer: 'The conference starts on 12 May in Vienna.' Where is the conference?"
    assert question_of(request, "The conference starts on 12 May in Vienna.") == "Read this and answer: Where is the conference?"
    assert question_of("Summarize: The train was late.", "The train was late.") is None


@pytest.mark.parametrize(
    ("question", "context", "expected"),
    [
        ("Where is the conference?", "The conference starts on 12 May in Vienna and lasts three days.", "Vienna"),
        ("When was the museum renovated?", "The museum was built in 1889 and renovated in 2015.", "2015"),
        ("How long does the course last?", "The cooking course runs for six weeks and costs 240 dollars.", "six weeks"),
        ("Who founded the company?", "The company was founded by Grace Hopper in 1952.", "Grace Hopper"),
        ("Which gate does the flight leave from?", "The flight to Oslo leaves from gate B12 at 14:05.", "B12"),
        ("How many people live in the village?", "The village has about 1,200 residents and one school.", "1,200 residents"),
        ("What is Tom allergic to?", "Tom is allergic to peanuts but loves strawberries.", "peanuts"),
        ("How much is entry?", "The museum is open Tuesday to Sunday. Entry costs 12 euros.", "12 euros"),
        ("When does the sale end?", "Our summer sale ends on August 31 and all shoes are 30% off.", "August 31"),
    ],
)
def test_extractive_answer_copies_the_span_asked_for(question: str, context: str, expected: str) -> None:
    found = extractive_answer(question, context)
    assert found.answer == expected and found.answerable and found.quote in context


def test_extractive_answer_falls_back_to_the_sentence_or_says_it_does_not_know() -> None:
    found = extractive_answer("What is Alice's job?", "Alice moved to Berlin in 2019 and works as a nurse.")
    assert found.answer == "nurse" and found.quote == "Alice moved to Berlin in 2019 and works as a nurse."
    whole = extractive_answer("Why did Alice move?", "Alice moved to Berlin in 2019 and works as a nurse.")
    assert whole.answer == "Alice moved to Berlin in 2019 and works as a nurse."
    missing = extractive_answer("What is the price of gold?", "The sky is blue. Grass is green.")
    assert not missing.answerable and "does not say" in missing.answer


async def test_grounded_tools_read_the_passage_from_the_request(grounded_model: FunctionModel) -> None:
    model = grounded_model
    summary = await summarize.run({"text": "July"}, ctx=_ctx(BAKERY, model))
    assert summary.text.startswith("The bakery on Main Street will close for renovations in July.")
    request = "Read this and answer: 'The conference starts on 12 May in Vienna and lasts three days.' Where is it held?"
    cited = await answer.run({"question": "Where?", "context": "three days"}, ctx=_ctx(request, model))
    assert cited.answer == "Vienna" and cited.answerable
    assert cited.citations[0].quote == "The conference starts on 12 May in Vienna and lasts three days."
    mood = await sentiment.run({"text": "cold"}, ctx=_ctx("Sentiment of: 'The soup was cold and the waiter rude.'", model))
    assert mood.label == "negative"


def test_translation_arguments_come_from_the_request() -> None:
    request = "How do I say 'see you tomorrow' in Spanish?"
    assert translation_arguments("see", "tomorrow", "tomorrow", request) == ("see you tomorrow", "Spanish", None)
    assert translation_arguments("hola", "English", None, "Translate 'hola' from Spanish to English") == (
        "hola", "English", "Spanish")
    assert translation_arguments("cat", "it", None, "") == ("cat", "it", None)  # outside a run: as given


async def test_grounded_translate_answers_in_one_honest_line(grounded_model: FunctionModel) -> None:
    model = grounded_model
    got = await translate.run({"text": "see", "target": "tomorrow"}, ctx=_ctx("How do I say 'see you tomorrow' in Spanish?", model))
    assert got == "hasta mañana"
    words = await translate.run({"text": "x", "target": "es"}, ctx=_ctx("Translate 'good morning, my friend' into Spanish", model))
    assert words == "buenos días, mi amigo (word by word from the offline phrasebook)"
    request = "Translate 'the invoice is attached to this email' into German"
    honest = await translate.run({"text": "invoice", "target": "German"}, ctx=_ctx(request, model))
    assert honest.startswith("I can't translate that offline: the offline phrasebook lacks 'invoice'")
    assert "larger model" in honest and "\n" not in honest


async def test_grounded_summary_takes_its_format_from_the_request(grounded_model: FunctionModel) -> None:
    model = grounded_model
    text = "We moved the standup to 9:30, the budget review is postponed, and Priya joins the design team."
    prose = await summarize.run({"text": text, "format": "bullets"}, ctx=_ctx(f"Can you summarize this for me? {text}", model))
    assert prose.format == "prose" and not prose.points
    points = await summarize.run({"text": text}, ctx=_ctx(f"Summarize in bullet points: {text}", model))
    assert points.format == "bullets" and len(points.points) == 3



async def test_two_questions_joined_by_and_are_both_answered(grounded_model: FunctionModel) -> None:
    from typing import Any

    from agentfn.context import RunContext
    from agentfn.library._passage import question_parts
    from agentfn.library.text_llm import answer
    from agentfn.messages import UserMessage

    assert question_parts("who wrote it and when was it sent") == ["who wrote it", "when was it sent"]
    assert question_parts("what is salt and pepper") == ["what is salt and pepper"]
    note = "Omar sent the parcel on Monday. Postage cost 14 euros."
    request = f"who sent the parcel and what did postage cost? '{note}'"
    ctx: RunContext[Any] = RunContext(deps=None, run_id="r", messages=[UserMessage(content=request)], model=grounded_model)
    found = await answer.run({"question": "parcel", "context": note}, ctx=ctx)
    assert "Omar" in found.answer and "14 euros" in found.answer and len(found.citations) == 2
