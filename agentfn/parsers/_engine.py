"""The engine that drives a format's steps: whole-text parses and streams alike.

Both paths run the same decisions, which is why a stream's final result equals
the whole-text parse for every chunking. Reasoning blocks are split off here,
before the format sees the text (rules in :mod:`agentfn.parsers.base`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agentfn.messages import ToolCall
from agentfn.parsers._json import run_end
from agentfn.parsers.records import (
    Call,
    Decided,
    DeltaKind,
    ParseDelta,
    ParseResult,
    Partial,
    Pending,
    Text,
    TextBuffer,
    held_back,
)

if TYPE_CHECKING:
    from agentfn.parsers.base import ToolCallParser

__all__ = ["THINK_CLOSE", "THINK_OPEN", "Engine", "parse_answer"]

THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"
WS = re.compile(r"[ \t\n\r]*")

_LEAD, _THINK, _ANSWER = "lead", "think", "answer"


@dataclass
class _Provisional:
    start: int
    index: int
    id: str
    name: str
    emitted: list[str] = field(default_factory=list[str])
    emitted_length: int = 0


class Engine:
    """Drives a parser's steps over a growing text and records segments and deltas."""

    def __init__(
        self,
        parser: ToolCallParser,
        *,
        incremental: bool,
        in_answer: bool = False,
        record_deltas: bool = True,
    ) -> None:
        self.parser = parser
        self.incremental = incremental
        self.record_deltas = record_deltas
        self.buf = TextBuffer()
        self.pos = 0
        self.phase = _ANSWER if in_answer else (_THINK if parser.reasoning_started else _LEAD)
        self.think_blocks = 1 if self.phase == _THINK else 0
        self.state = "text"
        self.text_parts: list[str] = []
        self.reasoning_parts: list[str] = []
        self.raw_calls: list[Call] = []
        self.calls: list[ToolCall] = []
        self.deltas: list[ParseDelta] = []
        self.prov: _Provisional | None = None
        self._result: ParseResult | None = None

    def take_deltas(self) -> list[ParseDelta]:
        out, self.deltas = self.deltas, []
        return out

    def _delta(self, kind: DeltaKind, text: str = "", **fields: Any) -> None:
        if self.record_deltas:
            self.deltas.append(ParseDelta(kind, text, **fields))

    def _text(self, text: str) -> None:
        if text:
            self.text_parts.append(text)
            self._delta("text", text)

    def _reasoning(self, text: str) -> None:
        if text:
            self.reasoning_parts.append(text)
            self._delta("reasoning", text)

    def run(self) -> None:
        buf = self.buf
        while True:
            text = buf.text
            if self.phase == _LEAD:
                j = run_end(WS, text, self.pos)
                self._text(text[self.pos : j])
                self.pos = j
                rest = text[j : j + len(THINK_OPEN)]
                if rest == THINK_OPEN:
                    if self.think_blocks:
                        self._reasoning("\n")
                    self.think_blocks += 1
                    self.phase, self.pos = _THINK, j + len(THINK_OPEN)
                    continue
                if not buf.final and THINK_OPEN.startswith(rest):
                    return
                self.phase, buf.body_start = _ANSWER, j
                continue
            if self.phase == _THINK:
                k = text.find(THINK_CLOSE, self.pos)
                if k >= 0:
                    self._reasoning(text[self.pos : k])
                    self.phase, self.pos = _LEAD, k + len(THINK_CLOSE)
                    continue
                end = len(text) if buf.final else len(text) - held_back(text, self.pos, (THINK_CLOSE,))
                self._reasoning(text[self.pos : end])
                self.pos = max(self.pos, end)
                return
            if self.pos >= len(text):
                return
            step = self.parser.step(buf, self.pos, self.state)
            if isinstance(step, Pending):
                if buf.final:
                    raise RuntimeError(f"{self.parser.name}: step left text undecided at the end")
                if step.partial is not None and self.incremental:
                    self._provisional(step.partial)
                return
            if step.end <= self.pos and step.state == self.state:
                raise RuntimeError(f"{self.parser.name}: step made no progress at offset {self.pos}")
            self._decided(step)
            self.pos, self.state = step.end, step.state
            buf.forget_before(self.pos)

    def _provisional(self, partial: Partial) -> None:
        prov = self.prov
        if prov is not None and (prov.start != partial.start or prov.name != partial.name):
            self._discard()
            prov = None
        if prov is None:
            index = len(self.calls)
            prov = self.prov = _Provisional(partial.start, index, self.parser.new_id(index), partial.name)
            self._delta("tool_call_start", index=index, id=prov.id, name=prov.name)
        arguments = partial.arguments
        piece = arguments(prov.emitted_length) if callable(arguments) else arguments[prov.emitted_length :]
        if piece:
            prov.emitted.append(piece)
            prov.emitted_length += len(piece)
            self._delta("tool_call_arguments", piece, index=prov.index)

    def _discard(self) -> None:
        if self.prov is not None:
            self._delta("tool_call_discard", index=self.prov.index)
            self.prov = None

    def _decided(self, step: Decided) -> None:
        for seg in step.segments:
            if isinstance(seg, Text):
                if self.prov is not None and seg.text:
                    self._discard()
                self._text(seg.text)
                continue
            self._add_call(seg)
        if self.prov is not None and step.end > self.prov.start:
            self._discard()

    def _add_call(self, seg: Call) -> None:
        self.raw_calls.append(seg)
        prov = self.prov
        if (
            prov is not None
            and prov.start == seg.start
            and prov.name == seg.name
            and seg.arguments[: prov.emitted_length] == "".join(prov.emitted)
        ):
            call = ToolCall(id=prov.id, name=seg.name, arguments=seg.arguments)
            rest = seg.arguments[prov.emitted_length :]
            self.prov = None
        else:
            self._discard()
            index = len(self.calls)
            call = ToolCall(id=self.parser.new_id(index), name=seg.name, arguments=seg.arguments)
            self._delta("tool_call_start", index=index, id=call.id, name=call.name)
            rest = seg.arguments
        if rest:
            self._delta("tool_call_arguments", rest, index=len(self.calls))
        self.calls.append(call)

    def finalize(self) -> None:
        """End of input: recover calls from reasoning when the answer has none, build the result."""
        self._discard()
        reasoning = "".join(self.reasoning_parts)
        if not self.calls and reasoning.strip():
            for seg in parse_answer(self.parser, reasoning):
                self._add_call(Call(seg.name, seg.arguments, -1))
        self._result = ParseResult(
            content="".join(self.text_parts).strip() or None,
            tool_calls=list(self.calls),
            reasoning=reasoning.strip() or None,
        )

    def result(self) -> ParseResult:
        assert self._result is not None
        return self._result


def parse_answer(parser: ToolCallParser, text: str) -> list[Call]:
    """Calls in ``text`` parsed as an answer without reasoning (for calls inside reasoning)."""
    engine = Engine(parser, incremental=False, in_answer=True, record_deltas=False)
    engine.buf.text = text
    engine.buf.final = True
    engine.run()
    return engine.raw_calls
