from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from agentfn.traces import TraceRecorder, TraceStore
from agentfn.traces.cli import parse_time, register
from agentfn.traces.testing import ScriptedCall, scripted_run_events

from .test_jsonl import records

runner = CliRunner()


@pytest.fixture
def app() -> typer.Typer:
    root = typer.Typer()

    @root.callback()
    def main() -> None:
        """agentfn (test root)."""

    register(root)
    return root


@pytest.fixture
def filled(store_url: str) -> str:
    with TraceStore.open(store_url) as store:
        rec = TraceRecorder(store)
        for e in scripted_run_events(
            [[ScriptedCall("get_weather", {"city": "Paris"}, result="sunny"),
              ScriptedCall("book", "{oops", status="invalid_arguments", error="bad json")]],
            run_id="run-weather-1", agent_name="trip", route=True,
        ):
            rec.handle(e)
        for e in scripted_run_events([[ScriptedCall("search", {"q": "x"})]], run_id="run-search-1", outcome="limit",
                                     answer=None):
            rec.handle(e)
        rec.close()
    return store_url


def test_list_and_filters(app: typer.Typer, filled: str) -> None:
    res = runner.invoke(app, ["traces", "list", "--store", filled, "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert {d["id"] for d in data} == {"run-weather-1", "run-search-1"}
    res = runner.invoke(app, ["traces", "list", "--store", filled, "--json", "--tool", "search"])
    assert [d["id"] for d in json.loads(res.stdout)] == ["run-search-1"]
    res = runner.invoke(app, ["traces", "list", "--store", filled, "--json", "--outcome", "answered"])
    assert [d["id"] for d in json.loads(res.stdout)] == ["run-weather-1"]
    res = runner.invoke(app, ["traces", "list", "--store", filled, "--json", "--since", "1h"])
    assert json.loads(res.stdout) == []  # scripted runs are from 2023
    res = runner.invoke(app, ["traces", "list", "--store", filled])
    assert res.exit_code == 0 and "run-weather-1" in res.stdout and "2 run(s)" in res.stdout
    res = runner.invoke(app, ["traces", "list", "--store", filled, "--since", "yesterday-ish"])
    assert res.exit_code != 0 and "neither an age" in res.output


def test_show_tree_and_json(app: typer.Typer, filled: str) -> None:
    res = runner.invoke(app, ["traces", "show", "run-weather", "--store", filled])  # unique prefix
    assert res.exit_code == 0, res.output
    out = res.stdout
    for needle in ("run-weather-1", "step 0", "✓ get_weather", '{"city": "Paris"}', "→ sunny", "✗ book", "invalid_arguments",
                   "route:", "user: What is the weather in Paris?", "assistant: Done."):
        assert needle in out, needle
    res = runner.invoke(app, ["traces", "show", "run-weather-1", "--store", filled, "--json"])
    assert json.loads(res.stdout)["id"] == "run-weather-1"
    res = runner.invoke(app, ["traces", "show", "run-", "--store", filled])
    assert res.exit_code == 1 and "ambiguous" in res.output
    res = runner.invoke(app, ["traces", "show", "nope", "--store", filled])
    assert res.exit_code == 1 and "no run" in res.output


def test_stats_and_feedback(app: typer.Typer, filled: str) -> None:
    res = runner.invoke(app, ["traces", "feedback", "run-weather-1", "--score", "1", "--note", "great", "--store", filled])
    assert res.exit_code == 0, res.output
    assert "feedback 1 recorded" in res.stdout
    res = runner.invoke(app, ["traces", "feedback", "missing", "--score", "1", "--store", filled])
    assert res.exit_code == 1 and "no run" in res.output
    res = runner.invoke(app, ["traces", "stats", "--store", filled, "--json"])
    st = json.loads(res.stdout)
    assert st["runs"] == 2 and st["outcomes"] == {"answered": 1, "limit": 1} and st["feedback_runs"] == 1
    assert {t["name"]: t["failed"] for t in st["tools"]} == {"get_weather": 0, "book": 1, "search": 0}
    res = runner.invoke(app, ["traces", "stats", "--store", filled])
    assert res.exit_code == 0 and "get_weather" in res.stdout and "2 run(s)" in res.stdout
    res = runner.invoke(app, ["traces", "show", "run-weather-1", "--store", filled])
    assert "feedback 1 great" in res.stdout


def test_import_export_round_trip(app: typer.Typer, store_url: str, tmp_path: Path) -> None:
    recs = records()
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join([json.dumps(recs[0]), "{bad", json.dumps(recs[1]), json.dumps(recs[2])]) + "\n")
    res = runner.invoke(app, ["traces", "import", str(src), "--store", store_url])
    assert res.exit_code == 0, res.output
    assert "imported 3 run(s)" in res.stdout and "line 2:" in res.stderr
    res = runner.invoke(app, ["traces", "import", str(src), "--store", store_url, "--strict", "--json"])
    assert res.exit_code == 1 and json.loads(res.stdout)["errors"][0]["line"] == 2
    res = runner.invoke(app, ["traces", "export", "--store", store_url, "--agent", "import"])
    assert res.exit_code == 0
    back = [json.loads(x) for x in res.stdout.splitlines()]
    assert back == recs + recs
    out = tmp_path / "o.parquet"
    res = runner.invoke(app, ["traces", "export", "--format", "parquet", "--out", str(out), "--store", store_url,
                              "--tool", "convert"])
    assert res.exit_code == 0 and "exported 4 run(s)" in res.stdout
    assert pq.read_table(out).num_rows == 4
    res = runner.invoke(app, ["traces", "export", "--format", "parquet", "--store", store_url])
    assert res.exit_code == 2 and "--out" in res.output  # usage errors exit 2, as the README says
    res = runner.invoke(app, ["traces", "import", str(tmp_path / "missing.jsonl"), "--store", store_url])
    assert res.exit_code == 2 and "no such file" in res.output


def test_upgrade_command(app: typer.Typer, tmp_path: Path) -> None:
    from .test_migrations import make_v1_store

    path = str(tmp_path / "old.db")
    make_v1_store(path)
    res = runner.invoke(app, ["traces", "upgrade", "--store", path])
    assert res.exit_code == 0 and "from schema 0001 to 0002" in res.stdout
    res = runner.invoke(app, ["traces", "upgrade", "--store", path])
    assert "up to date" in res.stdout


def test_default_store_from_env(app: typer.Typer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTFN_TRACE_STORE", str(tmp_path / "env.db"))
    res = runner.invoke(app, ["traces", "stats", "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["runs"] == 0
    assert (tmp_path / "env.db").exists()


def test_parse_time() -> None:
    assert parse_time("2h", now=10_000.0) == 10_000.0 - 7200
    assert parse_time("7d", now=1e6) == 1e6 - 7 * 86400
    assert parse_time("2024-01-02T00:00:00+00:00") == 1704153600.0
    assert parse_time(None) is None


@pytest.mark.parametrize("columns", [60, 80, 100, 200])
def test_list_fits_the_terminal_without_empty_columns(app: typer.Typer, store_url: str, columns: int) -> None:
    # Before: at 80 columns four columns collapsed to empty bars (┃┃┃┃) and lines overflowed.
    ids = [f"{i:032x}" for i in (0xABC, 0xDEF, 0x123)]
    with TraceStore.open(store_url) as store:
        rec = TraceRecorder(store)
        for i, rid in enumerate(ids):
            events = scripted_run_events(
                [[ScriptedCall("get_weather", {"city": "Paris"}), ScriptedCall("convert_units", {"value": 3})]],
                run_id=rid, request=f"request number {i}: " + "what is the weather like in Paris today " * 3,
            )
            for e in events:
                rec.handle(e)
        rec.close()
    res = runner.invoke(app, ["traces", "list", "--store", store_url], env={"COLUMNS": str(columns)})
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert max(len(line) for line in lines) <= columns
    assert all(rid in res.stdout for rid in ids)  # ids whole: `show` and `feedback` take them
    header = next(line for line in lines if "id" in line and "┃" in line)
    assert "┃┃" not in header and "outcome" in header
    cells = [c.strip() for c in header.strip("┃ ").split("┃")]
    assert all(cells), header  # every shown column has its header
    if columns >= 80:
        assert "request" in header and "started" in header
    if columns >= 200:
        assert all(col in header for col in ("agent", "steps", "tools called", "feedback"))
