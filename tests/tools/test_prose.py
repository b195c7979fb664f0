"""generate under a grounded model: one plain bounded reply to the whole request, tidied."""

from __future__ import annotations

from typing import Any

import pytest

from agentfn import FunctionModel, ModelRequest
from agentfn.context import RunContext
from agentfn.library._language_rules import NotSupportedOffline
from agentfn.library._prose import tidy_prose, whole_request
from agentfn.library.text_llm import generate
from agentfn.messages import Message, UserMessage


def _grounded(reply: str) -> tuple[FunctionModel, list[ModelRequest]]:
    seen: list[ModelRequest] = []

    def answer(messages: list[Message], request: ModelRequest) -> str:
        seen.append(request)
        return reply

    model = FunctionModel(answer)
    model.answer_mode = "grounded"  # type: ignore[attr-defined]  # what the embedded backend sets
    return model, seen


async def test_a_grounded_model_answers_the_whole_request_in_plain_text() -> None:
    model, seen = _grounded("Crisp leaves drifting down,\ngolden light on quiet paths,\nautumn breathes softly.")
    request = "Write a haiku about autumn"
    ctx: RunContext[Any] = RunContext(deps=None, run_id="r", messages=[UserMessage(content=request)], model=model)
    text = await generate.run({"prompt": "autumn"}, ctx=ctx)  # the small model copied one word of the request
    assert text.startswith("Crisp leaves drifting down")
    (sent,) = seen
    assert sent.messages[0].content == request  # not the JSON contract of the template
    assert sent.output_schema is None and sent.tool_choice == "none" and sent.max_tokens


async def test_a_grounded_reply_with_nothing_usable_says_so() -> None:
    model, _ = _grounded("<tool_response>")
    with pytest.raises(NotSupportedOffline, match="larger model"):
        await generate.run({"prompt": "write a poem"}, model=model)


def test_tidy_prose_drops_repeats_and_an_unfinished_tail() -> None:
    looped = ("In the heart of the autumn, a leaf's fate is not set,\n"
              "A leaf's fate is not set, a leaf's fate is not set,\n" * 3 + "A leaf's fate")
    assert tidy_prose(looped, cut_off=True) == "In the heart of the autumn, a leaf's fate is not set"
    assert tidy_prose("One. Two three four. Five six", cut_off=True) == "One. Two three four."
    assert tidy_prose("a b c d e f", max_words=3) == "a b c"
    assert tidy_prose("Hello <|im_end|>") == "Hello"
    one_line = "The sea is wide, the sea is deep, the sea is deep, the sea is deep, the sea is"
    assert tidy_prose(one_line) == "The sea is wide, the sea is deep, the sea is"  # a loop within one line


def test_whole_request_only_when_the_piece_is_part_of_it() -> None:
    ctx: RunContext[Any] = RunContext(deps=None, run_id="r", messages=[UserMessage(content="Write a poem about the sea.")])
    assert whole_request("the sea", ctx) == "Write a poem about the sea"
    assert whole_request("a limerick about cats", ctx) == "a limerick about cats"
    assert whole_request("the sea", None) == "the sea"
