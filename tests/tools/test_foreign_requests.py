"""Short requests in other languages on the English-only small path: read in English where numbers, units and
arithmetic words allow, else an honest reply, never a tool loop (``agentfn._foreign_requests``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from agentfn import FunctionModel
from agentfn._followups import resolve_followups
from agentfn._foreign_requests import english_request, foreign_language, not_english_reply
from agentfn.context import RunContext
from agentfn.library.text_llm import generate
from agentfn.messages import AssistantMessage, Message, UserMessage


@pytest.mark.parametrize(("text", "language", "english"), [
    ("¿Cuántas onzas son 4 libras?", "es", "how many ounces is 4 pounds"),
    ("¿Cuánto es 17 menos 9?", "es", "what is 17 - 9"),
    ("Combien de minutes dans 2 heures ?", "fr", "how many minutes is 2 hours"),
    ("Combien font 6 fois 7 ?", "fr", "what is 6 * 7"),
    ("Wie viele Zentimeter sind 3 Zoll?", "de", "how many centimetres is 3 inches"),
    ("Wie viel ist 90 geteilt durch 3?", "de", "what is 90 / 3"),
    ("Quanto fa 20 per cento di 45?", "it", "what is 20% of 45"),
    ("Quantas xícaras são 2 litros?", "pt", "how many cups is 2 litres"),
])
def test_a_quantity_or_a_sum_is_read_in_english(text: str, language: str, english: str) -> None:
    assert foreign_language(text) == language
    assert english_request(text) == english
    assert not_english_reply(text) is None


@pytest.mark.parametrize(("text", "language"), [
    ("¿Dónde está la estación de tren?", "es"),
    ("Écris un poème sur la mer", "fr"),
    ("Kannst du mir bitte einen Witz erzählen?", "de"),
])
def test_a_request_without_a_reading_gets_an_honest_reply(text: str, language: str) -> None:
    assert foreign_language(text) == language
    assert english_request(text) is None
    reply = not_english_reply(text)
    assert reply is not None and "English" in reply


@pytest.mark.parametrize("text", [
    "how many ounces is 4 pounds",
    "translate 'dónde está la estación' into German",  # the foreign words are quoted
    "what's the time in San Jose del Cabo",
    "count the words: el perro y el gato de la casa",  # the passage after the colon is not the request
])
def test_english_requests_are_left_alone(text: str) -> None:
    assert foreign_language(text) is None
    assert english_request(text) is None and not_english_reply(text) is None


def test_a_conversation_reads_each_turn_in_english_before_resolving_follow_ups() -> None:
    messages: list[Message] = [
        UserMessage(content="¿Cuántos gramos son 2 libras?"), AssistantMessage(content="2 lb = 907.18 g"),
        UserMessage(content="and 5 pounds?"),
    ]
    assert resolve_followups(messages)[-1].content == "how many grams is 5 pounds"
    assert resolve_followups(messages[:1])[0].content == "how many grams is 2 pounds"


async def test_an_unreadable_request_goes_to_the_plain_reply_which_says_so(
    grounded_model: FunctionModel, small_path_plan: Callable[[str, str], list[str]]
) -> None:
    text = "¿Dónde está la estación de tren?"
    assert small_path_plan("translate", text) == ["generate"]
    ctx: RunContext[Any] = RunContext(deps=None, run_id="r", messages=[UserMessage(content=text)], model=grounded_model)
    reply = await generate.run({"prompt": text}, ctx=ctx)  # the model is never asked
    assert "English" in reply and "inglés" in reply


def test_a_conversion_verb_tells_a_terse_request_its_language() -> None:
    assert english_request("rechne 5 Meilen in Kilometer um") == "convert 5 miles to kilometres"
    assert foreign_language("5 Meilen in Kilometer") is None  # too few function words to tell the language


def test_a_bare_quantity_with_foreign_unit_names_reads_as_a_conversion() -> None:
    assert english_request("5 Meilen in Kilometer") == "convert 5 miles to kilometres"
    assert english_request("12 libras a kilogramos") == "convert 12 pounds to kilograms"
    assert english_request("3,5 Liter in Gallonen") == "convert 3.5 litres to gallons"
    assert english_request("5 miles in km") is None  # English unit names: the request is left as it is
    assert english_request("5 Meilen zum Bahnhof") is None  # a word that is no unit or "to": no reading
    assert english_request("Meilen in Kilometer") is None  # no number to convert
