"""Which tools go together, and in what order: the request's steps and trace co-usage.

Two of the sources :mod:`agentfn.router.selection` combines (the third, data
flow between tools' outputs and inputs, is :mod:`agentfn.router.dataflow`):

1. The request's own structure (:func:`segment`): sentences, and "X and Y",
   "X, then Y", "X after Y", "After X, Y", "Before Y, X" name several steps in an
   order; a parenthesised clause that is a step of its own ("multiply the result of
   (log of 100 to base 10) by 3", "send the difference (see transaction history)")
   runs before the step around it, whose input it produces.
2. Trace statistics (:class:`CoUsage`): how often tool B was called in the same
   run as tool A, and how often before or after it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from agentfn._values import pasted_table
from agentfn.router.steps import (
    asks_for_action,
    delay_phrase,
    expression_steps,
    imperative_pieces,
    joins_phrase,
    nested_steps,
    opening_verb,
)
from agentfn.router.text import tokenize
from agentfn.router.unitsteps import unit_steps

__all__ = ["CoUsage", "Segment", "segment", "sentences"]


class Segment:
    """One step of a request: its text and its position in execution order."""

    __slots__ = ("asks", "order", "text")

    def __init__(self, text: str, order: int, asks: bool = True) -> None:
        self.text = text
        self.order = order
        self.asks = asks
        """False for a sentence that only tells (a persona, a fact): it may lift tools in the ranking, never
        choose one for ``selected``."""

    def __repr__(self) -> str:
        return f"Segment({self.text!r}, {self.order})"


# Connectors that separate steps. "after"/"once" reverse the order of the two sides.
_FORWARD = r"(?:,?\s*\b(?:and then|and also|and afterwards|after that|afterwards|then|and|also|plus|before)\b\s*)|(?:\s*[;]\s*)|(?:,\s+(?=then\b))"
_BACKWARD = r"(?:,?\s*\b(?:after|once)\b\s*)"
_SPLIT = re.compile(f"({_FORWARD}|{_BACKWARD})", re.IGNORECASE)


# "After X, Y" / "Once X, Y" / "Before Y, X": a leading clause up to the first comma.
_LEADING = re.compile(r"^\s*(after|once|before)\s+([^,]+?),\s*(.+)$", re.IGNORECASE | re.DOTALL)
_NESTED = re.compile(r"\(([^()]+)\)")

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"'(A-Z0-9])|\n+")
_ABBREV = re.compile(r"\b(?:e\.g|i\.e|etc|vs|mr|mrs|ms|dr|st|no|approx)\.$", re.IGNORECASE)


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences ("e.g." and similar abbreviations do not end one); blank pieces dropped."""
    out: list[str] = []
    for piece in _SENTENCE.split(text):
        if out and _ABBREV.search(out[-1]):
            out[-1] = out[-1] + " " + piece  # "e.g. Paris" is not a sentence break
        elif piece.strip():
            out.append(piece)
    return out


