"""Pasted passages: the text a request pastes is copied into a forced call, never written by the model.

"summarize this: <3,000 characters>" made the 135M model write the passage out token by token under the
extractive constraint (minutes on a CPU), and a call capped below the passage's length never completed.
The passage a request pastes is recognised by its position and markers, never by the request's wording
(:func:`pasted_passage`), first match wins:

1. a fenced block (```...```): its content, the language tag line left out;
2. the text after the first ``:`` (then whitespace) of a short instruction on the first line ("summarize
   this: ...", "Translate into German:\\n..."), to the end of the request, all lines;
3. the lines under a short first line ("Summarize the following\\n\\n<paragraphs>");
4. the longest quoted span.

A span wrapped whole in one pair of quotes is given without them. It is a *pasted passage* when it has at
least :data:`PASTE_CHARS` characters (shorter ones are the extractive constraint's to offer). A tool's
*passage parameter* (:func:`passage_parameter`) is its string parameter meant to hold the text to work on:
its name is a word for text (``text``, ``passage``, ``content``, ``document``, ``review``, ``code``, ``data``...)
and neither its name nor its description speaks of a language, path, label or question; a required one
first.

:func:`pasted_fill` settles, for the tools a call is forced to, which parameter takes the passage; the
backend then asks the model only for the other arguments (:meth:`PastedFill.reduced`: the grammar
never offers the passage parameter, extraction reads the request without the passage) and puts the
passage in afterwards (:meth:`PastedFill.complete`), byte for byte. A single forced tool with nothing
else to write is called without the model at all (:meth:`PastedFill.direct`). :func:`forced_fill` is the
entry point of the transformers, in-process vLLM and served backends. A tool whose call with
the passage already failed in this turn is not filled again (the model tries instead).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, cast

from agentfn._passage_tasks import INSTRUCTION_WORDS, PASTE_CHARS
from agentfn._values import parameter_kind, quoted_spans
from agentfn.backends._constrain import forced_tools, is_call_forced
from agentfn.backends.base import ModelRequest, ModelResponse, last_user_text
from agentfn.exceptions import ConfigError
from agentfn.messages import AssistantMessage, Message, ToolCall, ToolMessage, Usage, UserMessage

__all__ = ["PASTE_CHARS", "PastedFill", "forced_fill", "passage_parameter", "pasted_fill", "pasted_passage"]

_FENCED = re.compile(r"```[^\n`]*\n(.*?)\n?```", re.S)
_AFTER_COLON = re.compile(r":\s+")
_TEXT_WORDS = frozenset(
    "text passage content contents document doc body message paragraph article review input code program script "  # noqa: SIM905
    "snippet source string email transcript comment excerpt essay story context note notes sentence sentences "
    "feedback post letter prose data csv table json".split())
_KINDS = ("text", "code", "csv", "json")
_NOT_PASSAGE = re.compile(r"\b(?:language|lang|locale|path|file|url|label|labels|question|query|title|name)\b", re.I)


def _unwrapped(span: str) -> str:
    """``span`` without one pair of quotes that wraps it whole."""
    quoted = quoted_spans(span)
    if len(quoted) == 1 and len(quoted[0]) == len(span) - 2 and span[1:-1] == quoted[0]:
        return quoted[0]
    return span


def pasted_passage(text: str) -> str | None:
    """The passage ``text`` pastes (see the module docstring), or None when it pastes none that long."""
    whole = text.strip()
    if len(whole) < PASTE_CHARS:
        return None
    candidates: list[str] = [m.group(1) for m in _FENCED.finditer(whole)]
    first, _, below = whole.partition("\n")
    colon = _AFTER_COLON.search(first) or (_AFTER_COLON.search(whole) if first.rstrip().endswith(":") else None)
    if colon is not None and len(first[: colon.start()].split()) <= INSTRUCTION_WORDS:
        candidates.append(_unwrapped(whole[colon.end() :].strip()))
    elif below.strip() and len(first.split()) <= INSTRUCTION_WORDS:
        candidates.append(_unwrapped(below.strip()))
    candidates.append(max(quoted_spans(whole), key=len, default=""))
    return next((c.strip("\n") for c in candidates if len(c.strip()) >= PASTE_CHARS), None)


def _function(spec: Mapping[str, Any]) -> Mapping[str, Any]:
    fn: Any = spec.get("function", spec)
    return cast("Mapping[str, Any]", fn)


def passage_parameter(spec: Mapping[str, Any]) -> str | None:
    """The parameter of ``spec`` (OpenAI format) meant to hold the text to work on, or None."""
    params = cast("Mapping[str, Any]", _function(spec).get("parameters") or {})
    props = cast("Mapping[str, Any]", params.get("properties") or {})
    required = set(cast("list[str]", params.get("required") or []))
    found: list[str] = []
    for name, schema in props.items():
        if not isinstance(schema, Mapping) or parameter_kind(name, cast("Mapping[str, Any]", schema)) not in _KINDS:
            continue
        words = set(re.split(r"[_\W]+", name.lower()))
        description = str(cast("Mapping[str, Any]", schema).get("description", ""))
        if words & _TEXT_WORDS and not _NOT_PASSAGE.search(name.replace("_", " ")) and not _NOT_PASSAGE.search(description):
            found.append(name)
    return min(found, key=lambda n: n not in required, default=None)


def _failed_with(messages: Sequence[Message], tool: str, parameter: str, passage: str) -> bool:
    """Whether this turn already has a failed call to ``tool`` with ``passage`` as its ``parameter``."""
    start = max((i for i, m in enumerate(messages) if isinstance(m, UserMessage)), default=-1)
    turn = messages[start + 1 :]
    failed = {m.tool_call_id for m in turn if isinstance(m, ToolMessage) and m.is_error}
    for m in turn:
        for call in m.tool_calls if isinstance(m, AssistantMessage) else []:
            if call.id in failed and call.name == tool and (call.arguments_dict() or {}).get(parameter) == passage:
                return True
    return False


class PastedFill:
    """The passage of a forced call's request and, per allowed tool name, the parameter it fills.

    Attributes:
        passage: the pasted passage, exactly as the request has it (outer blank lines left out).
        params: ``{tool name: passage parameter}``.
        specs: the tools the call is forced to (OpenAI format, as given).
    """

    def __init__(self, passage: str, params: Mapping[str, str], specs: Sequence[Mapping[str, Any]] = ()) -> None:
        self.passage = passage
        self.params = dict(params)
        self.specs = list(specs)

    def reduced(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        """``spec`` without its passage parameter (unchanged when its tool takes none)."""
        fn = dict(_function(spec))
        name = self.params.get(str(fn.get("name")))
        if name is None:
            return dict(spec)
        params = copy.deepcopy(dict(cast("Mapping[str, Any]", fn.get("parameters") or {})))
        cast("dict[str, Any]", params.get("properties") or {}).pop(name, None)
        if "required" in params:
            params["required"] = [r for r in cast("list[str]", params["required"]) if r != name]
        fn["parameters"] = params
        return {"type": "function", "function": fn}

    def elided(self, messages: Sequence[Message]) -> list[Message]:
        """``messages`` with the passage cut out of the last user message: what the other arguments are
        extracted from (a passage's own numbers and dates are not a summary's length)."""
        out = list(messages)
        for i in range(len(out) - 1, -1, -1):
            m = out[i]
            if isinstance(m, UserMessage):
                out[i] = m.model_copy(update={"content": m.content.replace(self.passage, " ", 1)})
                break
        return out

    def complete(self, response: ModelResponse) -> ModelResponse:
        """``response`` with the passage put into each call to a filled tool."""
        calls: list[ToolCall] = []
        for call in response.message.tool_calls:
            name = self.params.get(call.name)
            arguments = call.arguments_dict()
            if name is not None and arguments is not None:
                given = {k: v for k, v in arguments.items() if k != name}  # the passage, never a rewrite of it
                call = call.model_copy(update={"arguments": json.dumps({name: self.passage, **given}, ensure_ascii=False)})
            calls.append(call)
        message = response.message.model_copy(update={"tool_calls": calls})
        return response.model_copy(update={"message": message})

    def direct(self, model_name: str) -> ModelResponse | None:
        """The call itself when the call is forced to one filled tool that has no other parameter."""
        if len(self.specs) != 1:
            return None
        fn = _function(self.reduced(self.specs[0]))
        name = str(fn.get("name"))
        props: Any = cast("Mapping[str, Any]", fn.get("parameters") or {}).get("properties")
        if name not in self.params or props:
            return None
        call = ToolCall(name=name, arguments=json.dumps({self.params[name]: self.passage}, ensure_ascii=False))
        return ModelResponse(message=AssistantMessage(content=None, tool_calls=[call]), usage=Usage(),
                             model_name=model_name, finish_reason="tool_calls")


def pasted_fill(request: ModelRequest, specs: Sequence[Mapping[str, Any]]) -> PastedFill | None:
    """What of a forced call over ``specs`` is copied from the request's pasted passage; None when nothing."""
    if (passage := pasted_passage(last_user_text(request.messages))) is None:
        return None
    params: dict[str, str] = {}
    for spec in specs:
        tool = str(_function(spec).get("name"))
        name = passage_parameter(spec)
        if name is not None and not _failed_with(request.messages, tool, name, passage):
            params[tool] = name
    return PastedFill(passage, params, specs) if params else None


def forced_fill(request: ModelRequest) -> PastedFill | None:
    """:func:`pasted_fill` for the tools ``request`` forces a call to; None when no call is forced."""
    if not request.tools or not is_call_forced(request.tool_choice):
        return None
    try:
        specs = forced_tools(request.tools, request.tool_choice)
    except ConfigError:  # a name no tool has: the backend reports it as before
        return None
    return pasted_fill(request, specs)
