from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from agentfn.exceptions import TraceStoreError
from agentfn.traces import (
    TraceRecorder,
    TraceStore,
    export_jsonl,
    export_parquet,
    import_jsonl,
    run_to_openai,
)
from agentfn.traces.testing import ScriptedCall, scripted_run_events

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
CONVERT = {"type": "function", "function": {"name": "convert", "parameters": {"type": "object", "properties": {}}}}


def records() -> list[dict[str, Any]]:
    """Lines covering what the format carries, including fields our typed messages do not model."""
    return [
        {
            "messages": [
                {"role": "system", "content": "You are helpful."},
                {"role": "user", "content": "Weather in Paris in F?"},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
                    ],
                },
                {"role": "tool", "tool_call_id": "call_1", "name": "get_weather", "content": '{"temp": 21}'},
                {
                    "role": "assistant",
                    "content": "Converting.",
                    "tool_calls": [
                        {"id": "c2", "type": "function", "function": {"name": "convert", "arguments": '{"c": 21}'}},
                        {"id": "c3", "type": "function", "function": {"name": "get_weather", "arguments": "{bad json"}},
                    ],
                },
                {"role": "tool", "tool_call_id": "c2", "content": "69.8"},  # no "name": restored as absent
                {"role": "tool", "tool_call_id": "c3", "name": "get_weather", "content": "invalid arguments"},
                {"role": "assistant", "content": "It is 69.8F in Paris.", "weight": 1},
            ],
            "tools": [WEATHER, CONVERT],
        },
        # multi-turn, unicode, content parts, an extra top-level key, no tools key
        {
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": "Bonjour "}, {"type": "text", "text": "été ☀"}]},
                {"role": "assistant", "content": "Salut !"},
                {"role": "user", "content": "encore"},
                {"role": "assistant", "content": "", "weight": 0},
            ],
            "parallel_tool_calls": False,
        },
        # ends on a tool call (incomplete conversation), tools empty
        {
            "messages": [
                {"role": "developer", "content": "dev prompt"},
                {"role": "user", "content": "go"},
                {"role": "assistant", "tool_calls": [{"id": "x", "type": "function", "function": {"name": "convert", "arguments": {"c": 1}}}]},
            ],
            "tools": [],
        },
    ]


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_round_trip_is_lossless(store: TraceStore, tmp_path: Path) -> None:
    recs = records()
    src = write_lines(tmp_path / "in.jsonl", [json.dumps(r, ensure_ascii=False) for r in recs])
    report = import_jsonl(store, src)
    assert report.errors == [] and report.imported == 3 and report.skipped == 0
    out = tmp_path / "out.jsonl"
    assert export_jsonl(store, out) == 3
    back = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert back == recs
    # and once more through the store: still identical
    store2 = TraceStore.open(tmp_path / "second.db")
    import_jsonl(store2, out)
    again = io.StringIO()
    export_jsonl(store2, again)
    assert [json.loads(x) for x in again.getvalue().splitlines()] == recs
    store2.close()


def test_imported_runs_carry_what_the_trainer_needs(store: TraceStore, tmp_path: Path) -> None:
    src = write_lines(tmp_path / "in.jsonl", [json.dumps(records()[0])])
    report = import_jsonl(store, src)
    run = store.get_run(report.run_ids[0])
    assert run is not None and run.source == "import" and run.outcome == "answered"
    assert run.request == "Weather in Paris in F?"
    assert [c.name for c in run.tool_calls] == ["get_weather", "convert", "get_weather"]
    assert run.tool_calls[0].arguments == {"city": "Paris"}
    assert run.tool_calls[2].arguments is None  # malformed argument text is kept raw
    assert run.tool_calls[2].raw_arguments == "{bad json"
    assert [t.name for t in run.tools] == ["get_weather", "convert"]
    assert run.tools[0].spec == WEATHER
    assert [r.id for r in store.list_runs(tool="convert")] == [run.id]


