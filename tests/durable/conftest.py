"""Durable-run fixtures: real `agentfn` processes, killed with SIGKILL, on SQLite and on PostgreSQL.

PostgreSQL comes from ``AGENTFN_TEST_POSTGRES_URL`` (``eval "$(bash scripts/postgres.sh)"``); each test
gets a fresh database, dropped afterwards. Without it the PostgreSQL variants are skipped.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TOOLS = str(HERE / "durable_fixture.py")
MODEL = "function:durable_fixture:reply"
PG_ENV = "AGENTFN_TEST_POSTGRES_URL"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTFN_HOME", str(tmp_path / "agentfn-home"))
    monkeypatch.delenv("AGENTFN_TRACE_STORE", raising=False)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database on the test server."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL variant SKIPPED: {PG_ENV} is not set (eval \"$(bash scripts/postgres.sh)\")")
    name = "durable_" + uuid.uuid4().hex[:12]
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "store" / "traces.db")
    return request.getfixturevalue("pg_url")


@dataclass
class Bench:
    """A scratch directory, the tools' log and block files, and a way to run `agentfn`."""

    root: Path
    env: dict[str, str] = field(default_factory=dict[str, str])

    @property
    def log(self) -> Path:
        return self.root / "calls.log"

    @property
    def block(self) -> Path:
        return self.root / "block"

    def lines(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []

    def count(self, prefix: str) -> int:
        return sum(1 for line in self.lines() if line.startswith(prefix))

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "agentfn.cli", *args]

    def run(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.command(*args), env=self.env, capture_output=True, text=True, timeout=timeout,
                              cwd=self.root)

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(self.command(*args), env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, cwd=self.root)

    def wait_for(self, prefix: str, count: int = 1, timeout: float = 120, proc: subprocess.Popen[str] | None = None) -> None:
        deadline = time.monotonic() + timeout
        while self.count(prefix) < count:
            if proc is not None and proc.poll() is not None:
                out, err = proc.communicate()
                raise AssertionError(f"process exited ({proc.returncode}) before {prefix!r}:\n{out}\n{err}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {prefix!r} in the call log after {timeout} s: {self.lines()}")
            time.sleep(0.05)

    def kill(self, proc: subprocess.Popen[str]) -> str:
        """SIGKILL the process; return its stderr."""
        proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate(timeout=30)
        return err

    def runs(self, store: str, *extra: str) -> list[dict[str, Any]]:
        done = self.run("runs", "list", "--store", store, "--json", *extra, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


@pytest.fixture
def bench(tmp_path: Path) -> Bench:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(HERE), env.get("PYTHONPATH", "")])
    env["AGENTFN_HOME"] = str(tmp_path / "agentfn-home")
    env["DURABLE_LOG"] = str(tmp_path / "calls.log")
    env["DURABLE_BLOCK"] = str(tmp_path / "block")
    env.pop("AGENTFN_TRACE_STORE", None)
    env.pop("AGENTFN_OTEL", None)
    return Bench(tmp_path, env)


def run_id_from(stderr: str) -> str:
    found = re.search(r"durable run ([0-9a-f]{32})", stderr)
    assert found, f"no run id in: {stderr}"
    return found.group(1)
