"""Math readings of words that are also commerce words: "the product of 7 and 6" is a multiplication.

"product", "sum", "total" and "difference" name shop things as often as arithmetic. When a
request (or one of its steps) writes an operation on numbers (:func:`~agentfn.router.steps.numeric_operation`),
the tool that does it takes numbers: a close candidate whose required inputs are all numeric wins
over one that wants a product id or a cart. Pure functions over :class:`~agentfn.router.dataflow.ToolIO`.

Guarantees: only the order of the first ``depth`` candidates changes, and only when the top tool
takes something other than numbers and a candidate there takes only numbers; otherwise ``ranked``
comes back as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from agentfn.router.dataflow import ToolIO

__all__ = ["NUMERIC_MARGIN", "numeric_head", "takes_numbers"]

NUMERIC_MARGIN = 0.25
"""How far (a step ranking's ``weighted`` shortfall) a number-taking runner may trail a top that takes no
numbers: wider than a plain runner's margin, since the step's written numbers cannot fill such a top at all."""


def takes_numbers(io: ToolIO) -> bool:
    """Whether every required input of ``io`` (every input, when none is required) is a number or a list of them."""
    slots = [s for s in io.inputs if s.required] or list(io.inputs)
    return bool(slots) and all(s.kind == "number" or (s.type == "array" and s.kind == "text") for s in slots)


def numeric_head(ranked: Sequence[tuple[str, float]], io_of: Callable[[str], ToolIO],
                 depth: int = 3) -> list[tuple[str, float]]:
    """``ranked`` with its best number-taking tool among the first ``depth`` moved to the top, when the
    top takes something else (a request that writes an operation on numbers; scores stay with their places)."""
    out = list(ranked)
    if not out or takes_numbers(io_of(out[0][0])):
        return out
    for i in range(1, min(depth, len(out))):
        if takes_numbers(io_of(out[i][0])):
            names = [out[i][0]] + [n for j, (n, _) in enumerate(out) if j != i]
            return [(n, s) for n, (_, s) in zip(names, out, strict=True)]
    return out
