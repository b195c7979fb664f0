"""Hermes / Qwen format: ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>``.

Used by Qwen2.5/Qwen3, Hermes 2/3 and many fine-tunes. Several blocks in one
output are parallel calls; text may come before, between and after them.

Decisions:
* The block body must be one JSON call object (``arguments`` or ``parameters``,
  or none at all). The JSON is scanned, not searched for ``</tool_call>``, so
  the closing tag inside a string argument is harmless.
* A missing ``</tool_call>`` is accepted at the very end of the output (models
  often stop right after the JSON); anything else after the object, a body that
  is not JSON, or JSON cut off by the end of the output leaves the block as
  content, and scanning resumes just after ``<tool_call>``.
* Streaming announces a call as soon as its name is known and streams the
  arguments as they are written.
"""

from __future__ import annotations

from typing import ClassVar

from agentfn.parsers._calls import LENIENT, call_from_scan, partial_call
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

__all__ = ["HermesParser"]

OPEN = "<tool_call>"
CLOSE = "</tool_call>"


def _malformed(pos: int) -> Decided:
    # The opening tag is content; scanning resumes right after it.
    return Decided([Text(OPEN)], pos + len(OPEN))


class HermesParser(ToolCallParser):
    """``<tool_call>`` JSON blocks (Hermes, Qwen)."""

    name: ClassVar[str] = "hermes"
    markers: ClassVar[tuple[str, ...]] = (OPEN,)
    description: ClassVar[str] = "Hermes/Qwen <tool_call>{json}</tool_call> blocks"

    def step(self, buf: TextBuffer, pos: int, state: str) -> Decided | Pending:
        found = text_until_marker(buf, pos, (OPEN,))
        if not isinstance(found, int):
            return found
        text = buf.text
        body = run_end(WS_RE, text, pos + len(OPEN))
        if body >= len(text):
            return _malformed(pos) if buf.final else Pending()
        if text[body] != "{":
            return _malformed(pos)
        scan = buf.json_at(body)
        if scan.status == INCOMPLETE:
            partial = partial_call(scan, text)
            return Pending(Partial(pos, *partial) if partial else None)
        call = call_from_scan(scan, LENIENT)
        if call is None:
            return _malformed(pos)
        after = run_end(WS_RE, text, scan.end)
        if text.startswith(CLOSE, after):
            return Decided([Call(call[0], call[1], pos)], after + len(CLOSE))
        if after >= len(text):
            return (
                Decided([Call(call[0], call[1], pos)], after) if buf.final else Pending(Partial(pos, *call))
            )
        if not buf.final and CLOSE.startswith(text[after:]):
            return Pending(Partial(pos, *call))
        return _malformed(pos)
