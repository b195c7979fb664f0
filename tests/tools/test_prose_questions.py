"""generate under a grounded model for a question to answer: one short factual sentence."""

from __future__ import annotations

from typing import Any

import pytest

from agentfn import FunctionModel, ModelRequest
from agentfn.context import RunContext
from agentfn.library._prose import QUESTION_SYSTEM, first_sentence, is_question
from agentfn.library.text_llm import generate
from agentfn.messages import Message, SystemMessage, UserMessage


@pytest.mark.parametrize(
    ("request_text", "question"),
    [
        ("What's the capital of France?", True),
        ("How many legs does a spider have?", True),
        ("who wrote hamlet", True),
        ("Write a haiku about autumn", False),
        ("Explain how tides work", False),
        ("Draft a tweet announcing our new coffee shop", False),
    ],
)
def test_is_question(request_text: str, question: bool) -> None:
    assert is_question(request_text) is question


def test_first_sentence() -> None:
    assert first_sentence("A spider has 8 legs. Spiders are arachnids, unlike insects.") == "A spider has 8 legs."
    assert first_sentence("Paris") == "Paris"


async def test_a_question_is_answered_in_one_short_sentence() -> None:
    seen: list[ModelRequest] = []

    def reply(messages: list[Message], request: ModelRequest) -> str:
        seen.append(request)
        return "The capital of France is Paris. It is also the largest city of the country, and"

    model = FunctionModel(reply)
    model.answer_mode = "grounded"  # type: ignore[attr-defined]  # what the embedded backend sets
    request = "What's the capital of France?"
    ctx: RunContext[Any] = RunContext(deps=None, run_id="r", messages=[UserMessage(content=request)], model=model)
    assert await generate.run({"prompt": "capital of France"}, ctx=ctx) == "The capital of France is Paris."
    (sent,) = seen
    assert isinstance(sent.messages[0], SystemMessage) and sent.messages[0].content == QUESTION_SYSTEM
    assert sent.messages[1].content == "What's the capital of France?" and sent.max_tokens and sent.max_tokens <= 48