def segment(query: str, min_tokens: int = 2, max_steps: int = 8, *, actions: bool = False) -> list[Segment]:
    """Split a request into steps, in the order they should run.

    Sentences are steps; inside one, connectives split it further ("X and
    then Y", "X after Y"). Pieces with fewer than ``min_tokens`` content words
    are glued back to the previous piece, so "flights from Paris and London"
    stays one step, and so does a piece that holds only values ("between
    2024-04-02T09:15 and 2024-04-02T17:45"). The rows of a pasted table (two or
    more delimited lines under the request) are data, not steps. At most
    ``max_steps`` steps: the rest joins the last one.

    ``actions=True`` counts the actions the request asks for
    (:mod:`agentfn.router.steps`): of several sentences only those that ask
    for something are steps (a persona or context sentence is one segment
    with ``asks=False``: it lifts tools in the ranking, never chooses one); a
    written-out expression ("-(1 + 1)") has one step per operation; a nested
    operation ("divide the result by cos of 1.5 radians") is a step before
    the one around it.
    """
    if pasted_table(query) is not None:  # its rows are data, not steps ("average age in this CSV?\nname,age\n...")
        query = next(ln for ln in query.splitlines() if ln.strip())
    parts = sentences(query)
    asking = [asks_for_action(s) for s in parts] if actions and len(parts) > 1 else []
    out: list[Segment] = []
    for i, sentence in enumerate(parts):
        if asking and any(asking) and not asking[i]:
            out.append(Segment(sentence.strip(" ,.;!?"), len(out), asks=False))
            continue
        expr = expression_steps(sentence) if actions else None
        if expr is not None:
            out += [Segment(t, len(out) + j) for j, t in enumerate(expr)]
            continue
        for clause in _clauses(sentence, min_tokens, actions):
            base = len(out)
            pieces = imperative_pieces(clause) if actions else [clause]
            steps = [s for p in pieces for s in sorted(_connective_steps(p, min_tokens, actions), key=lambda s: s.order)]
            if actions:
                texts = [u for s in steps for t in nested_steps(s.text) for u in unit_steps(t)]
                out += [Segment(t, base + i) for i, t in enumerate(texts)]
            else:
                out += [Segment(s.text, s.order + base) for s in steps]
    if actions and out and (delay := delay_phrase(query.strip())) is not None:
        out.append(Segment(delay, len(out), asks=False))  # a delayed command also wants what waits (a timer)
    if len(out) > max_steps:
        out.sort(key=lambda s: s.order)
        tail = " ".join(s.text for s in out[max_steps - 1 :])
        out = [*out[: max_steps - 1], Segment(tail, max_steps - 1, any(s.asks for s in out[max_steps - 1 :]))]
    return out


def _clauses(sentence: str, min_tokens: int, actions: bool = False) -> list[str]:
    """A sentence's clauses in execution order: nested (parenthesised) steps and a leading clause first."""
    nested: list[str] = []

    def pull(match: re.Match[str]) -> str:
        inner = match.group(1).strip()
        if sum(not t.isdigit() for t in tokenize(inner)) < min_tokens or (actions and len(inner.split()) < 2):
            return match.group(0)  # "(120 minutes)", "(UTC)": a detail, not a step
        nested.append(inner)
        return " "

    outer = _NESTED.sub(pull, sentence)
    if nested and len(tokenize(outer)) < min_tokens:
        return [sentence]  # the parenthesis was the whole request
    lead = _LEADING.match(outer)
    if lead and min(len(tokenize(lead.group(2))), len(tokenize(lead.group(3)))) >= min_tokens:
        first, then = lead.group(2), lead.group(3)
        main = [then, first] if lead.group(1).lower() == "before" else [first, then]
    else:
        main = [outer]
    return [*nested, *(re.sub(r"\s+([,.;])", r"\1", " ".join(m.split())) for m in main)]


def _size(text: str, actions: bool) -> int:
    """Content words of a piece; counting its numbers too when counting actions ("add 3 and 4")."""
    if not _WORD.search(re.sub(r"\d\S*", " ", text)):
        return 0  # only values ("... between 2024-04-02T09:15 and 2024-04-02T17:45"): not a step
    words = len(tokenize(text))
    return words + len(_NUMBER.findall(text)) if actions and words else words


_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:[.,]\d+)?")
_WORD = re.compile(r"[A-Za-z]{2,}")
_REFERS = re.compile(r"\b(?:it|that|this|them|result|answer|sum|product)\b", re.IGNORECASE)
_THEN = re.compile(r"\b(?:then|after that|afterwards|and afterwards)\b", re.IGNORECASE)


_POSSESSIVE = re.compile(r"^\s*(?:its|their)\s+[A-Za-z]", re.IGNORECASE)


def _shared_verb(before: str, conn: str, text: str) -> str | None:
    """The verb ``text`` shares with the piece ``before`` it when both are objects of that verb belonging
    to an earlier result ("fetch its photos *and* its reviews": "fetch"); else None. A second object
    alone ("the company names and their ratings") names no result of its own: it stays in its piece."""
    if conn.strip().lower() != "and" or not _POSSESSIVE.match(text):
        return None
    verb = opening_verb(before)
    rest = before.split(verb, 1)[-1] if verb else ""
    return verb if _POSSESSIVE.match(re.sub(r"^\s*(?:me|us)\b", "", rest)) else None


