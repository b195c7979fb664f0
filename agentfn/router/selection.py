"""Selection: from a ranking to the combination of tools to run, in order.

:func:`select` picks the tools a request needs out of its ranked candidates:

1. *Anchors*: the best tool of every real step of the request (see
   :func:`agentfn.router.combine.segment`), or the overall best tool when the
   request is one step. A step's best tool that nothing else in the chain
   feeds gives way to a close runner of that step that the chain does feed
   (:func:`fed_runners`: "find a channel ... and post there" -> the channel
   message, not a web page post); a step that writes an operation on numbers
   takes a close runner that takes numbers (:func:`numeric_runners`: "the
   product of 4 and 5" is a multiplication, not a product lookup).
2. *Co-usage*: tools that traces show travelling with an anchor (``P(B | A)``
   at least ``co_usage_min``), if the request ranks them.
3. *Data flow* (:mod:`agentfn.router.dataflow`): a chosen tool whose required
   input the request does not give, but another tool produces, pulls that
   producer in (recursively), before it; the producer may come from the
   whole registry (``producers_of``), not only the request's candidates.

:func:`order_chain` then orders the chosen tools: producers before their
consumers, then the order traces show, then the request's own order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from agentfn.router.chain import plan_flow
from agentfn.router.combine import CoUsage
from agentfn.router.config import RouterConfig
from agentfn.router.dataflow import IOSlot, RequestValues, ToolIO
from agentfn.router.flowlinks import fed_by, inspectors
from agentfn.router.flowstats import FlowStats
from agentfn.router.mathread import NUMERIC_MARGIN, takes_numbers
from agentfn.router.mood import changes_state
from agentfn.router.text import ToolRecord

__all__ = ["Selection", "StepTop", "fed_runners", "numeric_runners", "order_chain", "reading_runners", "select"]


@dataclass(frozen=True)
class StepTop:
    """A real step of the request: its execution position, its best tool and that tool's score."""

    order: int
    name: str
    score: float
    runners: tuple[tuple[str, float], ...] = ()
    """The step's next-best tools with their score's shortfall behind ``name`` (the step ranking's
    ``weighted`` signal): a runner fed by the other steps' tools may replace a top fed by none."""
    reads: bool = False
    """The step asks to read (a question, :func:`~agentfn.router.mood.asks_to_read`): a close runner
    that changes nothing replaces a top that changes state (:func:`reading_runners`)."""
    numbers: bool = False
    """The step writes an operation on numbers (:func:`~agentfn.router.steps.numeric_operation`): a close
    runner that takes numbers replaces a top that takes something else (:func:`numeric_runners`)."""
    refers: bool = False
    """The step picks from an earlier step's list (:func:`~agentfn.router.steps.refers_to_earlier`): a runner
    the chain feeds may trail its top by up to :data:`~agentfn.router.mathread.NUMERIC_MARGIN` (:func:`fed_runners`)."""


@dataclass
class Selection:
    """What :func:`select` chose, with the edges it found (for tracing and tests)."""

    selected: list[str]
    edges: set[tuple[str, str]] = field(default_factory=set[tuple[str, str]])
    """``(producer, consumer)`` pairs: the producer's output fills an input of the consumer."""
    pulled: list[str] = field(default_factory=list[str])
    """Tools that joined only because another chosen tool needs their output."""
    shown: list[str] = field(default_factory=list[str])
    """Lookups not selected but worth showing: they read what a selected tool changes
    (:func:`~agentfn.router.flowlinks.inspectors`); they join the top 5 where room is left."""


