"""Registry-wide producers: which tools' outputs may fill an input, whatever the request says.

The data-flow planner (:mod:`agentfn.router.chain`) looks for the producer of an
open input first among the request's own candidates. A producer the request
never mentions ("share the budget spreadsheet" needs ``drive_search`` for the
``file_id`` of ``drive_share``; nothing in the request reads like a search)
ranks low or not at all. :class:`ProducerIndex` maps output words and value
kinds to the tools that output them, so such a producer can still be found:
it is offered with relevance 0, and :mod:`agentfn.router.producers` weighs it
(its service against the consumer's, id evidence) as any other.

Guarantees: built lazily from the tools' :class:`~agentfn.router.dataflow.ToolIO`
on first use, rebuilt when the registry's size changes or :meth:`reset` is
called; registries above ``max_tools`` are not indexed (``lookup`` returns
nothing), so routing at a million tools pays nothing. A lookup returns at most
``limit`` names, those sharing the most input words first (a word an output's
description holds counts half), then by name.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from agentfn.router.dataflow import IOSlot, ToolIO, weak_words

__all__ = ["ProducerIndex"]

_SPECIFIC = frozenset(["coord", "email", "url", "ip", "phone"])


class ProducerIndex:
    """Output word -> tools (name words, then description words), and value kind -> tools, over a whole registry."""

    def __init__(self, max_tools: int = 20_000, limit: int = 40) -> None:
        self.max_tools = max_tools
        self.limit = limit
        self._by_word: dict[str, set[str]] = {}
        self._by_kind: dict[str, set[str]] = {}
        self._by_desc: dict[str, set[str]] = {}
        self._size = -1

    def reset(self) -> None:
        """Forget the index (the registry changed); the next lookup rebuilds it."""
        self._by_word, self._by_kind, self._by_desc, self._size = {}, {}, {}, -1

    def _build(self, names: Collection[str], io_of: Callable[[str], ToolIO]) -> None:
        self._by_word, self._by_kind, self._by_desc = {}, {}, {}
        for name in names:
            for out in io_of(name).outputs:
                if out.inferred:
                    continue  # a guessed output is trusted only among the request's candidates
                for w in out.words:
                    self._by_word.setdefault(w, set()).add(name)
                for w in out.desc - out.words - weak_words():
                    self._by_desc.setdefault(w, set()).add(name)  # ``matches``: "full paths"
                if out.kind in _SPECIFIC:
                    self._by_kind.setdefault(out.kind, set()).add(name)
        self._size = len(names)

    def lookup(self, slot: IOSlot, names: Collection[str], io_of: Callable[[str], ToolIO]) -> list[str]:
        """Tools of ``names`` (the registry) with an output sharing a content word, or the kind, of ``slot``."""
        if len(names) > self.max_tools:
            return []
        if self._size != len(names):
            self._build(names, io_of)
        strong = slot.words - weak_words()
        hits: dict[str, float] = {}
        for w in strong:
            for n in self._by_word.get(w, ()):
                hits[n] = hits.get(n, 0) + 1
            for n in self._by_desc.get(w, ()):
                hits[n] = hits.get(n, 0) + 0.5  # an output's description holds the word: after name matches
        if slot.kind in _SPECIFIC:
            for n in self._by_kind.get(slot.kind, ()):
                hits[n] = hits.get(n, 0) + 1
        ranked = sorted(hits.items(), key=lambda p: (-p[1], p[0]))
        return [n for n, _ in ranked[: self.limit] if n in names]
