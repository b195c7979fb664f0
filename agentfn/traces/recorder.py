"""Event consumers an agent calls synchronously: the trace recorder and a fan-out.

The recorder contract (what ``Agent(recorder=...)`` calls):

* ``handle(event)`` — called from the event loop for every event; cheap (one
  deque append) and never raises.
* ``await aflush()`` — wait until everything handled so far is stored.
* ``close()`` — flush, stop the writer thread, release the store.

:class:`TraceRecorder` writes from one background thread in batches: it takes
whatever has queued up since the last write and stores it in one transaction,
so under load batches grow and per-event cost falls, and with no load each
step is written as soon as it ends (a killed process loses at most the step in
flight). Store failures are retried, then logged and counted in
:attr:`TraceRecorder.errors`; they never reach the run.
"""

from __future__ import annotations

import asyncio
import atexit
import collections
import logging
import os
import pickle
import threading
import time
import weakref
from typing import Any, Literal, Protocol, runtime_checkable

from agentfn.events import AgentEvent
from agentfn.exceptions import ConfigError
from agentfn.traces._assemble import EventAssembler
from agentfn.traces._ops import WriteOp
from agentfn.traces._procwriter import ProcessWriter
from agentfn.traces._writing import FailureLog, WriteStats, write_with_retries
from agentfn.traces.redact import Redactor, redact_secrets
from agentfn.traces.store import TraceStore

__all__ = ["EventRecorder", "MultiRecorder", "TraceRecorder"]

log = logging.getLogger("agentfn.traces")

_DEFAULT_REDACT: Any = object()


@runtime_checkable
class EventRecorder(Protocol):
    """What ``Agent(recorder=...)`` accepts."""

    def handle(self, event: AgentEvent) -> None: ...

    async def aflush(self) -> None: ...

    def close(self) -> None: ...


class _Flush:
    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done = threading.Event()


_STOP = object()


