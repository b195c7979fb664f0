"""``generate`` for a grounded model: one plain-text reply to the user's whole request, bounded and tidied.

A model whose own prose is not shown (``answer_mode="grounded"``, the embedded 135M default) writes
readable free text when simply asked ("Write a haiku about autumn"), but under ``generate``'s JSON
contract it writes about the contract instead ("The result of the function is"), and it often copies
only a fragment of the request into ``prompt`` ("autumn"). :class:`ProseFunction` asks such a model
for plain text instead:

* the request is the user's whole request when ``prompt`` is only a piece of it (:func:`whole_request`);
* the reply is bounded (:data:`PLAIN_PROSE_TOKENS`, or about twice ``max_words``) and greedy;
* a question to answer rather than text to write (:func:`is_question`: "What's the capital of France?")
  gets a system message asking for one short factual sentence (:data:`QUESTION_SYSTEM`; without it the
  135M model rambled in French about "la femme de France", with it: "The capital of France is Paris."),
  a shorter bound, and only its first sentence is kept;
* a message that asks nothing (:func:`agentfn._bare_input.nothing_asked`: only punctuation or emoji, "?",
  "👋") is not sent to the model: the reply is :data:`~agentfn._bare_input.NOTHING_ASKED`, what to ask instead;
* a question about the assistant itself or a message that is only thanks
  (:func:`agentfn._small_talk.small_talk_reply`: "what can you do?", "thanks!") gets its fixed plain reply
  (the 135M model invented "help with any creative endeavors" and rambled after thanks);
* a request for a live fact (:func:`agentfn._live_facts.asks_live_fact`: the weather, a price,
  the news, a score...) is not sent to the model at all: no offline model knows it, and a 135M model
  invents it ("Tomorrow in Paris: sunny, 24 C"). The reply is the honest
  :data:`~agentfn._live_facts.NO_LIVE_TOOL` (no tool has live data; what the tools can do);
* a mechanical edit of a text the request gives (sort, reverse, change case, drop duplicates:
  :func:`agentfn._text_transforms.text_transform`) is made exactly, not by the model ("apple, pear, fig");
* a request to act in the world (:func:`agentfn._world_actions.world_action`: "remind me at 6pm",
  "book a table") is not sent to the model either: a plain reply cannot do it and must not pretend it
  did. The reply is the honest :data:`~agentfn._world_actions.NO_ACTION_TOOL`;
* a request in another language with no English reading
  (:func:`agentfn._foreign_requests.not_english_reply`) is answered that the model reads English only;
* :func:`tidy_prose` keeps the first occurrence of each repeated line or clause (greedy decoding of
  a small model repeats "a leaf's fate is not set" until the token limit), cuts a reply stopped by
  the limit back to its last complete sentence or line, and keeps at most ``max_words`` words.

Any other model runs the prompt template as usual.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from agentfn._bare_input import NOTHING_ASKED, nothing_asked
from agentfn._foreign_requests import not_english_reply
from agentfn._live_facts import NO_LIVE_TOOL, asks_live_fact
from agentfn._small_talk import small_talk_reply
from agentfn._text_transforms import text_transform
from agentfn._world_actions import NO_ACTION_TOOL, world_action
from agentfn.backends.base import Model, ModelRequest
from agentfn.context import RunContext
from agentfn.library._language_rules import NotSupportedOffline, writes_prose
from agentfn.llm_function import LLMFunction, default_options
from agentfn.messages import Message, SystemMessage, UserMessage

__all__ = [
    "PLAIN_PROSE_TOKENS", "QUESTION_SYSTEM", "QUESTION_TOKENS", "ProseFunction", "first_sentence", "is_question",
    "prose_function", "tidy_prose", "whole_request",
]

PLAIN_PROSE_TOKENS = 80
"""Tokens of a grounded model's plain reply when ``max_words`` does not say: a short poem or note."""
_MARKUP = re.compile(r"</?(?:tool_call|tool_response|\|im_start\||\|im_end\|)[^>]*>|<\|[^|>]*\|>")


def whole_request(piece: str, ctx: RunContext[Any] | None) -> str:
    """The user's request when ``piece`` is only a part of it (every word of ``piece`` is in it): a small
    model copies fragments ("autumn" of "Write a haiku about autumn"); else ``piece``."""
    request = next((str(m.content) for m in reversed(ctx.messages) if isinstance(m, UserMessage)), "") if ctx else ""
    words = set(re.findall(r"\w+", piece.lower()))
    if request and len(request) > len(piece) and words <= set(re.findall(r"\w+", request.lower())):
        return request.strip().rstrip(".?!")
    return piece.strip().rstrip(".?!")


QUESTION_SYSTEM = "Answer the question in one short, factual sentence."
QUESTION_TOKENS = 48
_WRITE = re.compile(r"\b(?:write|draft|compose|create|make|generate|poem|haiku|story|limerick|joke|tweet|email|letter|"
                    r"note|essay|song|slogan|paragraph|list|describe|explain|tell me about)\b", re.I)


