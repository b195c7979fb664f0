"""Real processes: a run killed mid-way keeps its completed steps; many writers lose nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agentfn.traces import TraceStore
from agentfn.traces.testing import ScriptedCall, scripted_run_events

HELPER = str(Path(__file__).with_name("_writer_proc.py"))
ROOT = str(Path(__file__).resolve().parents[2])


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


@pytest.mark.parametrize("writer", ["thread", "process"])
def test_killed_run_keeps_completed_steps(store_url: str, writer: str) -> None:
    TraceStore.open(store_url).close()
    proc = subprocess.Popen(
        [sys.executable, HELPER, "crash", store_url, writer], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=_env(),
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # the tool of step 3 is running (and hangs)
        assert line.strip() == "hanging", proc.stderr.read() if proc.stderr else ""
        # Steps are written as each one ends, not at the end of the run: 0..2 appear while it hangs.
        with TraceStore.open(store_url) as store:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                run = store.get_run("crash-run")
                if run is not None and len(run.steps) == 3:
                    break
                time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.communicate(timeout=30)  # reaps it and closes the pipes
    assert proc.returncode == -signal.SIGKILL
    with TraceStore.open(store_url) as store:
        run = store.get_run("crash-run")
        assert run is not None
        assert run.outcome is None  # it never ended
        assert [s.step for s in run.steps] == [0, 1, 2]
        assert all(s.complete for s in run.steps)
        assert [(c.name, c.status, c.arguments) for c in run.tool_calls] == [
            ("work", "ok", {"i": 0}), ("work", "ok", {"i": 1}), ("work", "ok", {"i": 2}),
        ]
        assert [r.id for r in store.list_runs(outcome="running")] == ["crash-run"]


@pytest.mark.stress
def test_20_writer_processes_x_500_runs_lose_nothing(store_url: str) -> None:
    procs, runs = 20, 500
    # The store is not created beforehand: twenty processes race to create it.
    started = time.monotonic()
    children = [
        subprocess.Popen(
            [sys.executable, HELPER, "bulk", store_url, str(runs), f"p{i:02d}"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(),
        )
        for i in range(procs)
    ]
    reports = []
    for child in children:
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))
    elapsed = time.monotonic() - started
    assert all(r["errors"] == 0 and r["dropped"] == 0 for r in reports), reports
    with TraceStore.open(store_url) as store:
        stats = store.stats()
        assert stats.runs == procs * runs
        assert stats.steps == procs * runs * 2
        assert stats.tool_calls == procs * runs
        assert stats.outcomes == {"answered": procs * runs}
        assert stats.agents == {f"p{i:02d}": runs for i in range(procs)}
        # every step row is present, not just the counters on the runs
        with store.engine.connect() as conn:
            n_steps = conn.exec_driver_sql("SELECT count(*) FROM steps").scalar()
        assert n_steps == procs * runs * 2
    print(f"\n{procs} processes x {runs} runs on {store_url.split(':')[0]}: {elapsed:.1f}s")


def test_writer_processes_lose_nothing(store_url: str) -> None:
    # The same guarantee with each recorder writing from its own child process.
    procs, runs = 4, 100
    children = [
        subprocess.Popen(
            [sys.executable, HELPER, "bulk", store_url, str(runs), f"w{i}", "process"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(),
        )
        for i in range(procs)
    ]
    for child in children:
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, err
        per_run = len(scripted_run_events([[ScriptedCall("search", {"q": "x"}, result="found")]]))
        assert json.loads(out.strip().splitlines()[-1]) == {"errors": 0, "dropped": 0, "written": runs * per_run}
    with TraceStore.open(store_url) as store:
        stats = store.stats()
        assert (stats.runs, stats.steps, stats.tool_calls) == (procs * runs, procs * runs * 2, procs * runs)
