"""The durable trace store: SQLite by default, any SQLAlchemy URL (PostgreSQL) for teams.

Where the default store lives: ``$AGENTFN_TRACE_STORE`` (a path or a URL) if
set, else ``$AGENTFN_HOME/traces.db`` with ``AGENTFN_HOME`` defaulting to
``~/.agentfn``. SQLite runs in WAL mode with a busy timeout and every
transaction starts with ``BEGIN IMMEDIATE``, so many writer processes queue for
the write lock instead of failing; PostgreSQL uses the same statements.
"""

from __future__ import annotations

import operator
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from agentfn.exceptions import TraceStoreError
from agentfn.traces import _codec as codec
from agentfn.traces import _schema as t
from agentfn.traces import migrate
from agentfn.traces._ops import RunStartOp, StepOp, WriteOp
from agentfn.traces.records import Feedback, Run, Step, ToolStats, TraceStats

__all__ = ["TraceStore", "default_store_url", "upgrade_store"]

TimeLike = float | int | datetime
_BUSY_TIMEOUT_S = 30.0
_PAGE_CACHE_KIB = 4096  # per SQLite connection; see _sqlite_engine


def default_store_url() -> str:
    """The URL :meth:`TraceStore.open` uses when given none (see module docstring)."""
    env = os.environ.get("AGENTFN_TRACE_STORE")
    if env:
        return _to_url(env)
    home = Path(os.environ.get("AGENTFN_HOME") or Path.home() / ".agentfn")
    return _to_url(str(home / "traces.db"))


def _to_url(url_or_path: str | os.PathLike[str]) -> str:
    text = os.fspath(url_or_path)
    if "://" in text:
        return text
    if text == ":memory:":
        return "sqlite://"
    return "sqlite:///" + str(Path(text).expanduser().resolve())


def _sqlite_engine(url: sa.URL) -> sa.Engine:
    database = url.database
    memory = not database or database == ":memory:"
    if not memory:
        Path(database).parent.mkdir(parents=True, exist_ok=True)  # type: ignore[arg-type]
    kwargs: dict[str, Any] = {
        "connect_args": {"timeout": _BUSY_TIMEOUT_S, "check_same_thread": False},
    }
    if memory:
        kwargs["poolclass"] = sa.StaticPool  # one shared in-memory database for all threads
    engine = sa.create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:  # pyright: ignore[reportUnusedFunction]
        # Take transaction control away from the sqlite3 module so BEGIN IMMEDIATE below is ours.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={int(_BUSY_TIMEOUT_S * 1000)}")
        if not memory:
            cur.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode survives a killed process (not a power cut) and is much faster.
            cur.execute("PRAGMA synchronous=NORMAL")
            # SQLite's page cache is per connection and fills up to its limit as the file grows,
            # which shows as resident memory climbing run after run until the limit (measured: a
            # 32 MiB cache added ~2 MB per 1,000 recorded runs for 18,000 runs). 4 MiB is what
            # recording and import need (their keys are time-ordered: inserts touch the right edge
            # of each index; import speed measured the same with 2, 4 and 32 MiB); reads rely on
            # the OS file cache.
            cur.execute(f"PRAGMA cache_size=-{_PAGE_CACHE_KIB}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:  # pyright: ignore[reportUnusedFunction]
        # IMMEDIATE takes the write lock up front: writers wait on busy_timeout instead of
        # failing with SQLITE_BUSY when a read transaction tries to upgrade.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _engine(url_or_path: str | os.PathLike[str] | None) -> sa.Engine:
    url_text = default_store_url() if url_or_path is None else _to_url(url_or_path)
    try:
        url = sa.make_url(url_text)
        if url.get_backend_name() == "sqlite":
            return _sqlite_engine(url)
        return sa.create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=4)
    except Exception as exc:
        raise TraceStoreError(f"cannot open trace store {url_text!r}: {exc}") from exc


def upgrade_store(url_or_path: str | os.PathLike[str] | None = None) -> tuple[str | None, str, str]:
    """Upgrade a store's schema to this agentfn's version; returns (before, after, store label).

    Raises:
        TraceStoreError: the store cannot be opened or is newer than this agentfn.
    """
    engine = _engine(url_or_path)
    label = engine.url.render_as_string(hide_password=True)
    try:
        before, after = migrate.upgrade(engine, label=label)
    except TraceStoreError:
        raise
    except Exception as exc:
        raise TraceStoreError(f"upgrading trace store {label} failed: {exc}") from exc
    finally:
        engine.dispose()
    return before, after, label


