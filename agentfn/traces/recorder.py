"""Event consumers an agent calls synchronously: the trace recorder and a fan-out.

The recorder contract (what ``Agent(recorder=...)`` calls):

* ``handle(event)`` — called from the event loop for every event; cheap (one
  queue put) and never raises.
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
import contextlib
import logging
import os
import queue
import threading
import time
import weakref
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from agentfn.events import AgentEvent
from agentfn.traces._assemble import EventAssembler
from agentfn.traces._ops import WriteOp
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
        max_batch: most events written in one transaction.
        flush_interval: after the first unwritten event the writer waits this long (seconds)
            for more, so a busy agent pays for one transaction per interval rather than one per
            event; it is also the most a killed process can lose of what completed (a step that
            ended less than this before the kill). :meth:`flush` and :meth:`close` do not wait.
        max_queue: events buffered while the store is slow; beyond it events are dropped and
            counted in :attr:`dropped` (the run never waits).
        retries: extra attempts for a failed write before its events are given up.
        record_text_deltas: TextDelta events carry nothing the final response lacks, so they
            are skipped unless asked for (they are still ignored by the store).

    Attributes:
        errors: writes given up after retries (each logged).
        dropped: events not stored (queue full, recorder closed, or in a failed write; when
            part of a batch could be stored, the number of refused writes).
        written: events stored.
        last_error: the most recent store error, if any.
    """

    def __init__(
        self,
        store: TraceStore | str | os.PathLike[str] | None = None,
        *,
        redact: Redactor | None = _DEFAULT_REDACT,
        max_batch: int = 5_000,
        max_queue: int = 100_000,
        retries: int = 2,
        flush_interval: float = 0.05,
    ) -> None:
        self._owns_store = not isinstance(store, TraceStore)
        self.store = store if isinstance(store, TraceStore) else TraceStore.open(store)
        self.redact: Redactor | None = redact_secrets if redact is _DEFAULT_REDACT else redact
        self.max_batch = max_batch
        self.flush_interval = flush_interval
        self._wake = threading.Event()
        self.retries = retries
        self.errors = 0
        self.dropped = 0
        self.written = 0
        self.last_error: BaseException | None = None
        self._assembler = EventAssembler(self.redact)
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=max_queue)
        self._closed = False
        self._last_log = 0.0
        self._suppressed = 0
        self._thread = threading.Thread(target=self._run, name="agentfn-trace-writer", daemon=True)
        self._thread.start()
        # Flush on interpreter exit: the writer is a daemon thread and would be cut off.
        self._atexit = _make_atexit(weakref.ref(self))
        atexit.register(self._atexit)

    # -- the recorder contract ----------------------------------------------------

    def handle(self, event: AgentEvent) -> None:
        """Queue an event for writing. Never blocks, never raises."""
        try:
            if self._closed:
                self.dropped += 1
                return
            if event.kind == "text_delta":
                return
            self._queue.put_nowait(event)
        except queue.Full:
            self.dropped += 1
            self._log_failure("trace queue full; event dropped (store too slow?)", None)
        except Exception as exc:  # the contract: recording never breaks a run
            self.dropped += 1
            self._log_failure("trace recorder failed to queue an event", exc)

    def flush(self, timeout: float | None = None) -> bool:
        """Block until every event handled before this call is written (or given up).

        Returns False on timeout or when the writer is not running.
        """
        if not self._thread.is_alive():
            return False
        marker = _Flush()
        try:
            self._queue.put(marker, timeout=timeout)
        except queue.Full:
            return False
        self._wake.set()
        return marker.done.wait(timeout)

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
        if self._thread.is_alive():
            with contextlib.suppress(queue.Full):
                self._queue.put(_STOP, timeout=timeout)
            self._wake.set()
            self._thread.join(timeout)
        if self._thread.is_alive():
            left = self._queue.qsize()
            self.dropped += left
            log.warning("trace recorder closed with %d event(s) still unwritten after %ss", left, timeout)
        if self._owns_store:
            self.store.close()

    def __enter__(self) -> TraceRecorder:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def pending(self) -> int:
        """Events queued and not yet written."""
        return self._queue.qsize()

    # -- the writer thread ----------------------------------------------------------

    def _run(self) -> None:
        stop = False
        while not stop:
            item = self._queue.get()
            if self.flush_interval > 0 and not isinstance(item, _Flush) and item is not _STOP:
                # Let a batch gather: one transaction (and one wake-up of this thread) per interval.
                self._wake.wait(self.flush_interval)
            self._wake.clear()
            batch: list[Any] = [item]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
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
                        self.errors += 1
                        self.dropped += 1
                        self.last_error = exc
                        self._log_failure("trace recorder could not process an event", exc)
            self._write(ops, events)
            for m in markers:
                m.done.set()

    def _write(self, ops: Sequence[WriteOp], events: int) -> None:
        if not ops:
            self.written += events
            return
        delay = 0.1
        for attempt in range(self.retries + 1):
            try:
                self.store.write(ops)
                self.written += events
                return
            except Exception as exc:
                self.last_error = exc
                if attempt < self.retries:
                    time.sleep(delay)
                    delay *= 4
        # One bad row (say a value PostgreSQL refuses) must not cost the other runs in the batch:
        # store the writes one by one, giving up after a few failures in a row (the store is down).
        failed, streak = 0, 0
        if len(ops) > 1:
            for i, op in enumerate(ops):
                if streak >= 3:
                    failed += len(ops) - i
                    break
                try:
                    self.store.write([op])
                    streak = 0
                except Exception as exc:
                    self.last_error = exc
                    failed += 1
                    streak += 1
        else:
            failed = len(ops)
        self.errors += 1
        if failed == len(ops):
            self.dropped += events
            self._log_failure(f"trace store write failed; {events} event(s) not stored", self.last_error)
        else:
            self.written += events
            self.dropped += failed
            self._log_failure(f"trace store refused {failed} of {len(ops)} write(s)", self.last_error)

    def _log_failure(self, message: str, exc: BaseException | None) -> None:
        # At most one line per 10 s, so a dead store does not flood the log of a busy agent.
        now = time.monotonic()
        if now - self._last_log < 10.0:
            self._suppressed += 1
            return
        extra = f" ({self._suppressed} similar suppressed)" if self._suppressed else ""
        self._suppressed = 0
        self._last_log = now
        log.warning("%s: %s%s", message, exc if exc is not None else "", extra)


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
