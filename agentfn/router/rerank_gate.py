"""How far the learned re-ranker may move a request's candidates: by how much traces cover them.

Traces teach about the tools (and the tool families: ``server__`` namespaces)
they used. On a request whose candidates come from families no trace came
from, what the re-ranker learned is a guess; there the router's cold-start
order is kept. A *gate* (one of :data:`GATES`, chosen while fitting and saved
in the re-ranker's weights under :data:`GATE_KEY`) says how:

* ``all``: the re-ranker orders every candidate (no gate);
* ``coverage``: the re-ranker's order and the cold-start order are blended per
  request in proportion to the request's *coverage*, the rank-weighted share of
  its candidates whose family traces used (:func:`coverage`): 0 keeps the
  cold-start order exactly, 1 is the re-ranker's order;
* ``slots``: only candidates of traced families move, among the places they
  hold in the cold-start order; every other candidate keeps its place. A tool
  of an untraced family therefore keeps its exact rank.

Guarantees: with ``coverage`` or ``slots``, a request none of whose candidates
belongs to a traced family is ranked exactly as without the re-ranker; with
``slots`` so is every candidate of an untraced family, on any request.
"""

from __future__ import annotations

from collections.abc import Sequence

from agentfn.router.servers import server_of

__all__ = ["GATES", "GATE_KEY", "coverage", "family_of", "gate_of", "gated_order"]

GATES = ("all", "coverage", "slots")
GATE_KEY = "gate"
"""Key of the re-ranker's weights holding the gate's index in :data:`GATES` (absent: ``all``)."""


def family_of(tool: str) -> str:
    """The family a tool belongs to: its ``server__`` namespace, else the tool itself."""
    return server_of(tool) or tool


def gate_of(weights: dict[str, float]) -> str:
    """The gate saved in re-ranker weights (``all`` when none is)."""
    i = int(weights.get(GATE_KEY, 0.0))
    return GATES[i] if 0 <= i < len(GATES) else GATES[0]


def coverage(traced: Sequence[bool]) -> float:
    """Rank-weighted share (weight ``1 / (1 + rank)``) of candidates, best first, whose family is traced."""
    weights = [1.0 / (1 + r) for r in range(len(traced))]
    total = sum(weights)
    return sum(w for w, t in zip(weights, traced, strict=True) if t) / total if total else 0.0


def gated_order(scores: Sequence[float], traced: Sequence[bool], gate: str) -> list[int]:
    """Positions of candidates (given in cold-start order, with re-ranker ``scores``) in their new order."""
    n = len(scores)
    learned = sorted(range(n), key=lambda i: (-scores[i], i))
    if gate == "all" or n == 0:
        return learned
    if gate == "slots":
        movers = [i for i in learned if traced[i]]
        it = iter(movers)
        return [next(it) if traced[i] else i for i in range(n)]
    c = coverage(traced)
    if c <= 0.0:
        return list(range(n))
    if c >= 1.0:
        return learned
    new_rank = {i: r for r, i in enumerate(learned)}
    blend = [(1 - c) / (1 + i) + c / (1 + new_rank[i]) for i in range(n)]
    return sorted(range(n), key=lambda i: (-blend[i], i))
