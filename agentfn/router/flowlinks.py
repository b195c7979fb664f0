"""Links around a built chain: lookups that show what an action changes, and whether tools feed another.

:func:`inspectors` finds, for a chosen tool that changes something identified by an
id (``cancel_order(order_id)``), the lookup of its own service that shows that same
thing (``get_order(order_id)``). :func:`fed_by` says whether some tools fill every
input of another that the request leaves open (used to prefer a step's runner-up
that the chain feeds, :func:`~agentfn.router.selection.fed_runners`). Pure functions
of tools' inputs and outputs (:mod:`agentfn.router.dataflow`); no state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from agentfn.router.dataflow import IOSlot, RequestValues, ToolIO, flow_score, missing_inputs, slot_key
from agentfn.router.producers import changes_state, needs_same_input, service_affinity

__all__ = ["fed_by", "inspectors"]


def inspectors(chosen: Sequence[str], candidates: Sequence[str], io_of: Callable[[str], ToolIO]) -> list[str]:
    """Lookups among ``candidates`` that show what a chosen tool changes, by the same identifier.

    For every chosen tool that changes state (:func:`~agentfn.router.producers.changes_state`)
    and has a required id-like input, the first candidate of the same service
    (:func:`~agentfn.router.producers.service_affinity` 1.0) that changes nothing, takes
    that same input (same :func:`~agentfn.router.dataflow.slot_key`) as its only required
    one, and returns it among its outputs (the record itself: ``get_order(order_id)``
    for ``cancel_order(order_id)``). Best-ranked first; none twice; chosen tools excluded.
    """
    out: list[str] = []
    taken = set(chosen)
    for name in chosen:
        cio = io_of(name)
        if not changes_state(cio):
            continue
        keys = {slot_key(s.name) for s in cio.inputs if s.required and s.kind in ("id", "code")}
        for cand in candidates:
            if cand in taken or not keys:
                continue
            lio = io_of(cand)
            req = [slot_key(s.name) for s in lio.inputs if s.required]
            if changes_state(lio) or len(req) != 1 or req[0] not in keys or service_affinity(lio, cio) < 1.0:
                continue
            if not any(slot_key(o.name) == req[0] for o in lio.outputs):
                continue
            out.append(cand)
            taken.add(cand)
            keys.discard(req[0])
    return out


def fed_by(
    name: str, others: Sequence[str], io_of: Callable[[str], ToolIO], values: RequestValues, min_flow: float = 0.5
) -> bool | None:
    """Whether the tools ``others`` feed every required input of ``name`` the request leaves open.

    None when ``name`` has no open input (the request gives it all); True when each open
    input is filled by one of ``others`` (:func:`~agentfn.router.dataflow.flow_score` times
    :func:`~agentfn.router.producers.service_affinity` at least ``min_flow``); False otherwise.
    """
    need = missing_inputs(io_of(name), values)
    if not need:
        return None
    cio = io_of(name)

    def fills(o: str, slot: IOSlot) -> bool:
        oio = io_of(o)
        if needs_same_input(oio, slot, missing_inputs(oio, values)):
            return False  # it needs that value itself
        return flow_score(oio, slot) * service_affinity(oio, cio, values.squashed) >= min_flow

    return all(any(fills(o, slot) for o in others if o != name) for slot in need)
