"""Multi-query server agreement for long requests: the service a whole scenario is about.

A long, persona-style request ("You received order #W123 and want to exchange the keyboard ...
You are Yusuf Rossi in zip code 19122.") describes one situation at one service, in sentences that
each match something different: the back-story matches smart-home tools, the identity sentence a
user lookup, the ask an exchange tool. The tools it needs include lookups it never names (the
order's details before exchanging an item of it), which no sentence ranks high on its own. What the
sentences do share is the server (namespace, ``server__tool``) of their best tools.

:func:`server_votes` treats the whole request's ranking and each step's ranking (sentences and
clauses, asking or told, all from the request's one forward pass:
:mod:`agentfn.router.request_pass`) as voters. A voter gives each server the reciprocal-rank vote of
its best tool among the voter's top ``depth`` (1 for the first, 1/2 for the second ...). A server's
*agreement* is its summed votes less its single best vote, so a server only one voter likes gets
nothing, and every tool of a server that several voters like is lifted by ``weight * spread *
agreement`` (``spread``: the ranking's best score minus its ``spread_rank``-th). Inside a server the
tools keep their order; across servers, the agreed service's tools (its implied lookups included)
move above near-duplicates of other servers that only one sentence matched.

Reciprocal ranks, not raw step scores: a short clause matches some tool strongly whatever it says,
so step scores are not on the whole request's scale. Measured alternatives (per-tool reciprocal-rank
votes of the step rankings, without the server) moved nothing: the router's step lift already
fuses step tops by max (``benchmarks/results/long_request_ranks.md`` and the w39 report).

Guarantees: the input array itself is returned with fewer than two voters, ``weight <= 0``, one
server or none; otherwise a copy that lines up with ``fused``; removed tools (``-inf``) stay
``-inf``; un-namespaced tools (server id 0) are never lifted; no score goes down; no encoder pass.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from agentfn.router.index import FloatArray, IntArray
from agentfn.router.servers import top_finite

__all__ = ["RRF_C", "server_votes"]

RRF_C = 1.0
"""Reciprocal-rank constant: a voter's 2nd tool votes half its 1st's vote, the 3rd a third."""


def server_votes(fused: FloatArray, voters: Sequence[FloatArray], ids: IntArray, n_servers: int, weight: float,
                 depth: int = 5, spread_rank: int = 30) -> FloatArray:
    """``fused`` plus, for every tool of a server that several ``voters`` agree on, ``weight * spread *
    agreement`` (see the module docstring). ``voters`` and ``ids`` (server id per tool, 0: none) line
    up with ``fused``; ``n_servers`` bounds the ids."""
    if weight <= 0 or len(voters) < 2 or fused.shape[0] < 2 or n_servers <= 1:
        return fused
    ref = top_finite(fused, spread_rank)
    if ref.shape[0] < 2:
        return fused
    spread = float(fused[ref[0]] - fused[ref[-1]])
    if spread <= 0:
        return fused
    total = np.zeros(n_servers, dtype=np.float64)
    best = np.zeros(n_servers, dtype=np.float64)
    for v in voters:
        top = top_finite(v, depth)
        vote = np.zeros(n_servers, dtype=np.float64)
        np.maximum.at(vote, ids[top], RRF_C / (RRF_C + np.arange(top.shape[0], dtype=np.float64)))
        total += vote
        best = np.maximum(best, vote)
    agree = total - best
    agree[0] = 0.0
    hit = np.flatnonzero((agree[ids] > 0) & np.isfinite(fused))
    if hit.shape[0] == 0:
        return fused
    out = fused.copy()
    out[hit] += (weight * spread * agree[ids[hit]]).astype(np.float32)
    return out
