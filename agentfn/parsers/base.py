"""The tool-call parser base class, its streaming counterpart, and the rules all formats share.

A format parser only answers one question, :meth:`ToolCallParser.step`: "at
this offset, what comes next, and is it already certain?" The engine
(:mod:`agentfn.parsers._engine`) drives that question over a text that may still grow, and derives both the
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
from collections.abc import Callable
from typing import ClassVar

from agentfn.exceptions import UnknownParserError, UserError
from agentfn.messages import new_call_id
from agentfn.parsers._engine import THINK_OPEN, Engine
from agentfn.parsers.records import (
    Call,
    Decided,
    ParseDelta,
    ParseResult,
    Partial,
    Pending,
    Text,
    TextBuffer,
    text_until_marker,
)

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
            engine = Engine(self, incremental=False, record_deltas=False)
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
        self._engine = Engine(parser, incremental=incremental_arguments)
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
