"""Mistral format: ``[TOOL_CALLS][{"name": ..., "arguments": {...}}, ...]`` and ``[TOOL_CALLS]name[ARGS]{...}``.

The first form (Mistral 7B v0.3, Mixtral, Nemo) holds a JSON array of call
objects (a single object is accepted too); the second (tokenizer v11+: Mistral
Small 3.x, Magistral, Devstral) writes each call as ``name[ARGS]{json}``, one
``[TOOL_CALLS]`` per call.

Decisions:
* The array form is all or nothing: an element that is not a call object
  leaves the whole block as content. Its calls are announced once the array
  is complete.
* In the ``name[ARGS]`` form the arguments must be a JSON object (or a string
  holding one); they stream as they are written.
* Anything malformed or cut off leaves ``[TOOL_CALLS]`` and what follows as
  content; text before and after calls is content.
"""

from __future__ import annotations

import re
from typing import ClassVar

from agentfn.parsers._calls import (
    LENIENT,
    array_elements,
    call_from_scan,
    partial_value,
    value_arguments,
)
from agentfn.parsers._json import INCOMPLETE, WS_RE, run_end
from agentfn.parsers.base import (
    Call,
    Decided,
    Partial,
    Pending,
    Text,
    TextBuffer,
    ToolCallParser,
    text_until_marker,
)

__all__ = ["MistralParser"]

MARKER = "[TOOL_CALLS]"
ARGS = "[ARGS]"
_NAME = re.compile(r"[A-Za-z0-9_.\-]+")


class MistralParser(ToolCallParser):
    """``[TOOL_CALLS]`` calls (Mistral models)."""

    name: ClassVar[str] = "mistral"
    markers: ClassVar[tuple[str, ...]] = (MARKER,)
    description: ClassVar[str] = "Mistral [TOOL_CALLS][{...}] and [TOOL_CALLS]name[ARGS]{...}"

    def step(self, buf: TextBuffer, pos: int, state: str) -> Decided | Pending:
        found = text_until_marker(buf, pos, (MARKER,))
        if not isinstance(found, int):
            return found
        text = buf.text
        literal = Decided([Text(MARKER)], pos + len(MARKER))
        j = run_end(WS_RE, text, pos + len(MARKER))
        if j >= len(text):
            return literal if buf.final else Pending()
        if text[j] in "[{":
            return self._json_form(buf, pos, j) or literal
        return self._named_form(buf, pos, j) or literal

    def _json_form(self, buf: TextBuffer, pos: int, j: int) -> Decided | Pending | None:
        scan = buf.json_at(j)
        if scan.status == INCOMPLETE:
            return Pending()
        if scan.top_kind == "{":
            call = call_from_scan(scan, LENIENT)
            return Decided([Call(call[0], call[1], pos)], scan.end) if call else None
        elements = array_elements(buf.text, scan)
        if not elements:
            return None
        calls: list[Call] = []
        for element in elements:
            call = call_from_scan(element, LENIENT)
            if call is None:
                return None
            calls.append(Call(call[0], call[1], element.start))
        return Decided(list(calls), scan.end)

    def _named_form(self, buf: TextBuffer, pos: int, j: int) -> Decided | Pending | None:
        text = buf.text
        match = _NAME.match(text, j)
        if match is None:
            return None
        k = match.end()
        if k >= len(text):
            return None if buf.final else Pending()
        if not text.startswith(ARGS, k):
            return Pending() if not buf.final and ARGS.startswith(text[k:]) else None
        name = match.group()
        a = run_end(WS_RE, text, k + len(ARGS))
        if a >= len(text):
            return None if buf.final else Pending(Partial(pos, name, ""))
        if text[a] not in '{"':
            return None
        scan = buf.json_at(a)
        if scan.status == INCOMPLETE:
            return Pending(Partial(pos, name, partial_value(scan, text)))
        arguments = value_arguments(scan)
        return Decided([Call(name, arguments, pos)], scan.end) if arguments is not None else None
