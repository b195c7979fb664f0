"""Schema versioning of the trace store with the Alembic migrations shipped in the package.

Policy (documented in the README): :meth:`TraceStore.open` creates a new store
at the newest schema and upgrades an older one automatically, logging one
WARNING line naming both revisions. ``TraceStore.open(..., upgrade=False)`` (or
``AGENTFN_TRACE_AUTO_UPGRADE=0``) refuses instead, with an error that says to
run ``agentfn traces upgrade --store URL``. A store written by a newer agentfn
is never touched.

Concurrent openers are serialised: on SQLite every transaction starts with
``BEGIN IMMEDIATE`` (see ``store._sqlite_engine``), on PostgreSQL the migration
transaction takes an advisory lock, so twenty processes opening a fresh store
at once create it exactly once.
"""

from __future__ import annotations

import logging
from pathlib import Path

import sqlalchemy as sa

from agentfn.exceptions import TraceStoreError

__all__ = ["HEAD_REVISION", "MIGRATIONS_DIR", "current_revision", "upgrade"]

log = logging.getLogger("agentfn.traces")

HEAD_REVISION = "0002"
"""The newest migration; kept as a constant so opening an up-to-date store never imports Alembic."""

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_KNOWN = ("0001", "0002")
_PG_LOCK_KEY = 0x61676E74  # "agnt": one advisory lock id for trace-store migrations


def current_revision(conn: sa.Connection) -> str | None:
    """The schema revision of the store behind ``conn`` (None for an empty database)."""
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: sa.Engine, target: str = "head", *, label: str = "") -> tuple[str | None, str]:
    """Bring the schema to ``target`` in one transaction; returns (before, after).

    Raises:
        TraceStoreError: the store was written by a newer agentfn, or a migration failed.
    """
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    script = ScriptDirectory.from_config(config)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        before = current_revision(conn)
        if before is not None and before not in _KNOWN:
            raise TraceStoreError(
                f"trace store {label or engine.url!s} has schema revision {before!r}, newer than this"
                f" agentfn knows ({HEAD_REVISION}); upgrade agentfn to read it"
            )
        after: str | None = script.get_revision(target).revision
        if before == after:
            return before, after or ""

        def fn(rev: object, _context: object) -> object:
            return script._upgrade_revs(target, rev)  # pyright: ignore[reportPrivateUsage, reportArgumentType]

        with EnvironmentContext(config, script, fn=fn, destination_rev=target) as env:  # pyright: ignore[reportArgumentType]
            env.configure(connection=conn, target_metadata=None)
            with env.begin_transaction():
                env.run_migrations()
        after_now = current_revision(conn)
    if before is None:
        log.info("created trace store %s (schema %s)", label, after_now)
    else:
        log.warning("upgraded trace store %s from schema %s to %s", label, before, after_now)
    return before, after_now or ""
