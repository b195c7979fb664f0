"""The DBOS side of durable runs: one runtime per process, its store, and recovery.

A :class:`DurableRuntime` owns the process's DBOS instance (DBOS is a
process-wide singleton, so at most one runtime is launched at a time), the
agents it can run (see :class:`~agentfn.durable.DurableAgent`) and this
process's executor id. Runs are DBOS workflows named ``agentfn.run``; their
application version is a hash of the registered agents (names, model names,
tool schemas), so a process only ever picks up runs it has the agent for.

Recovery is explicit and shared: :meth:`DurableRuntime.recover` finds pending
runs of this version whose process is dead (see ``_liveness``), claims the
dead process's lock, and re-enqueues them on the ``agentfn-recovery`` queue,
from which exactly one listening process dequeues each (DBOS's dequeue is
atomic). Processes that only start runs (``agentfn run --durable``) do not
listen, so they never adopt someone else's run.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import random
import socket
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from pydantic import BaseModel

from agentfn.durable._liveness import ExecutorLocks
from agentfn.durable._steps import MARKER_PREFIX, Home, InterruptedPolicy
from agentfn.events import AgentEvent
from agentfn.exceptions import DurableRunError, MissingExtraError, UserError

if TYPE_CHECKING:
    from agentfn.durable.agent import DurableAgent

__all__ = ["RECOVERY_QUEUE", "WORKFLOW_NAME", "DurableRunInfo", "DurableRuntime", "durable_store_url", "list_runs"]

log = logging.getLogger("agentfn.durable")

WORKFLOW_NAME = "agentfn.run"
RECOVERY_QUEUE = "agentfn-recovery"
_ACTIVE: list[DurableRuntime] = []
_WORKFLOW: list[Callable[..., Any]] = []


def durable_store_url(store: str | os.PathLike[str] | None = None) -> str:
    """Where durable state lives for a trace-store URL or path (None: the default trace store).

    PostgreSQL: the same database (DBOS keeps its tables in the ``dbos`` schema). SQLite: a file
    beside the trace database, ``NAME.durable.db``, so the trace writer and DBOS never contend.
    """
    from agentfn.traces.store import default_store_url

    text = default_store_url() if store is None else os.fspath(store)
    if text == ":memory:":
        raise UserError("durable runs need a database file or server, not an in-memory SQLite store")
    if "://" not in text:
        text = "sqlite:///" + str(Path(text).expanduser().resolve())
    url = sa.make_url(text)
    if url.get_backend_name() != "sqlite":
        return text
    if not url.database or url.database == ":memory:":
        raise UserError("durable runs need a database file or server, not an in-memory SQLite store")
    path = Path(url.database)
    if not path.name.endswith(".durable.db"):
        path = path.with_name(f"{path.name.removesuffix('.db')}.durable.db")
    path.parent.mkdir(parents=True, exist_ok=True)
    return "sqlite:///" + str(path)


def _use_wal(url: str) -> None:
    """Put a SQLite store in WAL mode (it stays so): a step's commit then costs one append, not a
    rewritten rollback journal (several times faster per step); DBOS's default synchronous=FULL keeps
    each recorded step safe even from a power cut."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return
    conn = sqlite3.connect(parsed.database, timeout=30)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()


def _dbos() -> Any:
    try:
        import dbos
    except ImportError as exc:
        raise MissingExtraError("durable runs", "durable", "dbos") from exc
    return dbos


def _workflow() -> Callable[..., Any]:
    """The one workflow function, registered with DBOS on first use."""
    if not _WORKFLOW:
        DBOS = _dbos().DBOS

        @DBOS.workflow(name=WORKFLOW_NAME)
        async def agentfn_run(key: str, payload: dict[str, Any]) -> dict[str, Any]:
            if not _ACTIVE:
                raise DurableRunError("a durable run started with no DurableRuntime launched")
            return await _ACTIVE[0].execute(key, payload)

        _WORKFLOW.append(agentfn_run)
    return _WORKFLOW[0]


class _Listener:
    """Forwards a run's events to whoever started or resumes it, across threads."""

    def __init__(self, stream: bool) -> None:
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[AgentEvent] = asyncio.Queue()
        self.stream = stream
        self.agent: Any = None
        """The agent a run started here executes with (None: the durable agent's own or resolved one)."""

    def put(self, event: AgentEvent) -> None:
        try:
            here = asyncio.get_running_loop()
        except RuntimeError:
            here = None
        if here is self.loop:
            self.queue.put_nowait(event)
        elif not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.queue.put_nowait, event)


