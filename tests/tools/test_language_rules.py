"""The deterministic language rules used with models whose own prose is not shown (the embedded default)."""

from __future__ import annotations

import pytest

from agentfn import FunctionModel
from agentfn.library._language_rules import (
    NotSupportedOffline,
    extractive_summary,
    language_code,
    lexicon_sentiment,
    phrasebook_translate,
    writes_prose,
)
from agentfn.library.text_llm import sentiment, summarize, translate


def test_phrasebook_any_direction_and_codes() -> None:
    assert phrasebook_translate("Good morning", "French") == "bonjour"
    assert phrasebook_translate("'thank you'", "es") == "gracias"
    assert phrasebook_translate("bonjour", "English") == "hello (also: hi, good morning)"  # every sense it has
    assert phrasebook_translate("gracias", "German", source="Spanish") == "danke"
    assert language_code("fr-FR") == "fr" and language_code("Klingon") is None


def test_phrasebook_says_what_it_cannot_do() -> None:
    with pytest.raises(NotSupportedOffline, match=r"phrasebook lacks 'quarterly', 'report', 'late'.*known: the = le, is = est.*into French"):
        phrasebook_translate("the quarterly report is late", "French")
    with pytest.raises(NotSupportedOffline, match="no offline translation into 'Klingon'"):
        phrasebook_translate("hello", "Klingon")


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Terrible product, broke after one day.", "negative"),
        ("Absolutely love it, works perfectly!", "positive"),
        ("The food was not good.", "negative"),
        ("The hotel was fine, nothing special.", "neutral"),
        ("Great screen but terrible battery and awful support.", "negative"),
        ("Great screen, terrible battery.", "mixed"),
        ("It is a chair.", "neutral"),
        ("ugh, the bus was delayed and now I missed my appointment", "negative"),  # everyday mishaps
        ("woohoo, we won the quiz night and I'm so proud of the team", "positive"),
    ],
)
def test_lexicon_sentiment(text: str, label: str) -> None:
    found, confidence = lexicon_sentiment(text)
    assert found == label and 0 <= confidence <= 1


def test_extractive_summary_only_says_what_the_text_says() -> None:
    text = "Hi all, the office will be closed on Friday. Please work from home. Thanks, Dana"
    (prose,) = extractive_summary(text, max_words=40)
    assert prose.startswith("The office will be closed on Friday.") and "Dana" not in prose
    points = extractive_summary("We shipped the login page, fixed twelve bugs, and planned the app.", bullets=True)
    assert points == ["We shipped the login page", "Fixed twelve bugs", "Planned the app"]
    assert len(extractive_summary("word " * 300, max_words=20)[0].split()) == 20


async def test_tools_use_the_rules_for_a_grounded_model_only(grounded_model: FunctionModel) -> None:
    model = grounded_model
    assert not writes_prose(model) and writes_prose(FunctionModel(lambda *_: "x"))
    assert await translate("cat", target="Italian", model=model) == "gatto"
    assert (await sentiment("I hate waiting on hold.", model=model)).label == "negative"
    summary = await summarize("The train was delayed by an hour. Coffee was free.", max_words=8, model=model)
    assert summary.text == "The train was delayed by an hour."
    prose_model = FunctionModel(lambda *_: '{"result": "gatto!"}')
    assert await translate("cat", target="Italian", model=prose_model) == "gatto!"  # other models run the prompt
