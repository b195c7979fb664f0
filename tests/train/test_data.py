"""Traces -> training examples, leak-free splits, hard-negative mining, batching (no model needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentfn.exceptions import UserError
from agentfn.router.router import Router
from agentfn.traces import TraceStore, run_from_openai
from agentfn.traces.records import Run, Step, ToolCallRecord
from agentfn.train.data import (
    Example,
    examples_from_runs,
    fingerprint,
    load_runs,
    normalize_request,
    split_examples,
)
from agentfn.train.encoder import EncoderRow, make_batches
from agentfn.train.mining import mine_rows


def run(rid: str, request: str, calls: list[tuple[str, str | None]], *, outcome: str = "answered",
        feedback: float | None = None) -> Run:
    from agentfn.messages import UserMessage

    records = [ToolCallRecord(step=i, index=0, call_id=f"c{i}", name=n, raw_arguments="{}", status=s)
               for i, (n, s) in enumerate(calls)]
    steps = [Step(step=i, time=0.0, tool_calls=[c]) for i, c in enumerate(records)]
    return Run(id=rid, started_at=float(len(rid)), input_messages=[UserMessage(content=request)], outcome=outcome,
               steps=steps, feedback_score=feedback)


def test_normalize_request_collapses_trivial_differences() -> None:
    assert normalize_request("  Send Ann an E-mail!! ") == normalize_request("send ann an e mail")
    assert normalize_request("Café") == normalize_request("cafe")
    assert normalize_request("send mail") != normalize_request("send email")


def test_examples_keep_successes_in_order_and_turn_failures_into_negatives() -> None:
    runs = [
        run("a", "weather then mail", [("get_weather", "ok"), ("send_mail", "ok"), ("get_weather", "ok")]),
        run("b", "who is user 12", [("lookup_user", "invalid_arguments"), ("lookup_user", "ok")]),  # retried away
        run("c", "convert money", [("send_mail", "error"), ("convert", "ok")]),  # wrong tool tried first
        run("d", "hello there", []),  # answered without tools: a no-tool example
        run("e", "broken", [("x", "ok")], outcome="error"),
        run("f", "rated bad", [("send_mail", "ok")], feedback=-1.0),
        run("g", "rated good", [("convert", "ok")], feedback=1.0),
        run("h", "", [("convert", "ok")]),
    ]
    examples, counts = examples_from_runs(runs)
    by_id = {e.run_id: e for e in examples}
    assert by_id["a"].tools == ["get_weather", "send_mail"] and by_id["a"].negatives == []
    assert by_id["b"].tools == ["lookup_user"] and by_id["b"].negatives == []
    assert by_id["c"].tools == ["convert"] and by_id["c"].negatives == ["send_mail"]
    assert by_id["d"].tools == []
    assert by_id["f"].weight == 0.0 and by_id["f"].tools == [] and by_id["f"].negatives == ["send_mail"]
    assert by_id["g"].weight == 2.0
    assert "e" not in by_id and "h" not in by_id
    assert counts == {"runs": 8, "kept": 6, "no_tool": 1, "negative_feedback": 1, "excluded": 2}


def test_split_is_by_run_and_never_leaks_duplicates() -> None:
    examples = [Example(f"r{i}", f"Request number {i % 40}{'!' if i % 2 else ''}", ["t"]) for i in range(200)]
    split = split_examples(examples, seed=1)
    keys = [{e.key for e in part} for part in (split.train, split.dev, split.test)]
    assert not (keys[0] & keys[1]) and not (keys[0] & keys[2]) and not (keys[1] & keys[2])
    assert sum(split.sizes().values()) == 200 and all(split.sizes().values())
    again = split_examples(list(reversed(examples)), seed=1)
    assert [e.run_id for e in again.test] == [e.run_id for e in split.test]  # order-independent, deterministic
    other = split_examples(examples, seed=2)
    assert {e.key for e in other.test} != keys[2]


def test_fingerprint_changes_with_data_and_settings() -> None:
    ex = [Example("a", "x", ["t"])]
    assert fingerprint(ex, {"epochs": 1}) == fingerprint(list(ex), {"epochs": 1})
    assert fingerprint(ex, {"epochs": 1}) != fingerprint(ex, {"epochs": 2})
    assert fingerprint(ex) != fingerprint([Example("a", "x", ["u"])])


def test_load_runs_reads_jsonl_and_stores(tmp_path: Path) -> None:
    rec = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps(rec) + "\n\n" + json.dumps(rec) + "\n")
    runs = load_runs(path)
    assert [r.request for r in runs] == ["hi", "hi"] and runs[0].id != runs[1].id
    assert [r.id for r in load_runs(path)] == [r.id for r in runs]  # stable ids: stable splits
    store = TraceStore.open(tmp_path / "s.db")
    store.add_runs([run_from_openai(rec)])
    store.close()
    assert len(load_runs(tmp_path / "s.db")) == 1
    assert len(load_runs(f"sqlite:///{tmp_path / 's.db'}")) == 1
    path.write_text("{not json\n")
    with pytest.raises(UserError, match=r"t.jsonl:1"):
        load_runs(path)
    with pytest.raises(UserError, match="does not exist"):
        load_runs(tmp_path / "missing.db")


TOOLS = [
    {"name": "gmail_send_email", "description": "Send an email with Gmail.", "parameters": {"type": "object"}},
    {"name": "outlook_send_email", "description": "Send an email with Outlook.", "parameters": {"type": "object"}},
    {"name": "slack_send_message", "description": "Send a chat message on Slack.", "parameters": {"type": "object"}},
    {"name": "get_weather", "description": "Current weather for a city.", "parameters": {"type": "object"}},
    {"name": "convert_currency", "description": "Convert money between currencies.", "parameters": {"type": "object"}},
]


def test_mining_prefers_trace_failures_then_router_mistakes_and_lexical_neighbours() -> None:
    router = Router.build(TOOLS, encoder=None)
    ex = Example("a", "send an email to Ann with Gmail", ["gmail_send_email"], negatives=["slack_send_message"])
    rows = mine_rows(router, [ex], negatives=2)
    assert len(rows) == 1 and rows[0].positive == "gmail_send_email"
    assert rows[0].negatives == ("slack_send_message", "outlook_send_email")
    assert rows[0].positive_text.startswith("gmail send email") and len(rows[0].negative_texts) == 2
    multi = Example("b", "weather in Paris and convert 20 USD", ["get_weather", "convert_currency"])
    rows = mine_rows(router, [multi], negatives=1)
    assert [r.positive for r in rows] == ["get_weather", "convert_currency"]
    assert all(n not in ("get_weather", "convert_currency") for r in rows for n in r.negatives)
    assert mine_rows(router, [Example("c", "x", ["not_in_registry"])]) == []


def test_batches_never_repeat_a_request_or_a_tool() -> None:
    rows = [EncoderRow(f"q{i % 7}", f"t{i % 5}", "", (f"t{(i + 1) % 5}",), ("",)) for i in range(40)]
    batches = make_batches(rows, batch_size=4, seed=0)
    assert sorted(id(r) for b in batches for r in b) == sorted(id(r) for r in rows)
    for b in batches:
        tools = [t for r in b for t in (r.positive, *r.negatives)]
        assert len(tools) == len(set(tools)) and len({r.anchor for r in b}) == len(b) and len(b) <= 4
    assert [[r.anchor for r in b] for b in make_batches(rows, 4, 0)] == [[r.anchor for r in b] for b in batches]