def _connective_steps(query: str, min_tokens: int, actions: bool = False) -> list[Segment]:
    parts = _SPLIT.split(query)
    if actions:  # a connective inside a phrase ("between X and Y") first: its two sides are one piece
        merged = [parts[0]]
        for i in range(1, len(parts), 2):
            if joins_phrase(merged[-1], parts[i], parts[i + 1]):
                merged[-1] += parts[i] + parts[i + 1]
            else:
                merged += [parts[i], parts[i + 1]]
        parts = merged
    pieces: list[str] = [parts[0]]
    backward: list[bool] = [False]
    for i in range(1, len(parts), 2):
        conn, text = parts[i], parts[i + 1]
        # A short piece ("London" in "flights from Paris and London") or a short
        # leading fragment ("Hi, then ...") is not a step of its own.
        # Counting actions, "then <verb> it" / "then square the result" is a step of its own however short.
        least = 1 if actions and _THEN.search(conn) and _REFERS.search(text) else min_tokens
        verb = _shared_verb(pieces[-1], conn, text) if actions else None
        if verb is not None and _size(text, actions) >= 1:
            pieces.append(f"{verb} {text}")  # "fetch its photos and its reviews": "fetch its reviews" is a step
            backward.append(False)
            continue
        if _size(text, actions) < least or _size(pieces[-1], actions) < min_tokens:
            pieces[-1] = pieces[-1] + conn + text
            continue
        pieces.append(text)
        backward.append(bool(re.fullmatch(_BACKWARD, conn, re.IGNORECASE)))
    segs = [p.strip(" ,.;!?") for p in pieces]
    # Positions: "A after B" puts B first; otherwise the text order.
    order = list(range(len(segs)))
    for i in range(1, len(segs)):
        if backward[i]:
            order[i - 1], order[i] = order[i], order[i - 1]
    return [Segment(text, pos) for text, pos in zip(segs, order, strict=True) if text]


class CoUsage:
    """Co-occurrence and order counts of tools in traced runs."""

    def __init__(self) -> None:
        self.count: dict[str, int] = defaultdict(int)
        self.together: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.before: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.runs = 0

    def fit(self, sequences: Iterable[Sequence[str]]) -> None:
        """Add runs: each a list of tool names in call order (repeats collapse)."""
        for seq in sequences:
            names = list(dict.fromkeys(seq))
            if not names:
                continue
            self.runs += 1
            for i, a in enumerate(names):
                self.count[a] += 1
                for b in names[i + 1 :]:
                    self.together[a][b] += 1
                    self.together[b][a] += 1
                    self.before[a][b] += 1

    def p_with(self, a: str, b: str) -> float:
        """P(b used | a used), with add-one smoothing on a's count."""
        return self.together.get(a, {}).get(b, 0) / (self.count.get(a, 0) + 1)

    def order_vote(self, a: str, b: str) -> int:
        """+1 when traces run a before b, -1 when after, 0 when unknown/tied."""
        ab = self.before.get(a, {}).get(b, 0)
        ba = self.before.get(b, {}).get(a, 0)
        return (ab > ba) - (ab < ba)

    def to_json(self) -> dict[str, Any]:
        return {
            "runs": self.runs,
            "count": dict(self.count),
            "before": {a: dict(v) for a, v in self.before.items() if v},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CoUsage:
        co = cls()
        co.runs = int(data.get("runs", 0))
        for a, n in data.get("count", {}).items():
            co.count[a] = int(n)
        for a, row in data.get("before", {}).items():
            for b, n in row.items():
                co.before[a][b] = int(n)
                co.together[a][b] += int(n)
                co.together[b][a] += int(n)
        return co

    def forget(self, name: str) -> None:
        """Drop a removed tool from the statistics."""
        self.count.pop(name, None)
        for table in (self.together, self.before):
            table.pop(name, None)
            for row in table.values():
                row.pop(name, None)