def is_question(request: str) -> bool:
    """Whether a request asks a question to answer ("What's the capital of France?") rather than for text
    to write ("Write a haiku", "Explain how tides work": those keep the longer plain reply)."""
    text = request.strip()
    if _WRITE.search(text):
        return False
    return text.endswith("?") or re.match(r"(?i)(?:who|what|when|where|which|how|why|is|are|was|were|does|do|did|can)\b", text) is not None


def first_sentence(text: str) -> str:
    """The first sentence of ``text`` (a question's answer; what follows is where a small model drifts)."""
    found = re.search(r"^(.+?[.!?])(?=\s|$)", text.strip(), re.S)
    return found.group(1).strip() if found and len(found.group(1).split()) >= 2 else text.strip()


def _key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def tidy_prose(text: str, *, cut_off: bool = False, max_words: int | None = None) -> str:
    """``text`` without chat markup, repeated lines or clauses, an unfinished tail (``cut_off``: the
    token limit stopped it) or words past ``max_words``."""
    text = _MARKUP.sub("", text).strip()
    seen: set[str] = set()
    lines: list[str] = []
    for line in text.splitlines():
        clauses = re.split(r"(?<=[,;.!?])\s+", line.strip())
        kept: list[str] = []
        for clause in clauses:  # a clause repeated in the same line goes too (a greedy loop)
            if not _key(clause) or _key(clause) not in seen:
                kept.append(clause)
            seen.add(_key(clause))
        if kept or not line.strip():
            lines.append(" ".join(kept))
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if cut_off:
        ends = [m.end() for m in re.finditer(r"[.!?](?=\s|$)|\n", text)]
        if ends and len(text[: ends[-1]].split()) >= 3:
            text = text[: ends[-1]].strip()
    if max_words is not None and len(text.split()) > max_words:
        text = " ".join(text.split()[:max_words])
    return text.strip(" ,;")


class ProseFunction(LLMFunction[Any, Any]):
    """``generate`` (see the module docstring): the template for models whose prose is shown, one
    plain bounded reply to the whole request for a grounded model."""

    async def run(
        self,
        arguments: Mapping[str, Any],
        *,
        model: Model | str | None = None,
        ctx: RunContext[Any] | None = None,
        model_settings: Mapping[str, Any] | None = None,
    ) -> Any:
        backend = self.resolve_model(model, ctx)
        if writes_prose(backend):
            return await super().run(arguments, model=backend, ctx=ctx, model_settings=model_settings)
        ask = whole_request(str(arguments["prompt"]), ctx)
        if style := arguments.get("style"):
            ask += f" (style: {style})"
        max_words = arguments.get("max_words")
        limit = PLAIN_PROSE_TOKENS if not max_words else max(16, min(2 * int(max_words), 4 * PLAIN_PROSE_TOKENS))
        messages: list[Message] = [UserMessage(content=ask)]
        asked = next((str(m.content) for m in reversed(ctx.messages) if isinstance(m, UserMessage)), "") if ctx else ""
        if nothing_asked(asked or ask):  # "?", "👋": no request to write for, only a hint what to ask
            return NOTHING_ASKED
        if (small_talk := small_talk_reply(asked or ask)) is not None:  # "what can you do?", "thanks!"
            return small_talk
        if asks_live_fact(asked or ask):  # the weather, a price, the news: never invented
            return NO_LIVE_TOOL
        if (edited := text_transform(asked or ask)) is not None:  # "sort these words: ...": exact, no model
            return edited
        if world_action(asked or ask):  # "remind me at 6pm": a plain reply must not pretend it was done
            return NO_ACTION_TOOL
        if (not_english := not_english_reply(asked or ask)) is not None:  # an English-only model: say so
            return not_english
        question = is_question(ask) or (ask in asked and is_question(asked))
        if question:  # asked for one factual sentence, a 135M model answers ("Paris") instead of rambling
            messages = [SystemMessage(content=QUESTION_SYSTEM), UserMessage(content=f"{ask}?")]
            limit = min(limit, QUESTION_TOKENS)
        request = ModelRequest(messages=messages, tool_choice="none", max_tokens=limit, temperature=0)
        response = await backend.request(request)
        text = tidy_prose(response.message.content or "", cut_off=response.finish_reason == "length",
                          max_words=int(max_words) if max_words else None)
        if question:
            text = first_sentence(text)
        if len(text.split()) < 2:
            raise NotSupportedOffline("the embedded model did not write usable text for this request; "
                                      "use a larger model (--model/--base-url)")
        return text


def prose_function(function: Callable[..., Any]) -> ProseFunction:
    """``@llm_function()`` (the default template, ``functions/<name>.jinja``) as a :class:`ProseFunction`."""
    return ProseFunction(function, **default_options())
