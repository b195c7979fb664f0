"""Selecting single-step call cases from the foreign routing benchmark's gold calls."""

from __future__ import annotations

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
