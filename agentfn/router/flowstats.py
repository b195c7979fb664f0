"""Data flow learned from traces: which producer filled which input, and which inputs come from results.

A :class:`FlowLink` says that a call's argument held a value found in an
earlier call's result (see :func:`agentfn.traces.flow.argument_sources`).
:class:`FlowStats` counts them per tool pair, per (input name, output field)
pair (which carries over to tools never traced, by name), and per input name
the share of calls whose value came from a result rather than the user.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from agentfn.router.dataflow import IOSlot, ToolIO, slot_key

__all__ = ["FlowLink", "FlowStats"]


@dataclass(frozen=True)
class FlowLink:
    """One traced data flow: ``consumer``'s argument ``param`` held a value from ``producer``'s result."""

    producer: str
    consumer: str
    param: str
    field: str = ""
    """The producer's result field the value was found under ("" when unknown)."""


class FlowStats:
    """Data flow learned from traces: producer -> consumer links, and which inputs come from results."""

    def __init__(self) -> None:
        self.pairs: dict[tuple[str, str], int] = {}
        self.from_result: dict[str, list[int]] = {}
        """slot key -> [calls whose value came from an earlier result, calls seen]."""
        self.field_pairs: dict[tuple[str, str], int] = {}
        """(input key, output key) -> count: generalises to tools never traced."""

    def fit(self, links: Iterable[FlowLink], calls: Iterable[tuple[str, Sequence[str]]] = ()) -> None:
        """Add traced links, and every traced call as ``(tool, argument names)`` (for the from-result shares)."""
        linked: dict[tuple[str, str], int] = {}
        for ln in links:
            self.pairs[(ln.producer, ln.consumer)] = self.pairs.get((ln.producer, ln.consumer), 0) + 1
            linked[(ln.consumer, ln.param)] = linked.get((ln.consumer, ln.param), 0) + 1
            if ln.field:
                fk = (slot_key(ln.param), slot_key(ln.field))
                self.field_pairs[fk] = self.field_pairs.get(fk, 0) + 1
        for tool, params in calls:
            for p in params:
                row = self.from_result.setdefault(slot_key(p), [0, 0])
                row[1] += 1
                if linked.get((tool, p), 0) > 0:
                    row[0] += 1
                    linked[(tool, p)] -= 1

    def share_from_result(self, slot: IOSlot, min_calls: int = 3) -> float | None:
        row = self.from_result.get(slot_key(slot.name))
        if row is None or row[1] < min_calls:
            return None
        return row[0] / row[1]

    def boost(self, src: ToolIO, dst_tool: str, slot: IOSlot) -> float:
        """A learned flow score for ``src -> slot`` (0 when traces say nothing)."""
        if self.pairs.get((src.name, dst_tool), 0) > 0:
            return 1.0
        key = slot_key(slot.name)
        best = 0
        for out in src.outputs:
            best = max(best, self.field_pairs.get((key, slot_key(out.name)), 0))
        return 0.9 if best >= 2 else 0.0

    @property
    def empty(self) -> bool:
        return not self.pairs and not self.from_result

    def to_json(self) -> dict[str, Any]:
        return {
            "pairs": [[a, b, n] for (a, b), n in sorted(self.pairs.items())],
            "fields": [[a, b, n] for (a, b), n in sorted(self.field_pairs.items())],
            "from_result": {k: v for k, v in sorted(self.from_result.items())},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FlowStats:
        st = cls()
        st.pairs = {(str(a), str(b)): int(n) for a, b, n in data.get("pairs", [])}
        st.field_pairs = {(str(a), str(b)): int(n) for a, b, n in data.get("fields", [])}
        st.from_result = {str(k): [int(v[0]), int(v[1])] for k, v in data.get("from_result", {}).items()}
        return st

    def forget(self, name: str) -> None:
        self.pairs = {k: v for k, v in self.pairs.items() if name not in k}
