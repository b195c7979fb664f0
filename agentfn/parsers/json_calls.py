"""Plain JSON format: a call object or an array of them anywhere in the text.

For models without a dedicated format (or prompted to "answer with JSON"):
``{"name": "f", "arguments": {...}}``, ``[{...}, {...}]``, the OpenAI shape
``{"type": "function", "function": {"name": ..., "arguments": ...}}``, each
optionally inside a Markdown fence (```` ```json ... ``` ````).

Decisions:
* To keep ordinary JSON in an answer from becoming a call, an object counts
  only with ``name`` plus ``arguments`` or ``parameters`` holding an object and
  no keys besides ``type``/``id``; an array counts only when every element is
  such an object. Any other JSON value is content, and nothing inside it is
  searched for calls.
* Text that starts like JSON but is not (or is cut off) is content up to the
  point where it failed; a value cut off by the end of the output is content
  to the end, so a truncated array yields no call.
* A fence around calls is dropped; a fence around anything else stays content.
* Calls are announced once their JSON value is complete.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import ClassVar

from agentfn.parsers._calls import STRICT, array_elements, call_from_scan
from agentfn.parsers._json import INCOMPLETE, INVALID, WS_RE, JsonScan, run_end
from agentfn.parsers.base import Call, Decided, Pending, Text, TextBuffer, ToolCallParser, text_until_marker

__all__ = ["JsonParser"]

FENCE = "```"
_FENCE_OPEN = re.compile(r"```(?:json|JSON)?[ \t]*\r?\n?[ \t\n\r]*")
_FENCE_PREFIX = re.compile(r"```(?:[jJ][sS]?[oO]?[nN]?)?[ \t\r\n]*\Z")
_RULES = replace(STRICT, nested_function=True)


def _calls(text: str, scan: JsonScan) -> list[Call] | None:
    if scan.top_kind == "{":
        call = call_from_scan(scan, _RULES)
        return [Call(call[0], call[1], scan.start)] if call else None
    elements = array_elements(text, scan)
    if not elements:
        return None
    calls: list[Call] = []
    for element in elements:
        call = call_from_scan(element, _RULES)
        if call is None:
            return None
        calls.append(Call(call[0], call[1], element.start))
    return calls


class JsonParser(ToolCallParser):
    """Plain JSON call objects or arrays, fenced or not."""

    name: ClassVar[str] = "json"
    markers: ClassVar[tuple[str, ...]] = ("{", "[")
    description: ClassVar[str] = 'JSON {"name": ..., "arguments": ...} objects or arrays, optionally fenced'

    def step(self, buf: TextBuffer, pos: int, state: str) -> Decided | Pending:
        found = text_until_marker(buf, pos, ("{", "[", FENCE))
        if not isinstance(found, int):
            return found
        text = buf.text
        if text.startswith(FENCE, pos):
            return self._fenced(buf, pos)
        scan = buf.json_at(pos)
        if scan.status == INCOMPLETE:
            return Pending()
        if scan.status == INVALID:
            # Skip to where it failed (all of a cut-off value): nothing in there can be a call,
            # and rescanning from every bracket inside would take quadratic time.
            end = max(scan.fail, pos + 1)
            return Decided([Text(text[pos:end])], end)
        calls = _calls(text, scan)
        if calls is None:
            return Decided([Text(text[pos : scan.end])], scan.end)
        return Decided(list(calls), scan.end)

    def _fenced(self, buf: TextBuffer, pos: int) -> Decided | Pending:
        text = buf.text
        literal = Decided([Text(FENCE)], pos + len(FENCE))
        if not buf.final and _FENCE_PREFIX.match(text, pos):
            return Pending()
        match = _FENCE_OPEN.match(text, pos)
        j = match.end() if match else pos + len(FENCE)
        if j >= len(text) or text[j] not in "{[":
            return literal
        scan = buf.json_at(j)
        if scan.status == INCOMPLETE:
            return Pending()
        calls = _calls(text, scan) if scan.status != INVALID else None
        if calls is None:
            return literal
        after = run_end(WS_RE, text, scan.end)
        if text.startswith(FENCE, after):
            return Decided(list(calls), after + len(FENCE))
        if not buf.final and FENCE.startswith(text[after:]):
            return Pending()
        return literal
