"""Which durable-run processes are alive: a lock each process holds until it dies.

Every process that runs durable agents has a unique executor id and holds an
exclusive lock named after it for as long as it lives. The operating system
(SQLite: an ``flock`` on a file beside the database) or the database server
(PostgreSQL: a session advisory lock) releases that lock the moment the
process dies, however it dies, so "can I take executor E's lock?" answers
"is E dead?" without heartbeats or timeouts. A recovering process keeps the
dead executor's lock while it hands that executor's runs on, so two recoverers
never resume the same run.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import threading
from pathlib import Path
from typing import Any

import sqlalchemy as sa

__all__ = ["ExecutorLocks", "libpq_url"]


def libpq_url(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as a plain libpq connection string."""
    parsed = sa.make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def _advisory_key(executor_id: str) -> int:
    digest = hashlib.sha256(f"agentfn-executor:{executor_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class ExecutorLocks:
    """Hold this process's liveness lock; test and claim other executors' locks.

    Args:
        url: the durable store (``sqlite:///PATH`` or a PostgreSQL URL).
    """

    def __init__(self, url: str) -> None:
        parsed = sa.make_url(url)
        self.sqlite = parsed.get_backend_name() == "sqlite"
        if self.sqlite:
            database = parsed.database or ""
            self._dir: Path | None = Path(database + ".executors")
            self._pg_url = ""
        else:
            self._dir = None
            self._pg_url = libpq_url(url)
        self._own: Any = None  # an open file (SQLite) or a psycopg connection (PostgreSQL)
        self._own_id: str | None = None
        self._mutex = threading.Lock()

    # -- our own lock -----------------------------------------------------------------

    def hold(self, executor_id: str) -> None:
        """Take this process's lock; it is released by :meth:`release` or by the process dying."""
        if self.sqlite:
            assert self._dir is not None
            self._dir.mkdir(parents=True, exist_ok=True)
            handle = open(self._dir / f"{executor_id}.lock", "a+")  # noqa: SIM115 - held for the process lifetime
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            self._own = handle
        else:
            import psycopg

            conn = psycopg.connect(self._pg_url, autocommit=True, application_name=f"agentfn {executor_id}")
            conn.execute("SELECT pg_advisory_lock(%s)", (_advisory_key(executor_id),))
            self._own = conn
        self._own_id = executor_id

    def release(self) -> None:
        own, self._own = self._own, None
        if own is None:
            return
        with contextlib.suppress(Exception):
            if self.sqlite:
                assert self._dir is not None and self._own_id is not None
                with contextlib.suppress(OSError):
                    os.unlink(self._dir / f"{self._own_id}.lock")
                own.close()
            else:
                own.close()

    # -- other executors ----------------------------------------------------------------

    @contextlib.contextmanager
    def claim_dead(self, executor_id: str) -> Any:
        """Yield True while holding a dead executor's lock, False when it is alive (or being recovered)."""
        if executor_id == self._own_id:
            yield False
            return
        with self._mutex:
            if self.sqlite:
                with self._claim_file(executor_id) as claimed:
                    yield claimed
            else:
                with self._claim_advisory(executor_id) as claimed:
                    yield claimed

    @contextlib.contextmanager
    def _claim_file(self, executor_id: str) -> Any:
        assert self._dir is not None
        path = self._dir / f"{executor_id}.lock"
        self._dir.mkdir(parents=True, exist_ok=True)
        with open(path, "a+") as handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                with contextlib.suppress(OSError):
                    os.unlink(path)  # the executor is gone; its lock file is no use to anyone

    @contextlib.contextmanager
    def _claim_advisory(self, executor_id: str) -> Any:
        import psycopg

        key = _advisory_key(executor_id)
        with psycopg.connect(self._pg_url, autocommit=True) as conn:
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
            claimed = bool(row and row[0])
            try:
                yield claimed
            finally:
                if claimed:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
