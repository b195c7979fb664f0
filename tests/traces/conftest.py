"""Trace-store fixtures: every store test runs on real SQLite and on a real PostgreSQL.

PostgreSQL comes from ``AGENTFN_TEST_POSTGRES_URL`` (``eval "$(bash scripts/postgres.sh)"`` starts a
throwaway server and sets it). Without it the PostgreSQL variants are skipped, and the run ends
with a banner saying so. Each test gets its own PostgreSQL schema, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from agentfn.traces import TraceStore

PG_ENV = "AGENTFN_TEST_POSTGRES_URL"
_pg_skipped: list[str] = []


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Never touch the developer's ~/.agentfn/traces.db.
    monkeypatch.setenv("AGENTFN_HOME", str(tmp_path / "agentfn-home"))
    monkeypatch.delenv("AGENTFN_TRACE_STORE", raising=False)
    monkeypatch.delenv("AGENTFN_TRACE_AUTO_UPGRADE", raising=False)


def postgres_url_or_skip(request: pytest.FixtureRequest) -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        _pg_skipped.append(request.node.nodeid)
        pytest.skip(f"PostgreSQL variant SKIPPED: {PG_ENV} is not set (eval \"$(bash scripts/postgres.sh)\")")
    return url


@pytest.fixture
def pg_schema_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A URL whose search_path is a fresh schema on the test PostgreSQL server."""
    base = postgres_url_or_skip(request)
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "traces.db")
    return request.getfixturevalue("pg_schema_url")


@pytest.fixture
def store(store_url: str) -> Iterator[TraceStore]:
    s = TraceStore.open(store_url)
    try:
        yield s
    finally:
        s.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _pg_skipped:
        terminalreporter.section("PostgreSQL NOT TESTED", sep="!")
        terminalreporter.write_line(
            f"{len(_pg_skipped)} trace-store test(s) skipped their PostgreSQL variant: {PG_ENV} is not set."
        )
        terminalreporter.write_line('Start one with: eval "$(bash scripts/postgres.sh)"')