class TraceRecorder:
    """Record agent events into a :class:`TraceStore`, asynchronously and in batches.

    Args:
        store: the store, a URL/path to open, or None for the default store. A store the
            recorder opened itself is closed by :meth:`close`.
        redact: applied to every stored argument, result, error, message and output text.
            Defaults to :func:`redact_secrets`; pass None to store text unchanged.
        writer: where rows are built and written. ``"thread"``: a background thread of this
            process (no start-up cost; its CPU competes with the agent for the GIL).
            ``"process"``: a child process (~0.5 s to start, then the agent's process only
            hands events over: the choice for fast agents and servers). The process writer
            needs a store another process can open (not ``:memory:``) and a redactor that
            pickles (a module-level function); if the child dies, later events are written
            by the thread writer. ``"auto"``: the process writer where it can run, else the
            thread (``agentfn serve`` uses this).
        max_batch: most events written in one transaction (thread writer).
        flush_interval: after the first unwritten event the writer waits this long (seconds)
            for more, so a busy agent pays for one transaction per interval rather than one per
            event; it is also the most a killed process can lose of what completed (a step that
            ended less than this before the kill). :meth:`flush` and :meth:`close` do not wait.
            Default: 50 ms for the thread writer, 5 ms for the process writer.
        max_queue: events buffered while the store is slow; beyond it events are dropped and
            counted in :attr:`dropped` (the run never waits).
        retries: extra attempts for a failed write before its events are given up.

    TextDelta events carry nothing the final response lacks, so they are not recorded.

    Raises:
        ConfigError: ``writer="process"`` with an in-memory store or a redactor that does not
            pickle, or an unknown ``writer``.
    """

    def __init__(
        self,
        store: TraceStore | str | os.PathLike[str] | None = None,
        *,
        redact: Redactor | None = _DEFAULT_REDACT,
        writer: Literal["thread", "process", "auto"] = "thread",
        max_batch: int = 5_000,
        max_queue: int = 100_000,
        retries: int = 2,
        flush_interval: float | None = None,
    ) -> None:
        if writer not in ("thread", "process", "auto"):
            raise ConfigError(f"unknown trace writer {writer!r}; expected 'thread', 'process' or 'auto'")
        self._owns_store = not isinstance(store, TraceStore)
        self.store = store if isinstance(store, TraceStore) else TraceStore.open(store)
        self.redact: Redactor | None = redact_secrets if redact is _DEFAULT_REDACT else redact
        if writer == "auto":
            writer = "process" if self._can_use_process() else "thread"
        self.writer: Literal["thread", "process"] = writer
        self.max_batch = max_batch
        self.max_queue = max_queue
        if flush_interval is None:
            # Process writer: a batch costs the agent's process little, while events held
            # longer cost it more (measured: 5 ms +1-3% per step, 50 ms +15-26%).
            flush_interval = 0.005 if writer == "process" else 0.05
        self.flush_interval = flush_interval
        self.retries = retries
        self._stats = WriteStats()
        self._failure_log = FailureLog()
        self._assembler = EventAssembler(self.redact)
        self._wake = threading.Event()  # a flush or close asks the writer not to wait for a batch
        self._has_data = threading.Event()  # an idle writer sleeps on this, not on a poll
        # A deque, not queue.Queue: append and popleft are atomic and lock-free, and handle()
        # runs on the event loop for every event of every run.
        self._buffer: collections.deque[Any] = collections.deque()
        self._closed = False
        self._thread: threading.Thread | None = None
        self._proc: ProcessWriter | None = None
        if writer == "process":
            self._proc = ProcessWriter(
                self._shareable_url(), self._picklable_redactor(),
                flush_interval=flush_interval, max_queue=max_queue, retries=retries,
            )
        else:
            self._start_thread()
        # Flush on interpreter exit: the writer is a daemon thread and would be cut off.
        self._atexit = _make_atexit(weakref.ref(self))
        atexit.register(self._atexit)

    def _can_use_process(self) -> bool:
        try:
            self._shareable_url()
            self._picklable_redactor()
        except ConfigError:
            return False
        return True

    def _shareable_url(self) -> str:
        url = self.store.engine.url
        if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
            raise ConfigError("writer='process' needs a store another process can open, not an in-memory one")
        return url.render_as_string(hide_password=False)

    def _picklable_redactor(self) -> Redactor | None:
        try:
            pickle.loads(pickle.dumps(self.redact))
        except Exception as exc:
            raise ConfigError(
                f"writer='process' needs a redactor the writer process can import (a module-level function): {exc}"
            ) from exc
        return self.redact

    def _start_thread(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="agentfn-trace-writer", daemon=True)
            self._thread.start()

    # -- counters --------------------------------------------------------------------

    @property
    def errors(self) -> int:
        """Writes given up after retries (each logged)."""
        return self._stats.errors + (self._proc.child_stats.errors if self._proc else 0)

    @property
    def dropped(self) -> int:
        """Events not stored (queue full, recorder closed, a failed write, a writer process gone)."""
        extra = self._proc.child_stats.dropped + self._proc.lost if self._proc else 0
        return self._stats.dropped + extra

    @property
    def written(self) -> int:
        """Events stored."""
        return self._stats.written + (self._proc.child_stats.written if self._proc else 0)

    @property
    def last_error(self) -> BaseException | None:
        """The most recent store error, if any."""
        if self._stats.last_error is not None or self._proc is None:
            return self._stats.last_error
        return self._proc.child_stats.last_error

    # -- the recorder contract ----------------------------------------------------

    def handle(self, event: AgentEvent) -> None:
        """Queue an event for writing. Never blocks, never raises."""
        try:
            if self._closed:
                self._stats.dropped += 1
                return
            if event.kind == "text_delta":
                return
            proc = self._proc
            if proc is not None:
                if proc.put(event):
                    return
                if proc.alive:
                    self._full()
                    return
                self._start_thread()  # the writer process is gone: write in-process from now on
            buffer = self._buffer
            if len(buffer) >= self.max_queue:
                self._full()
                return
            buffer.append(event)
            if len(buffer) == 1:
                self._has_data.set()  # wake an idle writer (once per batch, not per event)
        except Exception as exc:  # the contract: recording never breaks a run
            self._stats.dropped += 1
            self._failure_log("trace recorder failed to queue an event", exc)

    def _full(self) -> None:
        self._stats.dropped += 1
        self._failure_log("trace queue full; event dropped (store too slow?)", None)

    def flush(self, timeout: float | None = None) -> bool:
        """Block until every event handled before this call is written (or given up).

        Returns False on timeout or when no writer is running.
        """
        ok = True
        if self._proc is not None and self._proc.alive:
            ok = self._proc.flush(timeout) or not self._proc.alive
        if self._thread is None:
            return ok
        if not self._thread.is_alive():
            return False
        marker = _Flush()
        self._buffer.append(marker)
        self._has_data.set()
        self._wake.set()
        return marker.done.wait(timeout) and ok

    async def aflush(self, timeout: float | None = None) -> bool:
        """:meth:`flush` without blocking the event loop."""
        return await asyncio.to_thread(self.flush, timeout)

    def close(self, timeout: float | None = 120.0) -> None:
        """Write what is queued, stop the writer, and close a store the recorder opened.

        Events still queued after ``timeout`` seconds (a store that stopped answering) are
        counted in :attr:`dropped` and logged.
        """
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self._atexit)
        if self._proc is not None:
            self._proc.close(timeout)
        thread = self._thread
        if thread is not None and thread.is_alive():
            self._buffer.append(_STOP)
            self._has_data.set()
            self._wake.set()
            thread.join(timeout)
            if thread.is_alive():
                left = sum(1 for x in list(self._buffer) if x is not _STOP and not isinstance(x, _Flush))
                self._stats.dropped += left
                log.warning("trace recorder closed with %d event(s) still unwritten after %ss", left, timeout)
        if self._owns_store:
            self.store.close()

    def __enter__(self) -> TraceRecorder:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def writer_pid(self) -> int | None:
        """Process id of a live writer process (``writer="process"``), else None."""
        return self._proc.pid if self._proc is not None and self._proc.alive else None

    @property
    def pending(self) -> int:
        """Events queued and not yet written."""
        return len(self._buffer) + (self._proc.pending if self._proc else 0)

    # -- the writer thread ----------------------------------------------------------

    def _run(self) -> None:
        buffer = self._buffer
        stop = False
        while not stop:
            self._has_data.clear()
            if not buffer:
                # Idle: sleep until handle() sees the buffer fill (the timeout only bounds a missed
                # wake-up when several threads hand events over at the same instant).
                self._has_data.wait(1.0)
                continue
            first = buffer[0]
            if self.flush_interval > 0 and not isinstance(first, _Flush) and first is not _STOP:
                # Let a batch gather: one transaction (and one wake-up of this thread) per interval.
                self._wake.wait(self.flush_interval)
            self._wake.clear()
            batch = [buffer.popleft() for _ in range(min(len(buffer), self.max_batch))]
            ops: list[WriteOp] = []
            markers: list[_Flush] = []
            events = 0
            for k, it in enumerate(batch):
                if k % 32 == 31:
                    time.sleep(0)  # hand the GIL back: the event loop must not wait for a whole batch
                if it is _STOP:
                    stop = True
                elif isinstance(it, _Flush):
                    markers.append(it)
                else:
                    events += 1
                    try:
                        ops.extend(self._assembler.feed(it))
                    except Exception as exc:
                        self._stats.errors += 1
                        self._stats.dropped += 1
                        self._stats.last_error = exc
                        self._failure_log("trace recorder could not process an event", exc)
            write_with_retries(self.store, ops, events, self._stats, self.retries, self._failure_log)
            for m in markers:
                m.done.set()


def _make_atexit(ref: weakref.ReferenceType[TraceRecorder]) -> Any:
    def flush_at_exit() -> None:
        recorder = ref()
        if recorder is not None:
            recorder.close(timeout=10.0)

    return flush_at_exit


class MultiRecorder:
    """Send every event to several recorders (e.g. the trace store and OpenTelemetry).

    One failing recorder does not stop the others.
    """

    def __init__(self, *recorders: EventRecorder | None) -> None:
        self.recorders: list[EventRecorder] = [r for r in recorders if r is not None]

    def handle(self, event: AgentEvent) -> None:
        for r in self.recorders:
            try:
                r.handle(event)
            except Exception as exc:
                log.warning("recorder %r failed: %s", r, exc)

    async def aflush(self) -> None:
        for r in self.recorders:
            try:
                await r.aflush()
            except Exception as exc:
                log.warning("recorder %r failed to flush: %s", r, exc)

    def close(self) -> None:
        for r in self.recorders:
            try:
                r.close()
            except Exception as exc:
                log.warning("recorder %r failed to close: %s", r, exc)