def select(
    ranked: Sequence[tuple[str, float]],
    top_name: str,
    step_tops: Sequence[StepTop],
    floor: float,
    *,
    config: RouterConfig,
    co_usage: CoUsage,
    flow: FlowStats,
    io_of: Callable[[str], ToolIO],
    records: dict[str, ToolRecord],
    values: RequestValues,
    relevance: dict[str, float],
    producers_of: Callable[[IOSlot], Sequence[str]] | None = None,
) -> Selection:
    """The combination for one request (``ranked`` non-empty, the request not abstained).

    Args:
        ranked: the final ranking, best first.
        top_name: the overall best tool (used when the request is one step).
        step_tops: real steps, each with its best tool.
        floor: a step's tool joins when its step score is at least this.
        io_of: a tool's inputs and outputs by name.
        values: what the request itself gives (numbers, ids, codes, ...).
        relevance: candidate tools (beyond ``ranked`` too) with their relevance in [0, 1].
        producers_of: registry-wide producers of an open input, beyond ``relevance``
            (:class:`~agentfn.router.flowindex.ProducerIndex`).
    """
    real = [st for st in step_tops if st.score >= floor]
    if config.mood_weight > 0:
        real = reading_runners(real, config.step_runner_margin)
    real = numeric_runners(real, io_of, max(config.step_runner_margin, NUMERIC_MARGIN))

    def grow(steps: Sequence[StepTop]) -> tuple[list[str], set[tuple[str, str]], list[str], dict[str, int]]:
        positions: dict[str, int] = {}
        chosen: list[str] = []
        for st in sorted(steps, key=lambda s: s.order):
            if st.name not in positions:
                positions[st.name] = st.order
                chosen.append(st.name)
        if len(chosen) < 2:
            positions = {}
            chosen = [top_name]
        # Tools that traces show travelling with a chosen one, if this request ranks them.
        if co_usage.runs:
            offered = [n for n, _ in ranked]
            for a in list(chosen):
                for b in offered:
                    if b not in chosen and co_usage.p_with(a, b) >= config.co_usage_min:
                        chosen.append(b)
        if not config.flow_pull:
            return chosen, set(), [], positions
        top = [n for n, _ in ranked[: config.flow_consumer_rank]]
        tools, edges, pulled = plan_flow(
            chosen, io_of, values, relevance, flow, top=top, min_flow=config.flow_min, max_depth=config.flow_depth,
            more=producers_of,
        )
        return tools, edges, pulled, positions

    chosen, edges, pulled, positions = grow(real)
    if config.flow_pull and len(real) > 1:
        swapped = fed_runners(real, chosen, edges, io_of, values, config.step_runner_margin, config.flow_min)
        if swapped != real:
            chosen, edges, pulled, positions = grow(swapped)
    rank = {n: i for i, (n, _) in enumerate(ranked)}
    shown = inspectors(chosen, [n for n, _ in ranked[: config.inspect_depth]], io_of) if config.inspect_depth else []
    return Selection(order_chain(chosen, edges, positions, rank, co_usage), edges, pulled, shown)


def reading_runners(steps: Sequence[StepTop], margin: float) -> list[StepTop]:
    """``steps`` with a question's top that changes state replaced by its best reading runner within ``margin``.

    "has the parcel been delivered?" asks to read: ``track_parcel`` over ``schedule_pickup``
    when the step ranks them close (:mod:`agentfn.router.mood` does the same for one-step requests).
    """
    out = list(steps)
    for i, st in enumerate(out):
        if not st.reads or not changes_state(st.name):
            continue
        alt = next((n for n, gap in st.runners if gap <= margin and not changes_state(n)), None)
        if alt is not None:
            out[i] = StepTop(st.order, alt, st.score, st.runners, st.reads, st.numbers, st.refers)
    return out


def numeric_runners(steps: Sequence[StepTop], io_of: Callable[[str], ToolIO], margin: float) -> list[StepTop]:
    """``steps`` with an operation on numbers' top that takes no numbers replaced by its best runner within
    ``margin`` that does ("the product of 4 and 5": a multiplication, not a product lookup)."""
    out = list(steps)
    for i, st in enumerate(out):
        if not st.numbers or takes_numbers(io_of(st.name)):
            continue
        alt = next((n for n, gap in st.runners if gap <= margin and takes_numbers(io_of(n))), None)
        if alt is not None:
            out[i] = StepTop(st.order, alt, st.score, st.runners, st.reads, st.numbers, st.refers)
    return out


