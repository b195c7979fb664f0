"""Selecting single-step call cases from the foreign routing benchmark's gold calls."""

from __future__ import annotations

from types import ModuleType

from agentfn.evals.calls import match_arguments
from agentfn.evals.foreign_calls import foreign_call_cases, stated_in
from agentfn.evals.router_data import RouterExample


def _ex(i: int, source: str, text: str, calls: list[dict[str, object]]) -> RouterExample:
    return RouterExample(id=f"{source}:{i}", source=source, text=text, gold=[str(c["name"]) for c in calls],
                         chain=[str(c["name"]) for c in calls], calls=calls, kind="single")


def test_stated_in_strings_numbers_and_lists() -> None:
    text = "Email 'Hi there' to mark@x.com about order #W12, the 100 most recent ones."
    assert stated_in({"to": ["MARK@x.com"], "body": "hi   there"}, text)
    assert stated_in({"n": 100}, text)
    assert stated_in({"order": "#W12"}, text)
    assert not stated_in({"n": 50}, text)  # a number the request does not write
    assert not stated_in({"city": "Paris"}, text)
    assert not stated_in({"flag": True}, text)  # booleans are never written as such
    assert not stated_in({}, text)  # nothing to copy


def test_cases_keep_only_stated_first_calls_and_wrap_values() -> None:
    examples = [
        _ex(1, "a", "Read 'notes.txt' please", [{"name": "read_file", "arguments": {"path": "notes.txt"}}]),
        _ex(2, "a", "What is my balance?", [{"name": "balance", "arguments": {}}]),
        _ex(3, "a", "Send to 'bob@x.com'", [{"name": "send", "arguments": {"to": ["bob@x.com"]}},
                                            {"name": "log", "arguments": {"x": "unstated"}}]),
        _ex(4, "b", "Find flights from Paris", [{"name": "flights", "arguments": {"origin": "Lyon"}}]),
        _ex(5, "a", "Read 'notes.txt' please", [{"name": "read_file", "arguments": {"path": "notes.txt"}}]),  # same text
    ]
    cases = foreign_call_cases(examples)
    assert [(c.source, c.case.id) for c in cases] in ([("a", "a:1"), ("a", "a:3")], [("a", "a:3"), ("a", "a:1")])
    send = next(c for c in cases if c.case.id == "a:3")
    assert send.gold.name == "send"
    # a list value is one acceptable value, not a list of options
    assert send.gold.arguments == {"to": [["bob@x.com"]]}
    assert match_arguments(send.gold.arguments, {"to": ["bob@x.com"]}, {}) == []
    assert match_arguments(send.gold.arguments, {"to": "bob@x.com"}, {}) != []


def test_per_source_cap_is_deterministic() -> None:
    examples = [_ex(i, "s", f"Read 'f{i}.txt'", [{"name": "read", "arguments": {"path": f"f{i}.txt"}}]) for i in range(20)]
    first = [c.case.id for c in foreign_call_cases(examples, per_source=5)]
    again = [c.case.id for c in foreign_call_cases(list(reversed(examples)), per_source=5)]
    assert len(first) == 5 and first == again
    assert [c.case.id for c in foreign_call_cases(examples, per_source=5, seed=1)] != first


def _bench() -> ModuleType:
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "foreign_calls_bench.py"
    spec = importlib.util.spec_from_file_location("foreign_calls_bench_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_selects_sources_and_limits_deterministically() -> None:
    bench = _bench()
    examples = [_ex(i, "ha" if i % 2 else "tau", f"Read 'f{i}.txt'", [{"name": "read", "arguments": {"path": f"f{i}.txt"}}])
                for i in range(30)]
    cases = foreign_call_cases(examples)
    only_ha = bench._select(cases, "ha", None, 0)
    assert {c.source for c in only_ha} == {"ha"} and len(only_ha) == 15
    assert len(bench._select(cases, "all", None, 0)) == 30
    first = [c.case.id for c in bench._select(cases, "ha,tau", 7, 0)]
    again = [c.case.id for c in bench._select(list(reversed(cases)), "ha,tau", 7, 0)]
    assert len(first) == 7 and sorted(first) == sorted(again)  # the same cases whatever the input order
    assert sorted(first) != sorted(c.case.id for c in bench._select(cases, "ha,tau", 7, 1))


def test_bench_page_shows_routing_per_source() -> None:
    bench = _bench()
    rows = [{"id": f"x{i}", "source": "ha" if i < 3 else "tau", "gold": "t", "outcome": "right" if i % 2 else "wrong_tool",
             "called": ["t"], "problems": [], "gold_offered": True, "latency_s": 1.0} for i in range(5)]
    results = {"a": {"label": bench.ARMS["a"], "wall_s": 1.0, "rows": rows, "extractive": False}}
    routing = {name: {"n": 5, "head_is_gold": 0.4, "gold_offered": 0.8,
                      "sources": {"ha": {"n": 3, "head_is_gold": 0.333, "gold_offered": 1.0},
                                  "tau": {"n": 2, "head_is_gold": 0.5, "gold_offered": 0.5}}}
               for name in ("Router", "SlotRouter")}
    data = {"machine": {}, "model": "m", "backend": "b", "registry_tools": 10, "unreadable_specs": 0, "route_k": 40,
            "cases": 5, "eligible_cases": 9, "per_source": None, "limit": 5, "sources": "all", "seed": 0,
            "cached_model_answers": 0, "routing": routing, "arms": results, "summary": bench.summarise(results)}
    page = bench.render_markdown(data)
    assert "at most 5 in all" in page and "| ha | 3 | 0.333 | 0.333 |" in page
    assert "| ha | 3 | 0.333 |" in page and "| tau | 2 | 0.500 |" in page
    assert page == bench.render_markdown(data)


def test_single_call_keeps_requests_answered_by_one_call() -> None:
    examples = [
        _ex(1, "a", "Read 'notes.txt' please", [{"name": "read_file", "arguments": {"path": "notes.txt"}}]),
        _ex(2, "a", "Send to 'bob@x.com'", [{"name": "send", "arguments": {"to": ["bob@x.com"]}},
                                            {"name": "log", "arguments": {"x": "y"}}]),
    ]
    assert [c.case.id for c in foreign_call_cases(examples, single_call=True)] == ["a:1"]
    assert len(foreign_call_cases(examples)) == 2
