"""The records parsers produce and the pieces a format's ``step`` works with.

:class:`ParseResult` and :class:`ParseDelta` are what callers see. :class:`Text`,
:class:`Call`, :class:`Decided`, :class:`Partial`, :class:`Pending`,
:class:`TextBuffer` and :func:`text_until_marker` are the vocabulary of
:meth:`agentfn.parsers.base.ToolCallParser.step`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field

from agentfn.messages import AssistantMessage, ToolCall
from agentfn.parsers._json import JsonScan

__all__ = [
    "Call",
    "Decided",
    "DeltaKind",
    "ParseDelta",
    "ParseResult",
    "Partial",
    "Pending",
    "Text",
    "TextBuffer",
    "held_back",
    "text_until_marker",
]


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
