"""Schema versioning: an older store opens with an upgrade (or a clear refusal)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import sqlalchemy as sa

from agentfn.exceptions import TraceStoreError
from agentfn.traces import TraceStore, migrate


def make_v1_store(url: str) -> None:
    """A store as the first release wrote it (schema 0001), with one run in it."""
    from agentfn.traces.store import _sqlite_engine, _to_url  # the store's own engine setup

    u = sa.make_url(_to_url(url))
    eng = _sqlite_engine(u) if u.get_backend_name() == "sqlite" else sa.create_engine(u)
    migrate.upgrade(eng, "0001")
    with eng.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO runs (id, started_at, agent_name, input_messages, tools, outcome)"
                " VALUES ('old-run', 1700000000.0, 'legacy', :msgs, '[]', 'answered')"
            ),
            {"msgs": '[{"role":"user","content":"old question"}]'},
        )
        conn.execute(
            sa.text(
                "INSERT INTO tool_calls (run_id, step, idx, call_id, name, raw_arguments, status)"
                " VALUES ('old-run', 0, 0, 'c1', 'search', '{}', 'ok')"
            )
        )
        conn.execute(sa.text("INSERT INTO steps (run_id, step, time) VALUES ('old-run', 0, 1700000000.0)"))
    eng.dispose()


def test_head_constant_matches_shipped_migrations() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(migrate.MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(cfg).get_current_head() == migrate.HEAD_REVISION


def test_new_store_matches_declared_schema(store: TraceStore) -> None:
    from agentfn.traces import _schema

    assert store.revision() == migrate.HEAD_REVISION
    with store.engine.connect() as conn:
        insp = sa.inspect(conn)
        for table in _schema.metadata.sorted_tables:
            columns = {c["name"] for c in insp.get_columns(table.name)}
            assert columns == {c.name for c in table.columns}, table.name
            indexes = {i["name"] for i in insp.get_indexes(table.name)}
            assert indexes == {i.name for i in table.indexes}, table.name


def test_old_store_is_upgraded_on_open_with_a_log_line(store_url: str, caplog: pytest.LogCaptureFixture) -> None:
    make_v1_store(store_url)
    with caplog.at_level(logging.WARNING, logger="agentfn.traces"):
        store = TraceStore.open(store_url)
    try:
        assert any("from schema 0001 to 0002" in r.message for r in caplog.records)
        assert store.revision() == "0002"
        run = store.get_run("old-run")
        assert run is not None and run.request == "old question" and run.successful_tools() == ["search"]
        store.add_feedback("old-run", 1, "still here")
        assert store.list_runs(min_feedback=1)[0].id == "old-run"
    finally:
        store.close()


def test_upgrade_can_be_refused_and_then_run_explicitly(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    make_v1_store(store_url)
    with pytest.raises(TraceStoreError, match="agentfn traces upgrade"):
        TraceStore.open(store_url, upgrade=False)
    monkeypatch.setenv("AGENTFN_TRACE_AUTO_UPGRADE", "0")
    with pytest.raises(TraceStoreError, match="schema 0001"):
        TraceStore.open(store_url)
    monkeypatch.delenv("AGENTFN_TRACE_AUTO_UPGRADE")
    with TraceStore.open(store_url) as store:
        assert store.revision() == "0002"
        assert store.upgrade() == ("0002", "0002")


def test_newer_store_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    TraceStore.open(path).close()
    eng = sa.create_engine(f"sqlite:///{path}")
    with eng.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    eng.dispose()
    with pytest.raises(TraceStoreError, match="newer than this agentfn"):
        TraceStore.open(path)
