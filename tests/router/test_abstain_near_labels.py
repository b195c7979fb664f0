"""The near-domain abstention set labels "does not serve it" only where no offered tool serves any part of the request."""

from __future__ import annotations

from typing import Any

from agentfn.evals.router_data.near_abstain import labels, near_abstain_items, single_step
from agentfn.evals.router_data.records import RouterExample, RouterSource


def _spec(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "description": description, "parameters": {"type": "object", "properties": {}}}


TOOLS = [_spec(n, d) for n, d in [
    ("open_account", "Open a new bank account."), ("close_account", "Close a bank account."),
    ("send_payment", "Send a payment to an account."), ("account_balance", "Balance of an account."),
    ("list_payments", "List the payments of an account."), ("rename_account", "Rename a bank account."),
]]


def _source(name: str, examples: list[tuple[str, list[str], bool]]) -> RouterSource:
    exs = [RouterExample(id=f"{name}:{j}", source=name, text=t, gold=g, chain=g, kind="multi" if multi else "single",
                         split="test") for j, (t, g, multi) in enumerate(examples)]
    return RouterSource(name=name, family=name, package="p", version="1", licence="MIT", tools=TOOLS, examples=exs)


def test_multi_step_requests_get_no_near_domain_offers() -> None:
    src = _source("bank", [("open an account then send 5 dollars to it", ["open_account", "send_payment"], True),
                           ("what is left on my account", ["account_balance"], False)])
    items = near_abstain_items([src])
    assert {i.id.split("#")[0] for i in items} == {"bank:1"}
    assert single_step(src.examples[1]) and not single_step(src.examples[0])
    for it in items:  # every "abstain" offer lacks the gold tool; every "keep" offer has it
        assert it.should_abstain is ("account_balance" not in it.offered)


def test_scenario_sources_get_no_near_domain_offers() -> None:
    name = labels()["scenario_sources"][0]
    src = _source(name, [("what is left on my account", ["account_balance"], False)])
    assert near_abstain_items([src]) == []


def test_labelled_alternates_are_never_offered_as_not_serving() -> None:
    lab = labels()
    source, groups = next(iter(lab["alternates"].items()))
    group = groups[0]
    tools = [_spec(n, f"Tool {n}.") for n in [*group, "unrelated_tool_a", "unrelated_tool_b", "unrelated_tool_c"]]
    ex = RouterExample(id=f"{source}:x", source=source, text="do the thing", gold=[group[0]], chain=[group[0]],
                       kind="single", split="test")
    src = RouterSource(name=source, family=source, package="p", version="1", licence="MIT", tools=tools, examples=[ex])
    for it in near_abstain_items([src]):
        if it.should_abstain:
            assert not set(it.offered) & set(group)


def test_label_file_is_well_formed() -> None:
    lab = labels()
    for source, groups in lab["alternates"].items():
        assert all(len(g) >= 2 for g in groups), source
    for key, tools in lab["serves"].items():
        assert tools and ":" in key
