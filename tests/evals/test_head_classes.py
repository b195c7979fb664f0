"""Head-miss classes and the near-duplicate set."""

from __future__ import annotations

from dataclasses import dataclass, field

from agentfn.evals.head_check import HeadCase
from agentfn.evals.head_classes import class_lines, class_table, miss_class
from agentfn.evals.near_dups import SOURCE, load_near_duplicates, near_duplicate_cases
from agentfn.router.text import ToolRecord


@dataclass
class _Plan:
    selected: list[str]
    ranked: list[tuple[str, float]] = field(default_factory=list[tuple[str, float]])


def _rec(name: str, description: str, *params: str) -> ToolRecord:
    props = {p: {"type": "number", "description": p} for p in params}
    return ToolRecord(name=name, description=description, parameters={"type": "object", "properties": props,
                                                                      "required": list(params)})


RECORDS = {r.name: r for r in [
    _rec("shapes.disc_area", "Area of a disc from its radius.", "radius"),
    _rec("disc_area_calc", "Area of a disc from its radius.", "radius"),
    _rec("box_volume", "Volume of a box.", "length", "width", "height"),
    _rec("shop__order_status", "Status of an order.", "order_id"),
    _rec("shop__cancel_order", "Cancel an order.", "order_id"),
    _rec("mail_send", "Send a mail to someone.", "recipient"),
]}


def _fill(text: str, name: str) -> float:
    return 1.0 if name.startswith(("shapes", "disc", "box")) else 0.0


def test_each_class_from_its_own_plan() -> None:
    text = "area of a disc with radius 2"
    gold = "shapes.disc_area"

    def cls(plan: _Plan) -> str:
        return miss_class(plan, gold, text, RECORDS, _fill)

    assert cls(_Plan([gold], [(gold, 0.9)])) == "head"
    assert cls(_Plan([])) == "abstain"
    assert cls(_Plan(["mail_send"], [("mail_send", 0.9)])) == "absent"
    assert cls(_Plan(["mail_send", gold], [(gold, 0.9), ("mail_send", 0.5)])) == "chain"
    assert cls(_Plan(["disc_area_calc"], [("disc_area_calc", 0.9), (gold, 0.88)])) == "near_duplicate"
    assert cls(_Plan(["mail_send"], [("mail_send", 0.9), (gold, 0.5)])) == "fillable_outranked"
    order = "shop__order_status"
    assert miss_class(_Plan(["shop__cancel_order"], [("shop__cancel_order", 0.9), ("mail_send", 0.6), (order, 0.4)]),
                      order, "where is order 7", RECORDS, lambda t, n: 0.0 if n == order else 1.0) == "same_service"
    assert miss_class(_Plan(["mail_send"], [("mail_send", 0.9), (order, 0.4)]), order, "where is order 7", RECORDS,
                      lambda t, n: 0.0 if n == order else 1.0) == "wrong_service"


def test_class_table_counts_per_source_and_all() -> None:
    cases = [HeadCase("a", "t1", "shapes.disc_area"), HeadCase("a", "t2", "box_volume"), HeadCase("b", "t3", "mail_send")]
    plans = {"t1": _Plan(["shapes.disc_area"], [("shapes.disc_area", 1.0)]), "t2": _Plan([]), "t3": _Plan(["box_volume"])}
    table = class_table(lambda t: plans[t], cases, RECORDS, _fill)
    assert list(table) == ["a", "b", "all"]
    assert (table["a"]["n"], table["a"]["head"], table["a"]["abstain"]) == (2, 1, 1)
    assert table["b"]["absent"] == 1 and table["all"]["n"] == 3
    assert any(line.startswith("| all | 3 |") for line in class_lines({"Router": table}))


def test_near_duplicate_set_is_consistent() -> None:
    data = load_near_duplicates()
    names = [t["name"] for t in data.tools]
    assert len(names) == len(set(names)) >= 60
    cases = near_duplicate_cases(data)
    assert len(cases) >= 40 and all(c.gold in names and c.source == SOURCE for c in cases)
    # written in near-duplicate groups with several naming styles
    assert any("." in n for n in names) and any("_" in n and "." not in n for n in names)
