"""Why a multi-step request's ``selected`` misses its gold chain: one class per miss, counted per source.

:func:`classify` compares a :class:`~agentfn.router.config.RoutePlan` with the
gold chain and names every way it falls short (a request may fall short in
several ways at once):

* ``exact``: ``selected`` equals the gold chain (nothing else is reported);
* ``abstained``: the router abstained, or selected nothing;
* ``order``: the same tools, in another order;
* ``producer_missing``: a gold tool that feeds a later gold tool (it comes
  before another gold tool and only reads: ``get_*``, ``list_*``...) is not
  selected; ``producer_outside_top5`` when it is not in the top 5 either;
* ``consumer_missing``: a gold tool that is not such a lookup (the action the
  request asks for, or the last step) is not selected; split by where it
  ranks: ``consumer_rank_2_3``, ``consumer_rank_4_10`` or
  ``consumer_outside_top10``;
* ``extra``: ``selected`` holds a tool the gold chain does not.

Guarantees: pure functions over names; :func:`tally` counts the classes per
source in the order of :data:`CLASSES`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from agentfn.router.producers import READS
from agentfn.router.text import split_name

__all__ = ["CLASSES", "classify", "is_lookup", "tally"]

CLASSES = ("exact", "abstained", "order", "producer_missing", "producer_outside_top5", "consumer_missing",
           "consumer_rank_2_3", "consumer_rank_4_10", "consumer_outside_top10", "extra")


def is_lookup(name: str) -> bool:
    """Whether a tool name's first verb only reads (``get_user_details``, ``list_files``, ``searchFlights``)."""
    words = split_name(name.rpartition("__")[2] or name)
    return bool(words) and words[0].lower() in READS


def classify(selected: Sequence[str], ranked: Sequence[str], gold: Sequence[str], abstain: bool = False) -> list[str]:
    """The classes (of :data:`CLASSES`) of one request's miss; ``["exact"]`` when ``selected == gold``."""
    sel, gold = list(selected), list(gold)
    if sel == gold:
        return ["exact"]
    if abstain or not sel:
        return ["abstained"]
    out: list[str] = []
    if set(sel) == set(gold):
        return ["order"]
    pos = {n: i for i, n in enumerate(ranked)}
    for i, g in enumerate(gold):
        if g in sel:
            continue
        feeds_later = i < len(gold) - 1 and is_lookup(g)
        if feeds_later:
            out.append("producer_missing")
            if pos.get(g, 99) >= 5:
                out.append("producer_outside_top5")
        else:
            out.append("consumer_missing")
            r = pos.get(g, 99)
            out.append("consumer_rank_2_3" if r < 3 else "consumer_rank_4_10" if r < 10 else "consumer_outside_top10")
    if set(sel) - set(gold):
        out.append("extra")
    return list(dict.fromkeys(out))


def tally(rows: Iterable[tuple[str, list[str]]]) -> dict[str, dict[str, int]]:
    """``(source, classes)`` rows -> per source, how many requests fell in each class (``requests``: all)."""
    per: dict[str, Counter[str]] = {}
    for source, classes in rows:
        c = per.setdefault(source, Counter())
        c["requests"] += 1
        c.update(classes)
    return {s: {"requests": c["requests"], **{k: c[k] for k in CLASSES}} for s, c in sorted(per.items())}
