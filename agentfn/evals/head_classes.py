"""Head-miss classes: why a one-tool request's forced-call head is not its gold tool.

:mod:`agentfn.evals.head_misses` says where gold ranks; this module says what kind of mistake the head is,
so a fix can aim at one class (:func:`miss_class`, first match wins):

* ``head``: no miss;
* ``abstain``: the plan selected nothing;
* ``absent``: gold is not in the plan's ranking (a retrieval miss);
* ``chain``: gold is the ranking's best but the selection runs another tool first;
* ``near_duplicate``: the head and gold are close twins: gold is scored within ``margin`` of the head and
  their tool vocabularies (name, description, parameters) overlap by at least ``overlap`` (Jaccard);
* ``fillable_outranked``: the request fills at least as much of gold's required input as of the head's
  (:func:`agentfn.router.dataflow.fill_score`), yet gold ranks behind;
* ``same_service``: the head is another tool of gold's own server (``airline__*`` for ``airline__*``);
* ``wrong_service``: the head is a tool of another server or vendor.

:func:`class_table` counts them per source for any ``route`` and ``fill`` (``fill(text, name)``, e.g.
:meth:`agentfn.router.Router.fill_score`); :func:`class_lines` renders the table as Markdown rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from agentfn.evals.head_check import HeadCase, PlanLike
from agentfn.router.calibration import tool_vocabulary
from agentfn.router.servers import server_of
from agentfn.router.text import ToolRecord

__all__ = ["CLASSES", "class_lines", "class_table", "miss_class"]

CLASSES = ("head", "abstain", "absent", "chain", "near_duplicate", "fillable_outranked", "same_service", "wrong_service")


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def miss_class(
    plan: PlanLike,
    gold: str,
    text: str,
    records: Mapping[str, ToolRecord],
    fill: Callable[[str, str], float],
    *,
    margin: float = 0.1,
    overlap: float = 0.25,
) -> str:
    """Which of :data:`CLASSES` a plan's head is for one gold tool (see the module docstring)."""
    if not plan.selected:
        return "abstain"
    head = plan.selected[0]
    if head == gold:
        return "head"
    scores = dict(plan.ranked)
    if gold not in scores:
        return "absent"
    if plan.ranked[0][0] == gold:
        return "chain"
    lead = scores.get(head, plan.ranked[0][1])
    if head in records and gold in records and lead - scores[gold] <= margin \
            and _jaccard(tool_vocabulary(records[head]), tool_vocabulary(records[gold])) >= overlap:
        return "near_duplicate"
    if head in records and fill(text, gold) >= fill(text, head):
        return "fillable_outranked"
    if server_of(head) and server_of(head) == server_of(gold):
        return "same_service"
    return "wrong_service"


def class_table(
    route: Callable[[str], PlanLike],
    cases: Iterable[HeadCase],
    records: Mapping[str, ToolRecord],
    fill: Callable[[str, str], float],
) -> dict[str, dict[str, int]]:
    """Per source (and ``all``), the count of each class of :data:`CLASSES`."""
    out: dict[str, dict[str, int]] = {}
    for case in cases:
        kind = miss_class(route(case.text), case.gold, case.text, records, fill)
        for source in (case.source, "all"):
            row = out.setdefault(source, {k: 0 for k in ("n", *CLASSES)})
            row["n"] += 1
            row[kind] += 1
    return dict(sorted(out.items(), key=lambda item: (item[0] == "all", item[0])))


def class_lines(tables: Mapping[str, Mapping[str, Mapping[str, int]]]) -> list[str]:
    """Markdown rows of :func:`class_table` results, one table per router name."""
    lines: list[str] = []
    for router, table in tables.items():
        lines += ["", f"`{router}`:", "", "| source | n | " + " | ".join(CLASSES) + " |", "|---|---|" + "---|" * len(CLASSES)]
        lines += [f"| {source} | {row['n']} | " + " | ".join(str(row[k]) for k in CLASSES) + " |" for source, row in table.items()]
    return lines
