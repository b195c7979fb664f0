"""Llama 3.x JSON format: ``<|python_tag|>{"name": ..., "parameters": {...}}``.

Llama 3.1-3.3 emit a JSON call object, optionally after ``<|python_tag|>``;
several calls are separated by ``;`` or new lines.

Decisions:
* After ``<|python_tag|>`` (anywhere; text before it is content) any call
  object counts. Without the tag, only an object that starts the answer counts,
  and it must look exactly like a call (``name`` plus ``parameters`` or
  ``arguments`` holding an object, no other keys but ``type``/``id``) so that a
  JSON answer such as ``{"name": "Ada", "age": 36}`` stays content.
* After a call, further call objects separated by blanks or ``;`` are parallel
  calls; the first thing that is not one ends the run of calls and is content.
* A call object cut off by the end of the output is content.
* Streaming announces a call once its name is known and streams its arguments.
"""

from __future__ import annotations

import re
from typing import ClassVar

from agentfn.parsers._calls import LENIENT, STRICT, CallRules, call_from_scan, partial_call
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

__all__ = ["Llama3JsonParser"]

TAG = "<|python_tag|>"
_SEPARATORS = re.compile(r"[ \t\n\r;]*")
_BARE, _TAGGED = "bare_calls", "tagged_calls"


class Llama3JsonParser(ToolCallParser):
    """JSON call objects, optionally after ``<|python_tag|>`` (Llama 3.x)."""

    name: ClassVar[str] = "llama3_json"
    markers: ClassVar[tuple[str, ...]] = ("{",)
    description: ClassVar[str] = 'Llama 3 <|python_tag|>{"name": ..., "parameters": ...}; ...'

    def _object(
        self, buf: TextBuffer, start: int, at: int, rules: CallRules, state: str
    ) -> Decided | Pending | None:
        """The call object at ``at`` (its markup starts at ``start``), or None when there is none."""
        scan = buf.json_at(at)
        if scan.status == INCOMPLETE:
            partial = partial_call(scan, buf.text)
            return Pending(Partial(start, *partial) if partial else None)
        call = call_from_scan(scan, rules)
        if call is None:
            return None
        return Decided([Call(call[0], call[1], start)], scan.end, state)

    def step(self, buf: TextBuffer, pos: int, state: str) -> Decided | Pending:
        text = buf.text
        if state in (_BARE, _TAGGED):
            j = run_end(_SEPARATORS, text, pos)
            if j >= len(text):
                return Decided([], j, state) if buf.final else Pending()
            if text[j] == "{":
                found = self._object(buf, j, j, STRICT if state == _BARE else LENIENT, state)
                if found is not None:
                    return found
            # Not a call: the run of calls is over and this is content.
            return Decided([Text(text[pos:j])], j) if j > pos else Decided([], pos)
        if pos == buf.body_start and text[pos] == "{":
            found = self._object(buf, pos, pos, STRICT, _BARE)
            return found if found is not None else Decided([Text("{")], pos + 1)
        found_tag = text_until_marker(buf, pos, (TAG,))
        if not isinstance(found_tag, int):
            return found_tag
        literal = Decided([Text(TAG)], pos + len(TAG))
        j = run_end(WS_RE, text, pos + len(TAG))
        if j >= len(text):
            return literal if buf.final else Pending()
        if text[j] != "{":
            return literal
        found = self._object(buf, pos, j, LENIENT, _TAGGED)
        return found if found is not None else literal
