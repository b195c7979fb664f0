"""Long agentic requests: the lookups behind the top few tools of a mounted server join the offered tools.

A long request written as a task ("You received your order ... and wish to exchange the keyboard ...
You are Yusuf Rossi in zip code 19122.") is served by one mounted server (tools namespaced
``server__tool``), and its action needs inputs the request does not give (``order_id``,
``payment_method_id``): the server's lookups that produce them run first. The selection
(:func:`agentfn.router.selection.select`) pulls the producers of the *chosen* tools only; when its steps
anchor on other tools, the action ranked second or third gets none, and its lookups stay far down the
ranking (ranks 10 to 50 on such requests).

:func:`head_producers` asks data flow (:func:`agentfn.router.chain.plan_flow`, the same rules as the
selection: id inputs only from outputs that carry ids, no self-feeding lookups) for the producers of each
of the top ``heads`` namespaced tools among the tools of its own server; the
router lifts them into the top 5 (:func:`agentfn.router.chain.lift_pulled`), after the selection's own.

Guarantees: nothing happens on a request shorter than ``min_words`` words (:data:`MIN_WORDS`; one-line
requests usually name each tool they need and may mix servers), or for un-namespaced tools (a user's own ``geocode`` and
``get_weather`` keep the selection's chains only); the returned names are registry tools of a head's own
server, each at most once, heads themselves left out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from agentfn.router.chain import plan_flow
from agentfn.router.dataflow import RequestValues, ToolIO
from agentfn.router.flowstats import FlowStats
from agentfn.router.servers import server_of

__all__ = ["HEADS", "MIN_WORDS", "head_producers"]

HEADS = 2
"""How many of the ranking's best tools are looked at as consumers."""
MIN_WORDS = 12
"""Shortest request (words) whose heads' lookups are lifted: a one-line request names what it needs."""


def head_producers(
    ranked: Sequence[tuple[str, float]],
    text: str,
    *,
    io_of: Callable[[str], ToolIO],
    values: RequestValues,
    relevance: dict[str, float],
    flow: FlowStats,
    min_flow: float,
    max_depth: int,
    members: Callable[[str], Sequence[str]],
    heads: int = HEADS,
    min_words: int = MIN_WORDS,
) -> list[str]:
    """Same-server producers of the open inputs of the top ``heads`` namespaced tools of ``ranked``
    (best consumer first), or ``[]`` when ``text`` has fewer than ``min_words`` words.

    ``members(head)`` lists the registry tools of ``head``'s server: they are the only candidates
    (with their ``relevance``, 0 when the ranking did not reach them), so the cost is bounded by the
    server's size, not the registry's."""
    if heads <= 0 or len(text.split()) < min_words:
        return []
    tops = [n for n, _ in ranked[:heads] if server_of(n)]
    out: list[str] = []
    for head in tops:
        own = {n: relevance.get(n, 0.0) for n in members(head)}
        _, _, pulled = plan_flow([head], io_of, values, own, flow, top=[head], min_flow=min_flow, max_depth=max_depth)
        server = server_of(head)
        out += [p for p in pulled if server_of(p) == server and p not in out and p not in tops]
    return out