class DurableRuntime:
    """A process's durable-run machinery (DBOS), bound to one store.

    Args:
        store: a trace-store URL or SQLite path (see :func:`durable_store_url`); None: the default store.
        listen: dequeue recovered runs (``agentfn serve``, ``agentfn runs resume``). A process that only
            starts its own runs passes False.
        executor_prefix: the start of this process's executor id (the rest is host, pid, random).
    """

    def __init__(self, store: str | os.PathLike[str] | None = None, *, listen: bool = True,
                 executor_prefix: str = "agentfn") -> None:
        self.url = durable_store_url(store)
        self.listen = listen
        self.executor_id = f"{executor_prefix}-{socket.gethostname()}-{os.getpid()}-{random.getrandbits(24):06x}"
        self.agents: dict[str, DurableAgent[Any, Any]] = {}
        self.version: str | None = None
        self.home = Home()
        self.locks = ExecutorLocks(self.url)
        self.listeners: dict[str, _Listener] = {}
        self._client: Any = None
        self._launch_lock = threading.Lock()

    # -- lifecycle --------------------------------------------------------------------

    @property
    def launched(self) -> bool:
        return self.version is not None

    def register(self, durable: DurableAgent[Any, Any]) -> None:
        if self.launched:
            raise DurableRunError("register every DurableAgent before its runtime launches")
        if durable.name in self.agents and self.agents[durable.name] is not durable:
            raise DurableRunError(f"two durable agents are named {durable.name!r}; give one another name=")
        self.agents[durable.name] = durable

    def app_version(self) -> str:
        prints = sorted(f"{name}={d.fingerprint}" for name, d in self.agents.items())
        return "agentfn-" + hashlib.sha256("|".join(prints).encode()).hexdigest()[:16]

    async def launch(self) -> None:
        """Start DBOS for this store (idempotent); binds this event loop as the agents' home."""
        if self.launched:
            return
        if _ACTIVE and _ACTIVE[0] is not self:
            raise DurableRunError("another DurableRuntime is launched in this process; close it first "
                                  "(DBOS allows one per process)")
        if not self.agents:
            raise DurableRunError("no DurableAgent is registered with this runtime")
        self.home.bind()
        await asyncio.to_thread(self._launch_sync)

    def _launch_sync(self) -> None:
        with self._launch_lock:
            if not self.launched:
                self._launch_locked()

    def _launch_locked(self) -> None:
        dbos = _dbos()
        _workflow()
        _use_wal(self.url)
        version = self.app_version()
        config: dict[str, Any] = {
            "name": "agentfn", "system_database_url": self.url, "application_version": version,
            "executor_id": self.executor_id, "log_level": os.environ.get("AGENTFN_DBOS_LOG_LEVEL", "ERROR"),
        }
        self.locks.hold(self.executor_id)
        try:
            dbos.DBOS(config=config)
            if not self.listen:
                dbos.DBOS.listen_queues([])
            dbos.DBOS.launch()
            if self.listen:
                dbos.DBOS.register_queue(RECOVERY_QUEUE, polling_interval_sec=0.2, on_conflict="never_update")
        except BaseException:
            dbos.DBOS.destroy()
            self.locks.release()
            raise
        _ACTIVE[:] = [self]
        self.version = version
        log.info("durable runtime %s launched on %s (version %s)", self.executor_id, self.url, version)

    def close(self) -> None:
        """Stop DBOS; runs still in flight stay pending and are recovered later."""
        if self._client is not None:
            self._client.destroy()
            self._client = None
        if not self.launched:
            return
        _dbos().DBOS.destroy()
        self.locks.release()
        self.version = None
        _ACTIVE.clear()

    def client(self) -> Any:
        """A DBOS client on this store (listing, steps, resuming; needs no launch)."""
        if self._client is None:
            self._client = _dbos().DBOSClient(system_database_url=self.url)
        return self._client

    # -- running ----------------------------------------------------------------------

    async def start(self, key: str, payload: dict[str, Any], run_id: str, stream: bool,
                    agent: Any = None) -> tuple[_Listener, Any]:
        """Start run ``run_id`` of agent ``key`` as a workflow here; its events go to the listener."""
        await self.launch()
        self.home.bind()
        dbos = _dbos()
        listener = self.listeners[run_id] = _Listener(stream)
        listener.agent = agent
        try:
            with dbos.SetWorkflowID(run_id):
                handle = await dbos.DBOS.start_workflow_async(_workflow(), key, payload)
        except BaseException:
            self.listeners.pop(run_id, None)
            raise
        return listener, handle

    async def follow(self, run_id: str, stream: bool = False) -> tuple[_Listener, Any]:
        """Listen to a run that this process may execute (after :meth:`recover`) and get its handle."""
        await self.launch()
        self.home.bind()
        listener = self.listeners[run_id] = _Listener(stream)
        handle = await _dbos().DBOS.retrieve_workflow_async(run_id)
        return listener, handle

    async def execute(self, key: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The body of the ``agentfn.run`` workflow (called by DBOS, here or after recovery)."""
        run_id = _dbos().DBOS.workflow_id
        durable = self.agents.get(key)
        if durable is None or run_id is None:
            raise DurableRunError(f"no durable agent {key!r} in this process (agents: {', '.join(self.agents)})")
        return await durable.execute(run_id, payload, self.listeners.get(run_id))

    # -- inspecting and recovering ----------------------------------------------------

    async def pending(self, run_ids: list[str] | None = None) -> list[Any]:
        """Pending runs of this runtime's agents (DBOS ``WorkflowStatus`` records)."""
        version = self.version or self.app_version()
        return await asyncio.to_thread(
            self.client().list_workflows, status=["PENDING", "ENQUEUED"], name=WORKFLOW_NAME,
            app_version=version, workflow_ids=run_ids, load_output=False)

    async def interrupted_calls(self, run_id: str) -> list[dict[str, Any]]:
        """Calls to non-idempotent tools that began but never recorded a result."""
        steps = await asyncio.to_thread(self.client().list_workflow_steps, run_id)
        recorded = {s["function_id"] for s in steps}
        out: list[dict[str, Any]] = []
        for s in steps:
            if s["function_name"].startswith(MARKER_PREFIX) and s["function_id"] + 1 not in recorded:
                info = dict(s["output"] or {})
                info.setdefault("tool", s["function_name"][len(MARKER_PREFIX):])
                out.append({"run_id": run_id, **info})
        return out

    async def recover(self, run_ids: list[str] | None = None, *,
                      interrupted: InterruptedPolicy | None = None) -> list[str]:
        """Hand pending runs of dead processes back to the queue; returns the ids resumed.

        Runs whose process is alive are left alone. ``interrupted`` says what this process does
        with a non-idempotent call that was cut off, should it execute the run (default: skip).
        """
        if not self.listen:
            raise DurableRunError("this runtime does not listen for recovered runs (listen=False)")
        await self.launch()
        client = self.client()
        by_executor: dict[str, list[str]] = {}
        for w in await self.pending(run_ids):
            if w.status == "PENDING":
                by_executor.setdefault(w.executor_id or "", []).append(w.workflow_id)
        resumed: list[str] = []
        for executor, ids in by_executor.items():
            resumed += await asyncio.to_thread(self._recover_from, client, executor, ids, interrupted)
        return resumed

    def _recover_from(self, client: Any, executor: str, ids: list[str],
                      interrupted: InterruptedPolicy | None) -> list[str]:
        done: list[str] = []
        with self.locks.claim_dead(executor) as dead:
            if not dead:
                return done
            for run_id in ids:
                status = client.retrieve_workflow(run_id).get_status()
                if status.status != "PENDING" or status.executor_id != executor:
                    continue  # someone else recovered it meanwhile
                if interrupted is not None:
                    self.home.policies[run_id] = interrupted
                client.resume_workflow(run_id, queue_name=RECOVERY_QUEUE)
                log.info("recovering durable run %s of dead executor %s", run_id, executor)
                done.append(run_id)
        return done


class DurableRunInfo(BaseModel):
    """One durable run as ``agentfn runs list`` shows it."""

    run_id: str
    status: str
    """DBOS status: PENDING (running, or interrupted), ENQUEUED (waiting to be resumed), SUCCESS, ERROR..."""
    agent: str | None = None
    preview: str = ""
    created_at: float | None = None
    updated_at: float | None = None
    executor_id: str | None = None
    executor_alive: bool | None = None
    """For PENDING runs: whether the process running it is alive (False: it needs `agentfn runs resume`)."""
    app_version: str | None = None
    outcome: str | None = None
    error: str | None = None


def list_runs(store: str | os.PathLike[str] | None = None, *, pending: bool = False,
              limit: int = 50) -> list[DurableRunInfo]:
    """The newest durable runs in a store (``pending``: only those not finished)."""
    url = durable_store_url(store)
    client_cls = _dbos().DBOSClient
    try:
        client = client_cls(system_database_url=url)
    except Exception as exc:
        raise DurableRunError(f"cannot open the durable store {url}: {exc}") from exc
    locks = ExecutorLocks(url)
    try:
        try:
            rows = client.list_workflows(
                name=WORKFLOW_NAME, status=["PENDING", "ENQUEUED"] if pending else None, limit=limit,
                sort_desc=True)
        except Exception as exc:  # a store no durable run has used yet has no DBOS tables
            if "no such table" in str(exc) or "does not exist" in str(exc):
                return []
            raise DurableRunError(f"cannot list durable runs in {url}: {exc}") from exc
        out: list[DurableRunInfo] = []
        for w in rows:
            inputs: Any = w.input or {}
            args: tuple[Any, ...] = tuple(inputs.get("args") or ())
            payload: dict[str, Any] = cast(dict[str, Any], args[1]) if len(args) > 1 and isinstance(args[1], dict) else {}
            alive: bool | None = None
            if w.status == "PENDING" and w.executor_id:
                with locks.claim_dead(w.executor_id) as dead:
                    alive = not dead
            recorded: Any = w.output
            output: dict[str, Any] = cast(dict[str, Any], recorded) if isinstance(recorded, dict) else {}
            out.append(DurableRunInfo(
                run_id=w.workflow_id, status=w.status, agent=str(args[0]) if args else None,
                preview=str(payload.get("preview") or ""),
                created_at=w.created_at / 1000 if w.created_at else None,
                updated_at=w.updated_at / 1000 if w.updated_at else None,
                executor_id=w.executor_id, executor_alive=alive, app_version=w.app_version,
                outcome=output.get("outcome"), error=str(w.error) if w.error is not None else None,
            ))
        return out
    finally:
        client.destroy()