def test_malformed_lines_are_reported_and_skipped(store: TraceStore, tmp_path: Path) -> None:
    good = json.dumps(records()[0])
    lines = [
        good,
        "{not json",
        "[1, 2]",
        json.dumps({"tools": []}),
        json.dumps({"messages": []}),
        json.dumps({"messages": [{"role": "wizard", "content": "x"}]}),
        json.dumps({"messages": [{"role": "tool", "content": "no id"}]}),
        json.dumps({"messages": ["hello"]}),
        json.dumps({"messages": [{"role": "user", "content": "hi"}], "tools": [{"type": "function"}]}),
        json.dumps({"messages": [{"role": "user", "content": "hi"}], "tools": "nope"}),
        "",
        good,
    ]
    report = import_jsonl(store, write_lines(tmp_path / "bad.jsonl", lines))
    assert report.imported == 2
    assert [n for n, _ in report.errors] == [2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert report.skipped == 9
    msgs = dict(report.errors)
    assert "not valid JSON" in msgs[2]
    assert "not a JSON object" in msgs[3]
    assert "messages" in msgs[4]
    assert "wizard" in msgs[6]
    assert "tool_call_id" in msgs[7]
    assert "no function name" in msgs[9]
    assert store.count_runs() == 2


def test_store_failure_mid_import_keeps_earlier_batches(tmp_path: Path) -> None:
    store = TraceStore.open(tmp_path / "t.db")
    good = json.dumps(records()[0])
    src = write_lines(tmp_path / "in.jsonl", [good] * 25)

    class FailingAfter:
        """The real store, which goes down after two batches."""

        def __init__(self, inner: TraceStore) -> None:
            self.inner, self.calls = inner, 0

        def write(self, ops: Any) -> None:
            self.calls += 1
            if self.calls > 2:
                raise TraceStoreError("disk full")
            self.inner.write(ops)

    with pytest.raises(TraceStoreError, match="after 20 record"):
        import_jsonl(FailingAfter(store), src, batch_size=10)  # type: ignore[arg-type]
    assert store.count_runs() == 20
    store.close()


def test_agent_runs_export_as_chat_records(store: TraceStore) -> None:
    rec = TraceRecorder(store)
    for e in scripted_run_events([[ScriptedCall("get_weather", {"city": "Oslo"}, result="cold")]], run_id="ag"):
        rec.handle(e)
    rec.close()
    run = store.get_run("ag")
    assert run is not None
    record = run_to_openai(run)
    assert [m["role"] for m in record["messages"]] == ["system", "user", "assistant", "tool", "assistant"]
    assert record["messages"][2]["tool_calls"][0]["function"] == {"name": "get_weather", "arguments": '{"city": "Oslo"}'}
    assert record["tools"] == [{"type": "function", "function": {"name": "get_weather"}}]


def test_parquet_export_matches_jsonl(store: TraceStore, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    recs = records()
    import_jsonl(store, write_lines(tmp_path / "in.jsonl", [json.dumps(r) for r in recs]))
    assert export_parquet(store, tmp_path / "out.parquet") == 3
    table = pq.read_table(tmp_path / "out.parquet").to_pylist()
    rebuilt = []
    for row in table:
        rec: dict[str, Any] = {"messages": json.loads(row["messages"])}
        if row["tools"] is not None:
            rec["tools"] = json.loads(row["tools"])
        rec.update(json.loads(row["extra"] or "{}"))
        rebuilt.append(rec)
    assert rebuilt == recs
    assert table[0]["tools_called"] == ["get_weather", "convert", "get_weather"]
    assert table[0]["request"] == "Weather in Paris in F?"
    assert export_parquet(store, tmp_path / "empty.parquet", agent="nobody") == 0
    assert pq.read_table(tmp_path / "empty.parquet").num_rows == 0


def test_run_from_openai_gives_the_rows_import_writes(tmp_path: Path) -> None:
    from agentfn.traces import _codec as codec
    from agentfn.traces.jsonl import _parse_record, _record_ops, run_from_openai

    for rec in records():
        run = run_from_openai(rec, run_id="x", started_at=1.0)
        via_run = codec.run_to_ops(run)
        direct = _record_ops(_parse_record(rec, None, {}), "x", 1.0, "import")
        assert len(via_run) == len(direct)
        for a, b in zip(via_run, direct, strict=True):
            assert type(a) is type(b)
            row_a, row_b = dict(a.row), dict(b.row)  # type: ignore[union-attr]
            for row in (row_a, row_b):
                row.pop("arguments", None)
                row.pop("model_output", None)  # imports keep it only as the first new message
            assert row_a == row_b
            if hasattr(a, "calls"):
                for ca, cb in zip(a.calls, b.calls, strict=True):  # type: ignore[union-attr]
                    assert json.loads(ca.pop("arguments") or "null") == json.loads(cb.pop("arguments") or "null")
                    assert ca == cb


def test_store_refusing_one_record_skips_only_that_line(tmp_path: Path) -> None:
    """A record the database rejects is reported by line; the rest of its batch is stored."""
    store = TraceStore.open(tmp_path / "t.db")
    with store.engine.begin() as conn:  # a constraint standing in for e.g. a too-long value on PostgreSQL
        conn.exec_driver_sql(
            "CREATE TRIGGER no_bad BEFORE INSERT ON tool_calls WHEN NEW.name = 'forbidden'"
            " BEGIN SELECT RAISE(ABORT, 'forbidden tool'); END"
        )
    bad = {"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "tool_calls": [
        {"id": "1", "type": "function", "function": {"name": "forbidden", "arguments": "{}"}}]}]}
    good = records()[0]
    src = write_lines(tmp_path / "in.jsonl", [json.dumps(good), json.dumps(bad), json.dumps(good)])
    report = import_jsonl(store, src)
    assert report.imported == 2 and [n for n, _ in report.errors] == [2]
    assert "forbidden tool" in report.errors[0][1]
    assert store.count_runs() == 2
    store.close()


