"""Offline answers about a passage are the span asked for, also when a small model swapped the arguments."""

from __future__ import annotations

from agentfn.library._passage import extractive_answer, passages
from agentfn.library.text_llm import _answer_rules  # pyright: ignore[reportPrivateUsage]


def test_spans_for_one_word_names_colours_roles_and_proper_nouns() -> None:
    assert extractive_answer("Who baked the cake?", "The cake was baked by Priya for the party.").answer == "Priya"
    assert extractive_answer("what color is the door", "The new door of the shed is green.").answer == "green"
    assert extractive_answer("What does Ben do for a living?", "Ben works as a bus driver in Leeds.").answer == "bus driver"
    assert extractive_answer("Which bank holds the loan?", "The loan is held by Westbank until 2030.").answer == "Westbank"


def test_the_request_passage_is_the_context_when_the_arguments_miss_it() -> None:
    request = "Note: 'The parcel left the depot on Tuesday with UPS.' Which courier has the parcel?"
    assert passages(request) == ["The parcel left the depot on Tuesday with UPS."]
    swapped = _answer_rules({"question": "The parcel left the depot on Tuesday with UPS.", "context": "courier",
                             "request": request})
    assert swapped.answer == "UPS" and swapped.citations


def test_an_unquoted_phrase_to_translate_stops_before_the_language() -> None:
    from agentfn.library.text_llm import translation_arguments

    request = "how would you say good evening in german"
    assert translation_arguments("good evening in german", "german", None, request)[:2] == ("good evening", "german")
    assert translation_arguments("say thanks to spanish pls", "spanish", None, "say thanks to spanish pls")[0] == "thanks"
