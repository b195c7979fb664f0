"""The trace store fails under a running agent: locked by another connection, full, read-only.

In every case the agent's runs complete with their normal outcome and nothing raises into them; the
recorder counts and logs what it could not store; what it did store stays readable. A process killed
mid-run is covered by ``tests/traces/test_processes.py::test_killed_run_keeps_completed_steps`` (a real
subprocess SIGKILLed while a tool hangs: the steps that completed are in the store, the run has no outcome).

The full and read-only cases need root (a tmpfs mount, ``chattr +i``: root ignores file modes) and are
skipped without it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agentfn import Agent, TestModel, tool
from agentfn.traces import TraceRecorder, TraceStore

pytestmark = pytest.mark.stress


@pytest.fixture(params=["thread", "process"])
def writer(request: pytest.FixtureRequest) -> Any:
    """Both recorder writers survive the same faults."""
    return request.param


@tool
def fetch(page: int) -> str:
    """Fetch a page of a large document."""
    return f"page {page}: " + "lorem ipsum " * 1500  # ~18 KB per call: fills a small disk fast


async def run_many(recorder: TraceRecorder, n: int) -> list[str]:
    agent = Agent(TestModel(), [fetch], recorder=recorder)
    return [(await agent.run(f"question {i}")).outcome for i in range(n)]


def readable(store: TraceStore) -> int:
    """Every stored run loads completely; calls recorded ok have their validated arguments."""
    runs = 0
    for listed in store.iter_runs():
        run = store.get_run(listed.id)
        assert run is not None
        assert all(c.arguments is not None for c in run.tool_calls if c.ok)
        runs += 1
    return runs


def test_store_locked_by_another_connection(tmp_path: Path, writer: Any) -> None:
    """An exclusive transaction elsewhere: runs do not wait for it, and nothing is lost once it ends."""
    path = tmp_path / "traces.db"
    store = TraceStore.open(path)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    recorder = TraceRecorder(store, flush_interval=0, writer=writer)
    try:
        outcomes = asyncio.run(run_many(recorder, 20))
        assert outcomes == ["answered"] * 20  # every run finished while the store was locked
        assert not recorder.flush(timeout=0.5)  # the writer really is waiting on the lock ...
        assert recorder.pending > 0 or recorder.written == 0
    finally:
        blocker.execute("COMMIT")
        blocker.close()
    assert recorder.flush(timeout=60)  # ... and writes everything once it is released (busy timeout 30 s)
    assert (recorder.errors, recorder.dropped) == (0, 0)
    recorder.close()
    assert store.count_runs(outcome="answered") == 20
    assert readable(store) == 20
    store.close()


@pytest.fixture
def tiny_fs(tmp_path: Path) -> Iterator[Path]:
    """A real 512 KiB filesystem (tmpfs); skipped where mounting is not permitted."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mnt)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_store_on_a_full_filesystem(tiny_fs: Path, caplog: pytest.LogCaptureFixture, writer: Any) -> None:
    store = TraceStore.open(tiny_fs / "traces.db")
    recorder = TraceRecorder(store, flush_interval=0, retries=1, writer=writer)
    with caplog.at_level(logging.WARNING, logger="agentfn.traces"):
        outcomes = asyncio.run(run_many(recorder, 40))  # ~40 x 18 KB of results into 512 KiB
        assert recorder.flush(timeout=120)
    assert outcomes == ["answered"] * 40
    assert recorder.errors > 0 and recorder.dropped > 0  # counted ...
    assert "full" in str(recorder.last_error)
    assert any("trace store" in r.getMessage() and "full" in r.getMessage() for r in caplog.records)  # ... and logged
    recorder.close()
    stored = readable(store)  # what made it in before the disk filled is intact
    assert 0 < stored < 40
    store.close()


@pytest.fixture
def immutable_store(tmp_path: Path) -> Iterator[Path]:
    """A store file nobody may write, not even root (``chattr +i``); chmod 0444 for other users."""
    path = tmp_path / "traces.db"
    TraceStore.open(path).close()
    if os.geteuid() != 0:
        path.chmod(0o444)
        tmp_path.chmod(0o555)  # no -wal/-journal files either
        yield path
        tmp_path.chmod(0o755)
        return
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True) if shutil.which("chattr") else None
    if done is None or done.returncode != 0:
        pytest.skip(f"cannot make a file immutable here: {done.stderr.strip() if done else 'no chattr'}")
    try:
        yield path
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=False)


def test_store_on_a_read_only_file(immutable_store: Path, caplog: pytest.LogCaptureFixture, writer: Any) -> None:
    store = TraceStore.open(immutable_store)  # reading works: the schema is there
    recorder = TraceRecorder(store, flush_interval=0, retries=1, writer=writer)
    with caplog.at_level(logging.WARNING, logger="agentfn.traces"):
        outcomes = asyncio.run(run_many(recorder, 5))
        assert recorder.flush(timeout=120)
    assert outcomes == ["answered"] * 5
    assert recorder.errors > 0 and recorder.written == 0 and recorder.dropped > 0
    assert "readonly" in str(recorder.last_error)
    assert any("trace store" in r.getMessage() for r in caplog.records)
    recorder.close()
    assert store.count_runs() == 0
    store.close()
