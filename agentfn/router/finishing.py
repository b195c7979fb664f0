"""Finishing operations: the arithmetic a request asks for on the numbers its chain finds.

"What will my order cost *in euros*" needs the order's total, then a currency
conversion; "is Omar paid *more than* Lena" needs two salaries, then a
comparison; "Mia's *average* exam score" needs her scores, then a mean. The
arithmetic tool's inputs (``amount``, ``x``, ``values``) name nothing the
lookups output, so data flow by names never links them.
:func:`finishing_tools` does: for each cue the request carries
(:func:`~agentfn.router.finishcues.finish_cues`), in the order such operations
run (aggregate, then convert, then compare), the most relevant candidate that
does that operation on numbers joins after the chain's last number
(the chosen tools' numeric outputs that feed nothing yet), unless a chosen
tool does it already.

A tool does an operation when:

* ``average``/``add``/``subtract``/``multiply``/``percent``: a word of its
  name names it (:data:`~agentfn.router.finishcues.OPERATIONS`) and it takes
  only numbers;
* ``compare``: its name says compare (or larger, greater, max) and it takes
  only numbers;
* ``currency``/``unit``: it takes an amount and two currencies (units).

An operation on two quantities that finds only one among the chosen tools'
numbers takes the other from an amount the chain already has (one result
feeding two calls), else, when the request writes no amount itself, from the
most relevant candidate lookup that the chain alone feeds (the order's total,
beside the VAT rate already found).

:func:`reporter` passes the chain's finding on ("*tell* the #ops channel how
many keyboards are left", "let the customer know *by email*"): a candidate
that sends material (a ``text`` or ``body`` input) and whose name or inputs
hold a word of the request joins after the chain's last lookup.

Guarantees: pure (no state); only tools that take numbers join; a tool joins
only when a chosen tool hands it a number or list of them, so a request that
writes its numbers itself ("the average of 4, 8 and 15") gets no helper.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from agentfn.router.dataflow import IOSlot, RequestValues, ToolIO, flow_score, is_payload, name_words
from agentfn.router.finishcues import OPERATIONS
from agentfn.router.producers import changes_state

__all__ = ["FINISH_ORDER", "does", "finishing_tools", "numbers_out", "reporter"]

FINISH_ORDER = ("average", "percent", "multiply", "subtract", "add", "currency", "unit", "compare")
"""The order operations on a chain's numbers run in: aggregate, convert, then compare."""
_COMPARING = frozenset(["compare", "comparison", "larger", "greater", "max", "maximum", "bigger"])
_CONVERTING = {"currency": "currency", "unit": "unit"}
_FEEDS = 0.75
"""Least :func:`~agentfn.router.dataflow.flow_score` by which a chosen tool clearly gives a lookup's input."""
_RATES = frozenset(["rate", "percent", "percentage", "ratio", "count"])
_CHANGE = frozenset(["change", "growth", "increase", "decrease", "difference", "delta"])
"""Name words of a tool that measures a change between numbers (``percent_change``), not a share of one."""


def _numeric(slot: IOSlot) -> bool:
    return slot.kind == "number" or slot.type in ("number", "integer") or (slot.type == "array" and slot.kind in ("text", "number"))


def _takes_numbers(io: ToolIO, besides: str = "") -> bool:
    """Every required input (every input, when none is required) is a number or a list of them, or names ``besides``."""
    slots = [s for s in io.inputs if s.required] or list(io.inputs)
    return bool(slots) and all(_numeric(s) or (besides and besides in s.words | s.desc) for s in slots)


def does(io: ToolIO, cue: str) -> bool:
    """Whether the tool ``io`` does the operation ``cue`` (:data:`FINISH_ORDER`) on numbers."""
    words = frozenset(name_words(io.name))
    if cue in OPERATIONS:
        return bool(words & OPERATIONS[cue]) and not (cue == "percent" and words & _CHANGE) and _takes_numbers(io)
    if cue == "compare":
        return bool(words & _COMPARING) and _takes_numbers(io)
    what = _CONVERTING.get(cue)
    if what is None:
        return False
    named = sum(1 for s in io.inputs if what in s.words | s.desc)
    return named >= 2 and any(_numeric(s) for s in io.inputs if s.required) and _takes_numbers(io, what)


def numbers_out(io: ToolIO, arrays: bool) -> bool:
    """Whether ``io`` outputs a number (``arrays``: a list), not an identifier or code."""
    for out in io.outputs:
        if out.inferred or out.kind in ("id", "code", "date"):
            continue
        if arrays and out.type == "array":
            return True
        if not arrays and (out.kind == "number" or out.type in ("number", "integer")):
            return True
    return False


