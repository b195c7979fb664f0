"""Records and the shared engine behind every tool-call parser.

A format parser only answers one question, :meth:`ToolCallParser.step`: "at
this offset, what comes next, and is it already certain?" The engine here
drives that question over a text that may still grow, and derives both the
whole-text result and the streaming deltas from the same decisions. Because a
step may only decide what no continuation of the text could change, the
streamed result equals the whole-text result for every chunking by
construction (and the conformance suite checks it).

Decisions documented here apply to every format:

* **Reasoning.** ``<think>...</think>`` blocks at the start of the output
  (after optional blank space, several in a row allowed) become
  :attr:`ParseResult.reasoning`. An unclosed block runs to the end of the text.
  With ``reasoning_started=True`` the text is taken to begin inside a block
  (chat templates that put ``<think>`` into the prompt). A ``<think>`` later in
  the answer is ordinary text.
* **Calls inside reasoning** are recovered only when the answer outside the
  reasoning has no calls: a model that closes its reasoning without repeating
  the call it wrote there still gets it run (vLLM drops it), while drafts in
  the reasoning never add to calls the answer makes. The reasoning text keeps
  the call markup.
* **Content** is the text outside calls and reasoning, joined and stripped;
  ``None`` when empty. Malformed or truncated call markup stays in the content
  verbatim and never becomes a call.
* **Arguments** are normalised JSON text, equal to
  ``json.dumps(value, ensure_ascii=False)``; arguments given as a JSON string
  that holds an object are decoded once; missing or ``null`` arguments are
  ``"{}"``.
* **Ids** come from ``id_factory(index)`` when given (deterministic, so whole
  and streamed results are equal field for field), else from
  :func:`agentfn.messages.new_call_id` (unique across turns; compare results
  with :meth:`ParseResult.equivalent`). A streaming parser's final result uses
  the ids it announced in its deltas.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from agentfn.exceptions import ConfigError, UserError
from agentfn.messages import AssistantMessage, ToolCall, new_call_id
from agentfn.parsers._json import JsonScan, run_end

__all__ = [
    "Call",
    "Decided",
    "ParseDelta",
    "ParseResult",
    "Partial",
    "Pending",
    "StreamingParser",
    "Text",
    "TextBuffer",
    "ToolCallParser",
    "UnknownParserError",
    "text_until_marker",
]

log = logging.getLogger("agentfn.parsers")

RAISE_INTERNAL_ERRORS = os.environ.get("AGENTFN_PARSERS_RAISE") == "1"
"""Tests set this so a parser bug fails loudly instead of degrading to plain content."""

THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"
WS = re.compile(r"[ \t\n\r]*")


class UnknownParserError(ConfigError, KeyError):
    """No parser is registered under the requested name; the message lists those that are."""

    def __str__(self) -> str:  # KeyError would wrap the message in quotes
        return str(self.args[0]) if self.args else ""


# --- public records ------------------------------------------------------------------------------


class ParseResult(BaseModel):
    """What a parser found in one model output."""

    content: str | None = None
    tool_calls: list[ToolCall] = Field(default_factory=list[ToolCall])
    reasoning: str | None = None

    def to_message(self) -> AssistantMessage:
        """The assistant message this output amounts to."""
        return AssistantMessage(
            content=self.content, tool_calls=list(self.tool_calls), reasoning=self.reasoning
        )

    def without_ids(self) -> ParseResult:
        """A copy whose call ids are all empty, for comparisons that ignore ids."""
        return self.model_copy(
            update={"tool_calls": [c.model_copy(update={"id": ""}) for c in self.tool_calls]}
        )

    def equivalent(self, other: ParseResult) -> bool:
        """True when both results agree on everything except call ids."""
        return self.without_ids() == other.without_ids()

    @classmethod
    def from_deltas(cls, deltas: Sequence[ParseDelta]) -> ParseResult:
        """Rebuild a result from a complete delta stream (``feed`` deltas plus ``flush`` deltas)."""
        text: list[str] = []
        reasoning: list[str] = []
        calls: list[list[str]] = []
        for d in deltas:
            if d.kind == "text":
                text.append(d.text)
            elif d.kind == "reasoning":
                reasoning.append(d.text)
            elif d.kind == "tool_call_start":
                calls.append([d.id or "", d.name or "", ""])
            elif d.kind == "tool_call_arguments" and d.index is not None:
                calls[d.index][2] += d.text
            elif d.kind == "tool_call_discard" and d.index is not None:
                del calls[d.index]
        return cls(
            content="".join(text).strip() or None,
            tool_calls=[ToolCall(id=i, name=n, arguments=a) for i, n, a in calls],
            reasoning="".join(reasoning).strip() or None,
        )


DeltaKind = Literal["text", "reasoning", "tool_call_start", "tool_call_arguments", "tool_call_discard"]


@dataclass(slots=True)
class ParseDelta:
    """One increment of a streaming parse.

    Kinds:
        ``text`` / ``reasoning``: ``text`` holds the new characters (unstripped).
        ``tool_call_start``: a call begins at ``index`` with ``id`` and ``name``.
        ``tool_call_arguments``: ``text`` extends the arguments of call ``index``;
            the fragments of a call add up exactly to its final ``arguments``.
        ``tool_call_discard``: the call at ``index`` (always the latest one) turned
            out malformed, e.g. truncated; its markup follows as ``text`` and the
            next call reuses the index. Only incremental streaming emits it.

    A plain dataclass (treat it as immutable) rather than a pydantic model:
    streams create one per chunk, and this is ten times cheaper to build.
    """

    kind: DeltaKind
    text: str = ""
    index: int | None = None
    id: str | None = None
    name: str | None = None


# --- what a format step returns ------------------------------------------------------------------
# Plain slotted dataclasses, built on every step: treat them as immutable.


@dataclass(slots=True)
class Text:
    """A decided piece of content."""

    text: str


@dataclass(slots=True)
class Call:
    """A decided tool call; ``start`` is the offset of its markup (identifies it while streaming)."""

    name: str
    arguments: str
    start: int


@dataclass(slots=True)
class Decided:
    """The text up to ``end`` is settled into ``segments``; scanning resumes there in ``state``."""

    segments: list[Text | Call]
    end: int
    state: str = "text"


@dataclass(slots=True)
class Partial:
    """A call still being written: its name and a certain prefix of its normalised arguments.

    ``arguments`` is that prefix, or a function returning it from a given offset
    on (so long arguments stream without copying what was already sent).
    """

    start: int
    name: str
    arguments: str | Callable[[int], str]


@dataclass(slots=True)
class Pending:
    """Nothing more can be decided until more text arrives."""

    partial: Partial | None = None


@dataclass
class TextBuffer:
    """The text seen so far, whether more will come, and cached JSON scans by start offset."""

    text: str = ""
    final: bool = False
    body_start: int = 0
    scans: dict[int, JsonScan] = field(default_factory=dict[int, JsonScan])
    states: dict[tuple[str, int], Any] = field(default_factory=dict[tuple[str, int], Any])
    """Resumable scanner state a format keeps per (kind, start offset)."""
    _marks: dict[str, tuple[int, int, int]] = field(default_factory=dict[str, tuple[int, int, int]])

    def find(self, marker: str, pos: int) -> int:
        """``self.text.find(marker, pos)``, remembering earlier searches so a growing text is searched once."""
        start = pos
        cached = self._marks.get(marker)
        if cached is not None:
            found, searched_from, searched_len = cached
            if searched_from <= pos:
                if found >= pos:
                    return found
                if found < 0:
                    start = max(pos, searched_len - len(marker) + 1)
        found = self.text.find(marker, start)
        self._marks[marker] = (found, pos, len(self.text))
        return found

    def json_at(self, start: int) -> JsonScan:
        """The JSON scan starting at ``start``, advanced over all text seen so far."""
        scan = self.scans.get(start)
        if scan is None:
            scan = self.scans[start] = JsonScan(start)
        scan.advance(self.text, self.final)
        return scan

    def forget_before(self, pos: int) -> None:
        """Drop cached scans that start before ``pos`` (they can no longer be asked for)."""
        for start in [s for s in self.scans if s < pos]:
            del self.scans[start]
        for key in [k for k in self.states if k[1] < pos]:
            del self.states[key]


def held_back(text: str, pos: int, markers: Sequence[str]) -> int:
    """Length of the longest suffix of ``text[pos:]`` that is a proper prefix of a marker."""
    best = 0
    for marker in markers:
        for k in range(min(len(marker) - 1, len(text) - pos), best, -1):
            if text.endswith(marker[:k]):
                best = k
                break
    return best


def text_until_marker(buf: TextBuffer, pos: int, markers: Sequence[str]) -> Decided | Pending | int:
    """Settle plain text from ``pos`` up to the earliest marker.

    Returns the marker's offset when one starts exactly at ``pos``; otherwise a
    decision covering the text before the marker (or, with no marker in sight,
    all text that cannot be the start of one).
    """
    text = buf.text
    found = [i for i in (buf.find(m, pos) for m in markers) if i >= 0]
    if found:
        first = min(found)
        return first if first == pos else Decided([Text(text[pos:first])], first)
    end = len(text) if buf.final else len(text) - held_back(text, pos, markers)
    return Decided([Text(text[pos:end])], end) if end > pos else Pending()


# --- the parser base class -------------------------------------------------------------------------


class ToolCallParser:
    """Base class of tool-call formats.

    Subclasses set :attr:`name` and :attr:`markers` and implement :meth:`step`.
    Parsing never raises on model output. A parser keeps no state between
    parses, so one instance can be shared (threads included); each
    :class:`StreamingParser` belongs to one output.

    Args:
        reasoning_started: the text begins inside a ``<think>`` block.
        id_factory: maps a call's index to its id; default: fresh random ids.
    """

    name: ClassVar[str] = ""
    """The registry name, e.g. ``"hermes"``."""
    markers: ClassVar[tuple[str, ...]] = ()
    """Strings without which this format finds no call. Must be exact: :meth:`parse` returns
    text containing none of them (and no ``<think>``) as content without running :meth:`step`."""
    description: ClassVar[str] = ""

    def __init__(
        self, *, reasoning_started: bool = False, id_factory: Callable[[int], str] | None = None
    ) -> None:
        self.reasoning_started = reasoning_started
        self.id_factory = id_factory

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"

    def new_id(self, index: int) -> str:
        """The id for the call at ``index`` of one parse."""
        return self.id_factory(index) if self.id_factory is not None else new_call_id()

    def parse(self, text: str) -> ParseResult:
        """Split a complete model output into content, tool calls and reasoning. Never raises."""
        if (
            self.markers
            and not self.reasoning_started
            and THINK_OPEN not in text
            and not any(marker in text for marker in self.markers)
        ):
            # The common final answer: no call or reasoning can be in it (see `markers`).
            return ParseResult(content=text.strip() or None)
        try:
            engine = _Engine(self, incremental=False, record_deltas=False)
            engine.buf.text = text
            engine.buf.final = True
            engine.run()
            engine.finalize()
            return engine.result()
        except Exception:
            if RAISE_INTERNAL_ERRORS:
                raise
            log.exception("%s parser failed; returning the text as content", self.name)
            return ParseResult(content=text.strip() or None)

    def streaming(self, *, incremental_arguments: bool = True) -> StreamingParser:
        """A parser for one output that arrives in chunks.

        Args:
            incremental_arguments: announce a call and stream its arguments while
                they are written (formats that support it). A call that then turns
                out malformed is withdrawn with a ``tool_call_discard`` delta. With
                False, calls are announced only once complete and never withdrawn.
        """
        return StreamingParser(self, incremental_arguments=incremental_arguments)

    def step(self, buf: TextBuffer, pos: int, state: str) -> Decided | Pending:
        """Decide what starts at ``pos`` of ``buf.text`` (the answer part, after reasoning).

        Must return :class:`Pending` only when ``buf.final`` is False and the
        decision depends on text not yet seen; a :class:`Decided` must be the
        same whatever text follows. ``end`` must exceed ``pos`` unless ``state``
        changes.
        """
        raise NotImplementedError

    def _parse_answer(self, text: str) -> list[Call]:
        """Calls in ``text`` parsed as an answer without reasoning (for calls inside reasoning)."""
        engine = _Engine(self, incremental=False, in_answer=True, record_deltas=False)
        engine.buf.text = text
        engine.buf.final = True
        engine.run()
        return engine.raw_calls


class StreamingParser:
    """Parses one output fed in chunks; see :meth:`ToolCallParser.streaming`.

    ``feed`` returns deltas as soon as they are certain, ``flush`` ends the input
    and returns the last deltas, and ``finish`` (which flushes if needed) returns
    the result, equal to ``parser.parse(all_text)`` (ids aside, see
    :class:`ToolCallParser`). ``ParseResult.from_deltas(all_deltas)`` equals
    that result too.
    """

    def __init__(self, parser: ToolCallParser, *, incremental_arguments: bool = True) -> None:
        self.parser = parser
        self._engine = _Engine(parser, incremental=incremental_arguments)
        self._chunks: list[str] = []
        self._broken = False
        self._flushed = False
        self._result: ParseResult | None = None

    @property
    def text(self) -> str:
        """All text fed so far."""
        return "".join(self._chunks)

    def feed(self, chunk: str) -> list[ParseDelta]:
        """Add the next chunk of output; returns the deltas it settles."""
        if self._flushed:
            raise UserError("StreamingParser.feed() called after flush()/finish(); use a new streaming()")
        self._chunks.append(chunk)
        if self._broken or not chunk:
            return []
        try:
            self._engine.buf.text += chunk
            self._engine.run()
            return self._engine.take_deltas()
        except Exception:
            return self._fail()

    def flush(self) -> list[ParseDelta]:
        """Mark the end of the output and return the deltas that settles."""
        if self._flushed:
            return []
        self._flushed = True
        if self._broken:
            return []
        try:
            self._engine.buf.final = True
            self._engine.run()
            self._engine.finalize()
            self._result = self._engine.result()
            return self._engine.take_deltas()
        except Exception:
            return self._fail()

    def finish(self) -> ParseResult:
        """The final result (flushes first when needed)."""
        self.flush()
        if self._result is None:  # the engine failed: fall back to the whole-text parse
            self._result = self.parser.parse(self.text)
        return self._result

    def _fail(self) -> list[ParseDelta]:
        if RAISE_INTERNAL_ERRORS:
            raise
        log.exception("%s streaming parser failed; the final result comes from parse()", self.parser.name)
        self._broken = True
        return []


# --- the engine ------------------------------------------------------------------------------------

_LEAD, _THINK, _ANSWER = "lead", "think", "answer"


@dataclass
class _Provisional:
    start: int
    index: int
    id: str
    name: str
    emitted: list[str] = field(default_factory=list[str])
    emitted_length: int = 0


class _Engine:
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
            for seg in self.parser._parse_answer(reasoning):  # pyright: ignore[reportPrivateUsage]
                self._add_call(Call(seg.name, seg.arguments, -1))
        self._result = ParseResult(
            content="".join(self.text_parts).strip() or None,
            tool_calls=list(self.calls),
            reasoning=reasoning.strip() or None,
        )

    def result(self) -> ParseResult:
        assert self._result is not None
        return self._result