def test_agent_runs_with_tool_specs_export_them(store: TraceStore) -> None:
    """When RunStart carries the specs (metadata["tool_specs"]), export writes them in full."""
    events = scripted_run_events([[ScriptedCall("get_weather", {"city": "Oslo"})]], run_id="spec", tools=["get_weather"])
    start = events[0]
    start.metadata["tool_specs"] = [WEATHER]  # type: ignore[union-attr]
    rec = TraceRecorder(store)
    for e in events:
        rec.handle(e)
    rec.close()
    run = store.get_run("spec")
    assert run is not None and "tool_specs" not in run.metadata
    assert run_to_openai(run)["tools"] == [WEATHER]


def test_parsing_in_worker_processes_gives_the_same_store(tmp_path: Path) -> None:
    good = [json.dumps(r, ensure_ascii=False) for r in records()]
    lines = [*good * 400, "{not json", "", "[1, 2]", *good]  # several chunks, bad lines at the end
    src = write_lines(tmp_path / "many.jsonl", lines)
    reports = {}
    for workers in (0, 2):
        with TraceStore.open(tmp_path / f"w{workers}.db") as store:
            report = import_jsonl(store, src, workers=workers, batch_size=97)
            out = io.StringIO()
            export_jsonl(store, out)
            reports[workers] = (report.imported, report.skipped, report.errors, out.getvalue().splitlines())
    assert reports[0] == reports[2]
    imported, skipped, errors, exported = reports[2]
    assert (imported, skipped) == (len(good) * 401, 2)
    assert [n for n, _ in errors] == [len(good) * 400 + 1, len(good) * 400 + 3]
    assert [json.loads(x) for x in exported[: len(good)]] == records()  # file order kept


def test_a_failing_worker_is_reported(tmp_path: Path) -> None:
    from agentfn.traces._workers import map_in_workers

    with pytest.raises(RuntimeError, match="worker process failed: ZeroDivisionError"):
        list(map_in_workers("operator:truediv", [1, 2, 3], (0,), workers=2))
    assert list(map_in_workers("operator:add", [1, 2, 3, 4, 5], (10,), workers=2)) == [11, 12, 13, 14, 15]
