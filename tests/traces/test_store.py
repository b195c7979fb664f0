from __future__ import annotations

import time

import pytest

from agentfn.exceptions import TraceStoreError
from agentfn.traces import TraceRecorder, TraceStore
from agentfn.traces.testing import ScriptedCall, scripted_run_events


def record(store: TraceStore, *runs: list) -> None:
    rec = TraceRecorder(store, redact=None)
    for events in runs:
        for e in events:
            rec.handle(e)
    assert rec.flush(30)
    rec.close()
    assert rec.errors == 0


def test_recorded_run_reads_back_with_steps_calls_and_order(store: TraceStore) -> None:
    events = scripted_run_events(
        [
            [ScriptedCall("get_weather", {"city": "Paris"}, result='{"temp": 21}')],
            [ScriptedCall("get_weather", "{not json", status="invalid_arguments", error="bad json"),
             ScriptedCall("convert", {"c": 21}, result="69.8F")],
        ],
        route=True,
        run_id="run-a",
    )
    record(store, events)
    run = store.get_run("run-a")
    assert run is not None
    assert run.outcome == "answered"
    assert run.request == "What is the weather in Paris?"
    assert [s.step for s in run.steps] == [0, 1, 2]
    assert all(s.complete for s in run.steps)
    assert run.successful_tools() == ["get_weather", "convert"]
    failed = run.failed_calls()
    assert len(failed) == 1 and failed[0].status == "invalid_arguments" and failed[0].raw_arguments == "{not json"
    assert failed[0].arguments is None and failed[0].error == "bad json"
    assert run.tool_calls[0].arguments == {"city": "Paris"}
    assert run.tool_calls[0].content == '{"temp": 21}'
    assert len(run.routes) == 3 and run.routes[0].ranked[0][0] == "convert"
    assert {t.name for t in run.tools} == {"convert", "get_weather"}
    assert run.usage.input_tokens == 150 and run.usage.tool_calls == 3
    assert run.steps[-1].model_output is not None and run.steps[-1].model_output.content == "Done."
    # the whole conversation is rebuilt from the starting messages and each step's new messages
    assert [m.role for m in run.messages()] == ["system", "user", "assistant", "tool", "assistant", "tool", "tool", "assistant"]
    assert run.output == "Done."


def test_filters_and_listing(store: TraceStore) -> None:
    t0 = time.time()
    record(
        store,
        scripted_run_events([[ScriptedCall("search", {"q": "x"})]], run_id="r1", start=t0 - 100, agent_name="a"),
        scripted_run_events([[ScriptedCall("email", {"to": "y"})]], run_id="r2", start=t0 - 50, agent_name="b"),
        scripted_run_events([], run_id="r3", start=t0 - 10, outcome="limit", answer=None, agent_name="a"),
    )
    assert [r.id for r in store.list_runs()] == ["r3", "r2", "r1"]
    assert [r.id for r in store.list_runs(tool="search")] == ["r1"]
    assert [r.id for r in store.list_runs(outcome="limit")] == ["r3"]
    assert [r.id for r in store.list_runs(agent="a")] == ["r3", "r1"]
    assert [r.id for r in store.list_runs(since=t0 - 60)] == ["r3", "r2"]
    assert [r.id for r in store.list_runs(until=t0 - 60)] == ["r1"]
    assert [r.id for r in store.list_runs(limit=1)] == ["r3"]
    assert store.count_runs(agent="a") == 2
    assert [r.id for r in store.iter_runs(batch_size=1)] == ["r1", "r2", "r3"]
    assert all(r.steps for r in store.iter_runs(tool="email"))
    assert store.resolve_run_id("r2") == "r2"
    with pytest.raises(TraceStoreError, match="ambiguous"):
        store.resolve_run_id("r")
    with pytest.raises(TraceStoreError, match="no run"):
        store.resolve_run_id("zz")


def test_feedback_and_stats(store: TraceStore) -> None:
    record(
        store,
        scripted_run_events([[ScriptedCall("search", {"q": "x"}), ScriptedCall("search", status="error", error="boom")]],
                            run_id="r1"),
        scripted_run_events([[ScriptedCall("email", {"to": "y"})]], run_id="r2"),
    )
    fb = store.add_feedback("r1", 1, "good")
    store.add_feedback("r1", -1, "changed my mind")
    assert fb.score == 1.0
    run = store.get_run("r1")
    assert run is not None and run.feedback_score == -1.0
    assert [(f.score, f.note) for f in run.feedback] == [(1.0, "good"), (-1.0, "changed my mind")]
    assert [r.id for r in store.list_runs(min_feedback=0)] == []
    with pytest.raises(TraceStoreError, match="no run"):
        store.add_feedback("missing", 1)
    stats = store.stats()
    assert stats.runs == 2 and stats.outcomes == {"answered": 2}
    assert stats.feedback_runs == 1 and stats.mean_feedback == -1.0
    by_name = {t.name: t for t in stats.tools}
    assert by_name["search"].calls == 2 and by_name["search"].ok == 1 and by_name["search"].failed == 1
    assert by_name["email"].ok == 1
    assert stats.tool_calls == 3


def test_default_path_and_env_override(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTFN_HOME", str(tmp_path / "home"))
    with TraceStore.open() as s:
        assert s.dialect == "sqlite"
    assert (tmp_path / "home" / "traces.db").exists()
    monkeypatch.setenv("AGENTFN_TRACE_STORE", str(tmp_path / "other.db"))
    with TraceStore.open() as s:
        assert "other.db" in s.label
    assert (tmp_path / "other.db").exists()


def test_sqlite_is_wal(tmp_path) -> None:
    with TraceStore.open(tmp_path / "t.db") as s, s.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_sqlite_page_cache_is_small(tmp_path) -> None:
    # The page cache fills as the file grows and is never given back: with 32 MiB per connection a
    # recording process grew ~2 MB per 1,000 runs until it was full (tests/stress/test_trace_soak.py).
    with TraceStore.open(tmp_path / "t.db") as s, s.engine.connect() as conn:
        cache = int(conn.exec_driver_sql("PRAGMA cache_size").scalar() or 0)
    assert -8192 <= cache < 0  # KiB: at most 8 MiB


def test_run_end_in_the_same_batch_or_a_later_one(store: TraceStore) -> None:
    # A run whose start and end are written together is inserted with its final values; one whose
    # end comes in a later batch is updated. Both read back the same.
    same = scripted_run_events([[ScriptedCall("ping", {"n": 1}, result="pong")]], run_id="same", reason="r1")
    later = scripted_run_events([[ScriptedCall("ping", {"n": 2}, result="pong")]], run_id="later", outcome="limit",
                                reason="r2")
    rec = TraceRecorder(store, redact=None)
    for e in [*same, *later[:-1]]:
        rec.handle(e)
    assert rec.flush(30)
    assert store.get_run("later").outcome is None  # still running
    rec.handle(later[-1])
    assert rec.flush(30)
    rec.close()
    assert rec.errors == 0
    for run_id, outcome, reason in (("same", "answered", "r1"), ("later", "limit", "r2")):
        run = store.get_run(run_id)
        assert run is not None
        assert (run.outcome, run.reason, run.step_count, run.usage.tool_calls) == (outcome, reason, 2, 1)
        assert run.usage.input_tokens == 100 and run.latency_s is not None and run.ended_at is not None
        assert run.successful_tools() == ["ping"]


def test_unopenable_store_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(TraceStoreError, match="cannot open trace store"):
        TraceStore.open("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    with pytest.raises(TraceStoreError):
        TraceStore.open("mysql://x@127.0.0.1:1/none")
