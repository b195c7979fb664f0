"""Head-miss classification: where gold ranks when the plan's head is not gold."""

from __future__ import annotations

from dataclasses import dataclass, field

from agentfn.evals.head_check import HeadCase
from agentfn.evals.head_misses import head_relation, miss_kind, miss_lines, miss_table


@dataclass
class _Plan:
    selected: list[str]
    ranked: list[tuple[str, float]] = field(default_factory=list[tuple[str, float]])


def _ranked(*names: str) -> list[tuple[str, float]]:
    return [(n, 1.0 - i / 10) for i, n in enumerate(names)]


def test_miss_kinds() -> None:
    assert miss_kind(_Plan(["a"], _ranked("a", "b")), "a") == "head"
    assert miss_kind(_Plan(["p", "a"], _ranked("a", "p")), "a") == "chain"
    assert miss_kind(_Plan(["b"], _ranked("b", "c", "a")), "a") == "offered"
    assert miss_kind(_Plan(["b"], _ranked("b", "c", "d", "e", "a")), "a") == "ranked"
    assert miss_kind(_Plan(["b"], _ranked("b")), "a") == "absent"
    assert miss_kind(_Plan([], _ranked("a")), "a") == "abstain"


def test_head_relation() -> None:
    assert head_relation("shop__get_order", "shop__cancel_order") == "same_server"
    assert head_relation("other__cancel_order", "shop__cancel_order") == "near_name"
    assert head_relation("radio__play_song", "shop__cancel_order") == "other"


def test_miss_table_counts_per_source() -> None:
    plans = {"cancel it": _Plan(["shop__get_order", "shop__cancel_order"], _ranked("shop__cancel_order", "shop__get_order")),
             "play": _Plan(["radio__play_song"], _ranked("radio__play_song"))}
    cases = [HeadCase("shop", "cancel it", "shop__cancel_order"), HeadCase("radio", "play", "radio__play_song")]
    table = miss_table(lambda text: plans[text], cases)
    assert table["shop"]["chain"] == 1 and table["shop"]["same_server"] == 1
    assert table["radio"]["head"] == 1 and table["radio"]["n"] == 1
    lines = miss_lines({"Router": table})
    assert any(line.startswith("| shop | 1 |") for line in lines)
