"""`agentfn run --durable` killed with SIGKILL inside a tool call, then `agentfn runs resume`."""

from __future__ import annotations

import pytest

from .conftest import MODEL, TOOLS, Bench, run_id_from

pytestmark = pytest.mark.slow

RUN = ("--tools", TOOLS, "--model", MODEL, "--approve", "send_once")


def _start_and_kill(bench: Bench, store: str) -> str:
    """Run the agent durably, SIGKILL it inside its second tool call; return the run id."""
    bench.block.touch()
    proc = bench.start("run", "Compute it", "--durable", *RUN, "--store", store)
    bench.wait_for("second-start", proc=proc)
    stderr = bench.kill(proc)
    assert bench.count("first-start") == 1 and bench.count("second-start") == 1
    return run_id_from(stderr)


def test_killed_run_resumes_where_it_stopped(bench: Bench, store: str) -> None:
    run_id = _start_and_kill(bench, store)
    [pending] = bench.runs(store, "--pending")
    assert pending["run_id"] == run_id and pending["status"] == "PENDING"
    assert pending["executor_alive"] is False and pending["preview"] == "Compute it"

    bench.block.unlink()
    done = bench.run("runs", "resume", run_id, *RUN, "--store", store)
    assert done.returncode == 0, done.stderr
    assert "The answer is 41." in done.stdout
    # The first tool's recorded result was reused; only the interrupted call ran again.
    assert bench.count("first-start") == 1
    assert bench.count("second-start") == 2 and bench.count("second-end") == 1
    [finished] = bench.runs(store)
    assert finished["status"] == "SUCCESS" and finished["outcome"] == "answered"
    assert bench.runs(store, "--pending") == []

    again = bench.run("runs", "resume", run_id, *RUN, "--store", store, "--json")
    assert again.returncode == 0, again.stderr
    assert '"The answer is 41."' in again.stdout
    assert bench.count("second-start") == 2  # a finished run only reports its recorded answer


def test_resume_without_id_resumes_every_dead_run(bench: Bench, tmp_path: object) -> None:
    store = str(bench.root / "store" / "traces.db")
    run_id = _start_and_kill(bench, store)
    bench.block.unlink()
    done = bench.run("runs", "resume", *RUN, "--store", store, "--json")
    assert done.returncode == 0, done.stderr
    assert run_id in done.stdout and "The answer is 41." in done.stdout
    assert bench.count("first-start") == 1


def test_resume_needs_the_same_agent(bench: Bench) -> None:
    store = str(bench.root / "store" / "traces.db")
    run_id = _start_and_kill(bench, store)
    other = bench.run("runs", "resume", run_id, "--tools", "builtin", "--model", MODEL, "--store", store)
    assert other.returncode == 2
    assert "started by another agent" in other.stderr
    assert bench.count("second-start") == 1


def test_a_live_run_is_not_resumed_twice(bench: Bench) -> None:
    store = str(bench.root / "store" / "traces.db")
    bench.block.touch()
    proc = bench.start("run", "Compute it", "--durable", *RUN, "--store", store)
    try:
        bench.wait_for("second-start", proc=proc)
        [pending] = bench.runs(store, "--pending")
        assert pending["executor_alive"] is True
        busy = bench.run("runs", "resume", pending["run_id"], *RUN, "--store", store)
        assert busy.returncode == 2 and "still running" in busy.stderr
    finally:
        bench.block.unlink()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "The answer is 41." in out
    assert bench.count("second-start") == 1


@pytest.mark.parametrize("decision", ["report", "skip", "rerun"])
def test_interrupted_non_idempotent_call_is_not_silently_rerun(bench: Bench, decision: str) -> None:
    store = str(bench.root / "store" / "traces.db")
    bench.env["DURABLE_SECOND"] = "send_once"
    run_id = _start_and_kill(bench, store)
    bench.block.unlink()
    flags = {"report": (), "skip": ("--skip-interrupted",), "rerun": ("--rerun-interrupted",)}[decision]
    done = bench.run("runs", "resume", run_id, *RUN, "--store", store, *flags)
    if decision == "report":
        assert done.returncode == 1
        assert "send_once" in done.stderr and "not idempotent" in done.stderr
        assert bench.count("second-start") == 1
        [pending] = bench.runs(store, "--pending")  # still there, waiting for a decision
        assert pending["run_id"] == run_id
    elif decision == "skip":
        assert done.returncode == 0, done.stderr
        assert "did not complete" in done.stdout and "interrupted" in done.stdout
        assert bench.count("second-start") == 1
    else:
        assert done.returncode == 0, done.stderr
        assert "The answer is 41." in done.stdout
        assert bench.count("second-start") == 2
    assert bench.count("first-start") == 1
