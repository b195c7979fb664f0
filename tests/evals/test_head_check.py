"""The head check: one-tool requests of every source, the generated set sampled, macro over foreign sources."""

from __future__ import annotations

from dataclasses import dataclass, field

from agentfn.evals.head_check import HeadCase, head_cases, head_rates
from agentfn.evals.router_data import RouterExample


def _ex(i: int, source: str, text: str, gold: list[str]) -> RouterExample:
    return RouterExample(id=f"{source}-{i}", source=source, text=text, gold=gold, kind="single" if len(gold) == 1 else "multi")


def test_cases_are_one_tool_requests_once_each_with_the_generated_set_sampled() -> None:
    examples = [
        _ex(1, "kitchen", "start the kettle", ["kettle_on"]),
        _ex(2, "kitchen", "start the kettle", ["kettle_on"]),  # the same request twice: once
        _ex(3, "kitchen", "boil water then pour a cup", ["kettle_on", "pour"]),  # two tools: left out
        *[_ex(10 + i, "generated", f"request {i}", [f"tool_{i}"]) for i in range(5)],
    ]
    cases = head_cases(examples, generated=2)
    assert [c for c in cases if c.source == "kitchen"] == [HeadCase("kitchen", "start the kettle", "kettle_on")]
    own = [c for c in cases if c.source == "generated"]
    assert len(own) == 2 and own == [c for c in head_cases(examples, generated=2) if c.source == "generated"]


@dataclass
class _Plan:
    selected: list[str]
    ranked: list[tuple[str, float]] = field(default_factory=list[tuple[str, float]])


def test_rates_average_the_foreign_sources_alike_and_keep_the_generated_apart() -> None:
    heads = {"start the kettle": "kettle_on", "pour a cup": "kettle_on", "dim the hall": "lights_dim",
             "send it": "mail_send"}
    cases = [HeadCase("kitchen", "start the kettle", "kettle_on"), HeadCase("kitchen", "pour a cup", "pour"),
             HeadCase("hall", "dim the hall", "lights_dim"), HeadCase("generated", "send it", "mail_draft")]

    def route(text: str) -> _Plan:
        return _Plan([heads[text]], [(heads[text], 1.0), ("pour", 0.5), ("mail_draft", 0.4)])

    rates = head_rates(route, cases)
    assert rates["sources"]["kitchen"]["head_is_gold"] == 0.5 and rates["sources"]["hall"]["head_is_gold"] == 1.0
    assert rates["macro"] == 0.75  # (0.5 + 1.0) / 2: each foreign source alike
    assert rates["foreign"] == round(2 / 3, 4)  # each foreign request alike
    assert rates["head_is_gold"] == 0.5 and rates["gold_offered"] == 1.0  # every case, the generated one too
