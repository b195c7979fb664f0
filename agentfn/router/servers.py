"""Server coherence: tools of one server travel together.

An agent that mounts several MCP servers (or toolsets) sees their tools
namespaced ``server__tool`` (``workspace__search_calendar_events``). A
request's tools usually come from one server: when several of a server's
tools rank near the top, the request is about that server's domain, so its
other tools (the lookup that feeds the chosen action) are likelier than a
same-named tool of another server. :func:`server_boost` adds to each tool a
share of the support its server has among the top ``depth`` candidates (its
own score left out), in units of the ranking's spread, so one server's tools
stay together and near-duplicates from other servers fall behind them.
Un-namespaced tools get nothing.
"""

from __future__ import annotations

import numpy as np

from agentfn.router.index import FloatArray, IntArray, ToolIndex

__all__ = ["ServerGroups", "server_boost", "server_of", "top_finite"]

SEPARATOR = "__"


def server_of(name: str) -> str:
    """The server (namespace) part of ``server__tool``, or "" for an un-namespaced name."""
    head, sep, tail = name.partition(SEPARATOR)
    return head if sep and head and tail else ""


class ServerGroups:
    """Server id per slot of a :class:`ToolIndex` (0 = no server), rebuilt when the index changes."""

    def __init__(self, index: ToolIndex) -> None:
        self.index = index
        self._key: tuple[int, int] | None = None
        self._ids: IntArray = np.zeros(0, dtype=np.int64)
        self.count = 1

    def ids(self) -> IntArray:
        key = (self.index.version, self.index.n_slots)
        if key != self._key:
            names: dict[str, int] = {"": 0}
            ids = [names.setdefault(server_of(n), len(names)) if n is not None else 0 for n in self.index.slot_names]
            self._ids = np.asarray(ids, dtype=np.int64)
            self.count = len(names)
            self._key = key
        return self._ids


def top_finite(fused: FloatArray, k: int) -> IntArray:
    """Slots of the ``k`` best scores, best first (stable on ties), leaving out removed tools' ``-inf``.

    The best and the last of them span a ranking's spread, the unit of
    :func:`server_boost` and of :func:`agentfn.router.mood.mood_penalty`.
    """
    k = min(k, fused.shape[0])
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    cand = np.argpartition(-fused, k - 1)[:k]
    cand = cand[np.argsort(-fused[cand], kind="stable")]
    return cand[np.isfinite(fused[cand])]


def server_boost(fused: FloatArray, ids: IntArray, n_servers: int, weight: float, depth: int = 10,
                 spread_rank: int = 30) -> FloatArray:
    """``fused`` plus each tool's share of its server's support among the top ``depth`` tools.

    Support = the sum of the top tools' relevance (their score mapped to [0, 1]
    between the best and the ``spread_rank``-th), capped at 2, less the tool's
    own; the boost is ``weight * support / 2`` times the spread. ``ids`` line up
    with ``fused``.
    """
    n = fused.shape[0]
    if weight <= 0 or n < 2 or n_servers <= 1:
        return fused
    cand = top_finite(fused, spread_rank)
    if cand.shape[0] < 2:
        return fused
    hi, lo = float(fused[cand[0]]), float(fused[cand[-1]])
    span = hi - lo
    if span <= 0:
        return fused
    top = cand[:depth]
    rel = (fused[top].astype(np.float64) - lo) / span
    support = np.zeros(n_servers, dtype=np.float64)
    np.add.at(support, ids[top], rel)
    support[0] = 0.0
    hit = np.flatnonzero(support[ids] > 0)  # tools of a supported server
    if hit.shape[0] == 0:
        return fused
    unit = weight * span / 2.0
    out = fused.copy()
    out[hit] += (np.minimum(support[ids[hit]], 2.0) * unit).astype(np.float32)
    # The top tools' own relevance is not support for themselves.
    out[top] = fused[top] + (np.minimum(np.maximum(support[ids[top]] - rel, 0.0), 2.0) * unit).astype(np.float32)
    out[top[ids[top] == 0]] = fused[top[ids[top] == 0]]
    return out
