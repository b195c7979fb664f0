"""Reading what a request asks about the passage it holds."""

from __future__ import annotations

from agentfn._passage_tasks import content_question, holds_passage, leading_verb, split_passage


def test_the_passage_is_the_longest_quote_or_what_follows_a_short_instruction() -> None:
    assert split_passage("Who signed it? 'The lease was signed by Ines Duarte in March.'")[1] == \
        "The lease was signed by Ines Duarte in March."
    assert split_passage("Shorten this please: The pool closes at 8pm on weekdays and at 6pm on Sundays.")[1].startswith("The pool")
    assert split_passage("could you boil this down? Our flight was moved twice and we landed at 2am.")[1].startswith("Our flight")
    assert not holds_passage("What is 12 times 7?") and not holds_passage("Is 'hola' Spanish?")
    assert not holds_passage("What is the mean of the price column?\nprice\n3\n4\n5\n6\n7\n8")  # a table, not a passage


def test_content_questions_are_not_about_form_sentiment_or_listed_labels() -> None:
    assert content_question("what time do the doors open, going by this: 'Doors open at 7pm, the band plays at 9pm.'")
    assert content_question("tell me who is paying for dinner: 'Sam said he would pay for dinner tonight, not Lee.'")
    assert not content_question("How many words does this have: 'Sam said he would pay for dinner tonight.'")
    assert not content_question("What's the mood of this note: 'Sam said he would pay for dinner tonight.'")
    assert not content_question("Which team is it about, red, blue or green? 'The blue side won the cup again tonight.'")


def test_leading_verb_skips_politeness() -> None:
    assert leading_verb("hey can you please shorten this: The pool closes at 8pm on weekdays.") == "shorten"
    assert leading_verb("Rewrite it") == "rewrite"
