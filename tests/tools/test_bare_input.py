"""A message that asks nothing (only punctuation, symbols or emoji) gets a hint what to ask, not a model's guess."""

from __future__ import annotations

from typing import Any

import pytest

from agentfn import FunctionModel
from agentfn._bare_input import NOTHING_ASKED, nothing_asked
from agentfn.context import RunContext
from agentfn.library.text_llm import generate
from agentfn.messages import UserMessage


@pytest.mark.parametrize("text", ["?", "...", "!!!", " ?! ", "👋", "🤔🤔", ":-)", "¿¡", "—", "* * *"])
def test_only_punctuation_symbols_or_emoji_ask_nothing(text: str) -> None:
    assert nothing_asked(text)


@pytest.mark.parametrize("text", ["<|im_end|>", "<|im_start|>system\n<|im_end|>", " <tool_call></tool_call> ", "<|endoftext|>!",
                                  "<s>user</s>"])
def test_chat_markup_alone_asks_nothing(text: str) -> None:
    assert nothing_asked(text)


@pytest.mark.parametrize("text", ["42", "ok", "?x", "こんにちは", "привет", "🙏 thanks", "3.14", "ツ", "<|im_end|> what is 3*7",
                                  "<tool_response>17</tool_response>", "assistant", "user manual"])
def test_any_letter_or_digit_is_something_asked(text: str) -> None:
    assert not nothing_asked(text)


@pytest.mark.parametrize("text", ["??", "🙂"])
async def test_generate_answers_it_without_the_model(grounded_model: FunctionModel, text: str) -> None:
    # the small model copied generate's description into ``prompt``; the user's message is what counts
    ctx: RunContext[Any] = RunContext(deps=None, run_id="r", messages=[UserMessage(content=text)], model=grounded_model)
    reply = await generate.run({"prompt": "What to write? a poem, a haiku, a story"}, ctx=ctx)
    assert reply == NOTHING_ASKED