def _epoch(value: TimeLike | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.timestamp()
    return float(value)


class TraceStore:
    """Runs, steps and tool calls in a SQL database.

    Example:
        ```python
        store = TraceStore.open()                      # ~/.agentfn/traces.db
        store = TraceStore.open("postgresql+psycopg://u:p@db/traces")
        for run in store.iter_runs(outcome="answered"):
            print(run.request, run.successful_tools())
        ```
    """

    def __init__(self, engine: sa.Engine, *, label: str | None = None) -> None:
        self.engine = engine
        self.label = label or engine.url.render_as_string(hide_password=True)
        self._insert: Any = _insert_for(engine.dialect.name)
        self._compiled: dict[str | tuple[str, ...], tuple[str, list[str], bool]] = {}

    # -- opening -------------------------------------------------------------------

    @classmethod
    def open(cls, url_or_path: str | os.PathLike[str] | None = None, *, upgrade: bool | None = None) -> TraceStore:
        """Open (creating if needed) a trace store.

        Args:
            url_or_path: a SQLAlchemy URL (``sqlite:///...``, ``postgresql+psycopg://...``), a file
                path (SQLite), ``":memory:"``, or None for :func:`default_store_url`.
            upgrade: upgrade an older schema automatically (default: yes, unless
                ``AGENTFN_TRACE_AUTO_UPGRADE=0``). When False an older store raises.

        Raises:
            TraceStoreError: the database cannot be opened, is newer than this agentfn, or is older
                and ``upgrade`` is False.
        """
        if upgrade is None:
            upgrade = os.environ.get("AGENTFN_TRACE_AUTO_UPGRADE", "1").lower() not in ("0", "false", "no")
        engine = _engine(url_or_path)
        try:
            store = cls(engine)
            store._ensure_schema(upgrade)
        except BaseException:
            engine.dispose()
            raise
        return store

    def _ensure_schema(self, upgrade: bool) -> None:
        try:
            with self.engine.connect() as conn:
                rev = migrate.current_revision(conn)
                conn.rollback()
        except Exception as exc:
            raise TraceStoreError(f"cannot open trace store {self.label}: {exc}") from exc
        if rev == migrate.HEAD_REVISION:
            return
        if rev is not None and not upgrade:
            raise TraceStoreError(
                f"trace store {self.label} has schema {rev}, this agentfn needs {migrate.HEAD_REVISION}:"
                f" run `agentfn traces upgrade --store {self.label}`"
            )
        self.upgrade()

    def upgrade(self, target: str = "head") -> tuple[str | None, str]:
        """Apply pending migrations; returns the (before, after) revisions."""
        try:
            return migrate.upgrade(self.engine, target, label=self.label)
        except TraceStoreError:
            raise
        except Exception as exc:
            raise TraceStoreError(f"upgrading trace store {self.label} failed: {exc}") from exc

    def revision(self) -> str | None:
        with self.engine.connect() as conn:
            return migrate.current_revision(conn)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> TraceStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"TraceStore({self.label!r})"

    # -- writing -------------------------------------------------------------------

    def write(self, ops: Sequence[WriteOp]) -> None:
        """Apply recorder operations in one transaction (all or nothing).

        Raises:
            TraceStoreError: the database refused the write.
        """
        if not ops:
            return
        try:
            with self.engine.begin() as conn:
                self._apply(conn, ops)
        except Exception as exc:
            raise TraceStoreError(f"writing to trace store {self.label} failed: {exc}") from exc

    def _apply(self, conn: sa.Connection, ops: Sequence[WriteOp]) -> None:
        # A batch becomes one executemany per table, then one per kind of run update: a run's
        # RunStartOp always precedes its RunEndOp, so inserting first keeps the order's meaning.
        # A run that starts and ends in the same batch (any run shorter than the writer's flush
        # interval) is inserted with its final values: no UPDATE for it.
        run_rows: dict[str, dict[str, Any]] = {}
        step_rows: list[dict[str, Any]] = []
        call_rows: list[dict[str, Any]] = []
        updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for op in ops:
            if isinstance(op, RunStartOp):
                run_rows.setdefault(op.row["id"], op.row)  # a repeated id is ignored, as by the INSERT
            elif isinstance(op, StepOp):
                step_rows.append(op.row)
                call_rows.extend(op.calls)
            else:
                started = run_rows.get(op.run_id)
                if started is not None:
                    run_rows[op.run_id] = started | op.values
                else:
                    updates.setdefault(tuple(sorted(op.values)), []).append({"b_run_id": op.run_id, **op.values})
        for table, rows in ((t.runs, list(run_rows.values())), (t.steps, step_rows), (t.tool_calls, call_rows)):
            if rows:
                self._insert_many(conn, table, rows)
        for keys, rows in updates.items():
            self._update_runs(conn, keys, rows)

    def _update_runs(self, conn: sa.Connection, keys: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
        # As _insert_many: compiled once per set of columns, run as one DBAPI executemany.
        compiled = self._compiled.get(keys)
        if compiled is None:
            stmt = (
                t.runs.update()
                .where(t.runs.c.id == sa.bindparam("b_run_id"))
                .values({k: sa.bindparam(k) for k in keys})
                .compile(dialect=self.engine.dialect)
            )
            names = list(stmt.positiontup) if stmt.positiontup else list(stmt.params)
            compiled = self._compiled[keys] = (stmt.string, names, bool(stmt.positiontup))
        sql, names, positional = compiled
        if positional:
            getter = operator.itemgetter(*names)  # two or more names (the id, a value): returns tuples
            conn.exec_driver_sql(sql, [getter(r) for r in rows])
        else:
            conn.exec_driver_sql(sql, rows)

    def _insert_many(self, conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
        # Hot path of recording and import: the INSERT ... ON CONFLICT DO NOTHING is compiled once per
        # table and run as one DBAPI executemany, skipping SQLAlchemy's per-row parameter processing.
        compiled = self._compiled.get(table.name)
        if compiled is None:
            stmt = self._insert(table).on_conflict_do_nothing().compile(dialect=self.engine.dialect)
            keys = list(stmt.positiontup) if stmt.positiontup else list(stmt.params)
            compiled = self._compiled[table.name] = (stmt.string, keys, bool(stmt.positiontup))
        sql, keys, positional = compiled
        defaults = {k: None for k in keys} | _ROW_DEFAULTS[table.name]
        if positional:
            getter = operator.itemgetter(*keys)
            try:
                params: list[Any] = [getter(r) for r in rows]
            except KeyError:  # some rows leave columns out
                params = [getter(defaults | r) for r in rows]
        else:
            params = [defaults | r for r in rows]
        conn.exec_driver_sql(sql, params)

    def add_runs(self, runs: Iterable[Run]) -> int:
        """Store complete runs (used by import); returns how many were written.

        Runs whose id already exists are left as they are.
        """
        ops: list[WriteOp] = []
        count = 0
        for run in runs:
            ops.extend(codec.run_to_ops(run))
            count += 1
        self.write(ops)
        return count

    def add_feedback(self, run_id: str, score: float, note: str | None = None) -> Feedback:
        """Attach a feedback score (e.g. 1 good, 0 or -1 bad) to a run; the trainer weights by it.

        Raises:
            TraceStoreError: no run has this id.
        """
        fb = Feedback(run_id=run_id, score=float(score), note=note, time=time.time())
        with self.engine.begin() as conn:
            found = conn.execute(
                t.runs.update().where(t.runs.c.id == run_id).values(feedback_score=fb.score)
            ).rowcount
            if not found:
                raise TraceStoreError(f"no run with id {run_id!r} in {self.label}")
            conn.execute(t.feedback.insert().values(**fb.model_dump()))
        return fb

    # -- reading -------------------------------------------------------------------

    def _where(
        self,
        *,
        since: TimeLike | None = None,
        until: TimeLike | None = None,
        tool: str | None = None,
        outcome: str | None = None,
        agent: str | None = None,
        source: str | None = None,
        min_feedback: float | None = None,
    ) -> list[sa.ColumnElement[bool]]:
        r = t.runs.c
        conds: list[sa.ColumnElement[bool]] = []
        if (s := _epoch(since)) is not None:
            conds.append(r.started_at >= s)
        if (u := _epoch(until)) is not None:
            conds.append(r.started_at < u)
        if outcome is not None:
            conds.append(r.outcome.is_(None) if outcome == "running" else r.outcome == outcome)
        if agent is not None:
            conds.append(r.agent_name == agent)
        if source is not None:
            conds.append(r.source == source)
        if min_feedback is not None:
            conds.append(r.feedback_score >= min_feedback)
        if tool is not None:
            tc = t.tool_calls.c
            conds.append(sa.exists().where(tc.run_id == r.id, tc.name == tool))
        return conds

    def list_runs(
        self,
        *,
        since: TimeLike | None = None,
        until: TimeLike | None = None,
        tool: str | None = None,
        outcome: str | None = None,
        agent: str | None = None,
        source: str | None = None,
        min_feedback: float | None = None,
        limit: int | None = 100,
        offset: int = 0,
        newest_first: bool = True,
        with_steps: bool = False,
    ) -> list[Run]:
        """Runs matching every given filter, newest first; steps only when ``with_steps``.

        ``tool`` keeps runs that called that tool; ``outcome="running"`` selects runs without an
        outcome (still running, or killed).
        """
        conds = self._where(
            since=since, until=until, tool=tool, outcome=outcome, agent=agent, source=source,
            min_feedback=min_feedback,
        )
        order = (t.runs.c.started_at.desc(), t.runs.c.id.desc()) if newest_first else (
            t.runs.c.started_at, t.runs.c.id)
        query = sa.select(t.runs).where(*conds).order_by(*order).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
            runs = [codec.run_from_row(row) for row in rows]
            if with_steps:
                self._load_steps(conn, runs)
        return runs

    def count_runs(self, **filters: Any) -> int:
        conds = self._where(**filters)
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(t.runs).where(*conds)).scalar() or 0)

    def get_run(self, run_id: str) -> Run | None:
        """The full run (steps, calls, feedback), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.runs).where(t.runs.c.id == run_id)).mappings().first()
            if row is None:
                return None
            run = codec.run_from_row(row)
            self._load_steps(conn, [run])
            fb = conn.execute(
                sa.select(t.feedback).where(t.feedback.c.run_id == run_id).order_by(t.feedback.c.id)
            ).mappings()
            run.feedback = [
                Feedback(run_id=f["run_id"], score=f["score"], note=f["note"], time=f["time"]) for f in fb
            ]
        return run

    def resolve_run_id(self, prefix: str) -> str:
        """The one run id equal to or starting with ``prefix``.

        Raises:
            TraceStoreError: no run or several runs match.
        """
        with self.engine.connect() as conn:
            if conn.execute(sa.select(t.runs.c.id).where(t.runs.c.id == prefix)).first():
                return prefix
            escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            ids = conn.execute(
                sa.select(t.runs.c.id).where(t.runs.c.id.like(escaped + "%", escape="\\")).limit(2)
            ).scalars().all()
        if not ids:
            raise TraceStoreError(f"no run with id {prefix!r} in {self.label}")
        if len(ids) > 1:
            raise TraceStoreError(f"run id prefix {prefix!r} is ambiguous; give more characters")
        return ids[0]

    def iter_runs(self, *, batch_size: int = 200, **filters: Any) -> Iterator[Run]:
        """Every matching run with its steps, oldest first, streamed in batches (for training).

        Accepts the filters of :meth:`list_runs`. Uses keyset pagination, so runs added while
        iterating after the current position are included and memory stays bounded.
        """
        conds = self._where(**filters)
        r = t.runs.c
        last: tuple[float, str] | None = None
        while True:
            query = sa.select(t.runs).where(*conds)
            if last is not None:
                query = query.where(
                    sa.or_(r.started_at > last[0], sa.and_(r.started_at == last[0], r.id > last[1]))
                )
            query = query.order_by(r.started_at, r.id).limit(batch_size)
            with self.engine.connect() as conn:
                runs = [codec.run_from_row(row) for row in conn.execute(query).mappings()]
                self._load_steps(conn, runs)
            if not runs:
                return
            yield from runs
            last = (runs[-1].started_at, runs[-1].id)

    def _load_steps(self, conn: sa.Connection, runs: list[Run]) -> None:
        if not runs:
            return
        by_id = {run.id: run for run in runs}
        ids = list(by_id)
        steps: dict[tuple[str, int], Step] = {}
        s = t.steps.c
        for row in conn.execute(sa.select(t.steps).where(s.run_id.in_(ids)).order_by(s.run_id, s.step)).mappings():
            step = codec.step_from_row(row)
            steps[(row["run_id"], step.step)] = step
            by_id[row["run_id"]].steps.append(step)
        c = t.tool_calls.c
        query = sa.select(t.tool_calls).where(c.run_id.in_(ids)).order_by(c.run_id, c.step, c.idx)
        for row in conn.execute(query).mappings():
            owner = steps.get((row["run_id"], row["step"]))
            if owner is not None:
                owner.tool_calls.append(codec.call_from_row(row))

    def stats(
        self, *, since: TimeLike | None = None, until: TimeLike | None = None, agent: str | None = None
    ) -> TraceStats:
        """Counts per outcome, agent and tool; token totals; feedback summary."""
        conds = self._where(since=since, until=until, agent=agent)
        r = t.runs.c
        out = TraceStats()
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(
                    sa.func.count(),
                    sa.func.coalesce(sa.func.sum(r.step_count), 0),
                    sa.func.coalesce(sa.func.sum(r.input_tokens), 0),
                    sa.func.coalesce(sa.func.sum(r.output_tokens), 0),
                    sa.func.min(r.started_at),
                    sa.func.max(r.started_at),
                    sa.func.count(r.feedback_score),
                    sa.func.avg(r.feedback_score),
                ).where(*conds)
            ).one()
            out.runs, out.steps, out.input_tokens, out.output_tokens = (int(x) for x in row[:4])
            out.first_run, out.last_run = row[4], row[5]
            out.feedback_runs = int(row[6])
            out.mean_feedback = None if row[7] is None else float(row[7])
            for outcome, n in conn.execute(sa.select(r.outcome, sa.func.count()).where(*conds).group_by(r.outcome)):
                out.outcomes[outcome or "running"] = int(n)
            for name, n in conn.execute(sa.select(r.agent_name, sa.func.count()).where(*conds).group_by(r.agent_name)):
                out.agents[name] = int(n)
            c = t.tool_calls.c
            matching = sa.select(r.id).where(*conds)
            tool_rows = conn.execute(
                sa.select(
                    c.name,
                    sa.func.count(),
                    sa.func.sum(sa.case((c.status == "ok", 1), else_=0)),
                    sa.func.sum(sa.case((sa.and_(c.status.is_not(None), c.status != "ok"), 1), else_=0)),
                    sa.func.avg(c.latency_s),
                )
                .where(c.run_id.in_(matching))
                .group_by(c.name)
                .order_by(sa.func.count().desc(), c.name)
            ).all()
        for name, calls, ok, failed, lat in tool_rows:
            out.tools.append(
                ToolStats(name=name, calls=int(calls), ok=int(ok or 0), failed=int(failed or 0),
                          mean_latency_s=None if lat is None else float(lat))
            )
        out.tool_calls = sum(x.calls for x in out.tools)
        return out


# Values for columns a row may leave out (the raw executemany does not apply server defaults).
_ROW_DEFAULTS: dict[str, dict[str, Any]] = {
    "runs": {
        "agent_name": "", "model_name": "", "backend": "", "source": "agent", "input_messages": "[]",
        "tools": "[]", "metadata": "{}", "requests": 0, "input_tokens": 0, "output_tokens": 0,
        "tool_call_count": 0, "step_count": 0,
    },
    "steps": {"complete": True, "requests": 0, "input_tokens": 0, "output_tokens": 0, "new_messages": "[]"},
    "tool_calls": {"latency_s": 0.0},
}


def _insert_for(dialect: str) -> Any:
    # ON CONFLICT DO NOTHING makes a re-sent batch (after an ambiguous failure) harmless.
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert
    raise TraceStoreError(f"trace store supports SQLite and PostgreSQL, not {dialect!r}")