def finishing_tools(
    tools: Sequence[str], edges: Iterable[tuple[str, str]], candidates: dict[str, float], io_of: Callable[[str], ToolIO],
    cues: frozenset[str], given: int = 0,
) -> list[tuple[str, list[str], list[str]]]:
    """Tools to add for ``cues`` in run order, each with the chosen tools that hand it numbers and those it then
    feeds (a list's consumer that takes one number gets the aggregate instead).

    Args:
        tools: the chain's tools so far; ``edges``: its (producer, consumer) links.
        candidates: the request's candidates with their relevance (the best doing an operation joins).
        given: amounts the request writes itself (no other operand is looked up when it writes one).
    """
    chain = list(tools)
    links = set(edges)
    out: list[tuple[str, list[str], list[str]]] = []
    for cue in FINISH_ORDER:
        if cue not in cues or any(does(io_of(t), cue) or _gives(io_of(t), cue) or _converts(io_of(t), cue) for t in chain):
            continue
        doers = [(rel, name) for name, rel in candidates.items() if name not in chain and does(io_of(name), cue)]
        if not doers:
            continue
        helper = max(doers)[1]
        hio = io_of(helper)
        arrays = any(s.type == "array" for s in hio.inputs if s.required)
        feeding = {p for p, _ in links}
        lists = [t for t in chain if arrays and numbers_out(io_of(t), True)]
        sinks = [t for t in chain if t not in feeding and numbers_out(io_of(t), arrays)] or lists[-1:]
        if not sinks:
            continue
        wanted = sum(1 for s in hio.inputs if s.required and _numeric(s))
        producers = sinks[-max(1, wanted):] if cue in OPERATIONS else sinks[-1:]
        if cue in OPERATIONS and not arrays and len(producers) < wanted:
            # Two quantities and one found: an amount the chain already has feeds this too ("the cost including
            # VAT": the order's total feeds both the VAT and the sum); else, unless the request writes the other
            # amount, the most relevant lookup the chain alone feeds gives it ("the VAT due on order #B7710").
            kept = [t for t in reversed(chain) if t not in producers and _amount_out(io_of(t))]
            operand = None if kept or given else _operand(chain, candidates, io_of)
            if kept:
                producers = [*producers, kept[0]]
            elif operand is not None:
                out.append((operand[0], [operand[1]], [helper]))
                chain.append(operand[0])
                links |= {(operand[1], operand[0])}
                producers = [*producers, operand[0]]
        # A list that already feeds a tool taking one number is aggregated in between ("average the daily highs
        # and convert that to Celsius": the mean runs before the conversion).
        # So does a later tool that takes a number and is fed by nothing yet.
        fed = {c for _, c in links}
        start = max(chain.index(p) for p in producers)
        after = sorted({c for p, c in links if arrays and p in producers and c in chain and not _takes_list(io_of(c))}
                       | {c for c in chain[start + 1:] if arrays and c not in fed and _takes_number(io_of(c))})
        chain.insert(min((chain.index(c) for c in after), default=len(chain)), helper)
        links |= {(p, helper) for p in producers} | {(helper, c) for c in after}
        out.append((helper, producers, after))
    return out


def _operand(chain: Sequence[str], candidates: dict[str, float], io_of: Callable[[str], ToolIO]) -> tuple[str, str] | None:
    """(the most relevant candidate lookup outputting an amount whose every required input a chosen tool gives,
    the last chosen tool feeding it), or None."""
    for _, name in sorted(((rel, n) for n, rel in candidates.items() if n not in chain), reverse=True):
        io = io_of(name)
        needs = [s for s in io.inputs if s.required]
        if not needs or changes_state(io) or not _amount_out(io):
            continue
        feeders = [next((t for t in reversed(chain) if flow_score(io_of(t), s) >= _FEEDS), None) for s in needs]
        if all(f is not None for f in feeders):
            return name, str(feeders[-1])
    return None


def _converts(io: ToolIO, cue: str) -> bool:
    """Whether ``io`` is a converter of any kind, for a conversion cue (``convert_temperature(from_scale, ...)``)."""
    return cue in _CONVERTING and "convert" in name_words(io.name)


def _amount_out(io: ToolIO) -> bool:
    """Whether ``io`` outputs an amount (a real number that is no rate or count), such as an order's total."""
    return any(not o.inferred and o.type == "number" and o.kind == "number" and not o.words & _RATES for o in io.outputs)


def _takes_list(io: ToolIO) -> bool:
    return any(s.type == "array" for s in io.inputs if s.required)


def _takes_number(io: ToolIO) -> bool:
    return not _takes_list(io) and any(s.kind == "number" or s.type in ("number", "integer") for s in io.inputs if s.required)


def _gives(io: ToolIO, cue: str) -> bool:
    """Whether ``io`` already outputs the operation's result by name (``average_price`` for an average; a
    ``vat_percent`` is a rate, not a share taken of an amount)."""
    words = OPERATIONS.get(cue, frozenset()) if cue != "percent" else frozenset[str]()
    return any(not o.inferred and o.words & words for o in io.outputs)


def reporter(
    tools: Sequence[str], edges: Iterable[tuple[str, str]], candidates: dict[str, float], io_of: Callable[[str], ToolIO],
    values: RequestValues,
) -> tuple[str, str] | None:
    """(messenger, the finding it passes on) when the request asks to tell someone what the chain finds; else None.

    The messenger changes state, takes material to send and shares a word of its name or inputs with the
    request ("email", "channel"); no chosen tool may send material already. The finding is the last chosen
    tool that changes nothing, has declared outputs and feeds no other.
    """
    if "report" not in values.finish or any(_sends(io_of(t)) for t in tools):
        return None
    feeding = {p for p, _ in edges}
    findings = [t for t in tools if t not in feeding and not changes_state(io_of(t))
                and any(not o.inferred for o in io_of(t).outputs)]
    if not findings:
        return None
    fits = [(rel, name) for name, rel in candidates.items() if name not in tools and _sends(io_of(name))
            and (io_of(name).object_words | io_of(name).input_words) & values.words]
    return (max(fits)[1], findings[-1]) if fits else None


def _sends(io: ToolIO) -> bool:
    return bool(changes_state(io)) and any(s.required and is_payload(s) for s in io.inputs)