def fed_runners(
    steps: Sequence[StepTop],
    chain: Sequence[str],
    edges: set[tuple[str, str]],
    io_of: Callable[[str], ToolIO],
    values: RequestValues,
    margin: float,
    min_flow: float,
) -> list[StepTop]:
    """``steps`` with a step's top replaced by a runner that the rest of the chain feeds.

    ``chain`` and ``edges`` are what data flow grew from the steps' tops; the *rest* of the
    chain, for one step, leaves out its top and the producers pulled in only for it. A
    step's top with an open input no tool of the rest fills (``post_webpage(url)`` for "post there the
    question", after finding a channel) gives way to its best runner within ``margin``
    (``weighted`` shortfall) whose open inputs the rest of the chain all fills
    (``send_channel_message(channel)``, a channel lookup in the chain): the request's
    steps hand their results on ("the details of the first one", a step that refers to an earlier list, lets
    a runner trail by up to :data:`~agentfn.router.mathread.NUMERIC_MARGIN`). A top the request fills by itself,
    or one the rest feeds, stays.
    """
    out = list(steps)
    for i, st in enumerate(out):
        names = {t.name for j, t in enumerate(out) if j != i}
        if st.name in names or not st.runners:
            continue
        only_for_top = {p for p, c in edges if c == st.name and p not in names}
        if not st.refers:  # a step that picks from an earlier list takes that list from the other steps alone
            only_for_top -= {p for p, c in edges if c != st.name}
        rest = [t for t in chain if t != st.name and t not in only_for_top]
        if fed_by(st.name, rest, io_of, values, min_flow) is not False:
            continue
        for alt, gap in st.runners:
            if gap <= (max(margin, NUMERIC_MARGIN) if st.refers else margin) and alt not in names and fed_by(alt, rest, io_of, values, min_flow):
                out[i] = StepTop(st.order, alt, st.score, st.runners, st.reads, st.numbers, st.refers)
                break
    return out


def order_chain(
    names: Sequence[str],
    edges: set[tuple[str, str]],
    positions: dict[str, int],
    rank: dict[str, int],
    co: CoUsage,
) -> list[str]:
    """Order chosen tools: data-flow edges first, then trace order, then request order, then rank.

    A producer pulled in for another tool takes the earliest request position of the tools it feeds.

    A topological sort (Kahn) over the flow edges; among the tools free to run
    next, the one that traces run earliest (most order votes against the
    others), then the earliest request position, then the best rank goes first.
    A cycle (two tools feeding each other) is broken the same way.
    """
    todo = list(dict.fromkeys(names))
    inside = set(todo)
    preds: dict[str, set[str]] = {n: {p for p, c in edges if c == n and p in inside and p != n} for n in todo}
    far = 1 << 30
    # A tool pulled in for another one's input has no place of its own in the request: it takes the
    # earliest place of the tools it feeds, so it runs right before them, not after every other step.
    place = dict(positions)
    for _ in range(len(todo)):
        changed = False
        for p, c in edges:
            if p in inside and p not in positions and c in place and place[c] < place.get(p, far):
                place[p] = place[c]
                changed = True
        if not changed:
            break

    def key(n: str, pool: list[str]) -> tuple[int, int, int, str]:
        votes = sum(co.order_vote(n, m) for m in pool if m != n)
        return (-votes, place.get(n, far), rank.get(n, far), n)

    out: list[str] = []
    while todo:
        free = [n for n in todo if not (preds[n] & set(todo))] or todo
        nxt = min(free, key=lambda n: key(n, todo))
        out.append(nxt)
        todo.remove(nxt)
    return out
