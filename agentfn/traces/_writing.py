"""Storing a batch of write operations with retries, shared by both recorder writers.

The in-process writer thread and the writer subprocess apply the same policy:
retry the whole batch with backoff; if it still fails, store the operations
one by one so a single refused row costs only itself; count and log what was
lost, never raise.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from agentfn.traces._ops import WriteOp
from agentfn.traces.store import TraceStore

log = logging.getLogger("agentfn.traces")


@dataclass
class WriteStats:
    """What a writer did: events stored, writes given up, events lost, the last error."""

    written: int = 0
    errors: int = 0
    dropped: int = 0
    last_error: BaseException | None = None


class FailureLog:
    """Logs at most one line per ``every`` seconds, so a dead store does not flood the log."""

    def __init__(self, every: float = 10.0) -> None:
        self.every = every
        self._last = float("-inf")
        self._suppressed = 0

    def __call__(self, message: str, exc: BaseException | None) -> None:
        now = time.monotonic()
        if now - self._last < self.every:
            self._suppressed += 1
            return
        extra = f" ({self._suppressed} similar suppressed)" if self._suppressed else ""
        self._suppressed = 0
        self._last = now
        log.warning("%s: %s%s", message, exc if exc is not None else "", extra)


def write_with_retries(
    store: TraceStore, ops: Sequence[WriteOp], events: int, stats: WriteStats, retries: int, failure_log: FailureLog
) -> None:
    """Store ``ops`` (built from ``events`` events) and update ``stats``; never raises."""
    if not ops:
        stats.written += events
        return
    delay = 0.1
    for attempt in range(retries + 1):
        try:
            store.write(ops)
            stats.written += events
            return
        except Exception as exc:
            stats.last_error = exc
            if attempt < retries:
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
                store.write([op])
                streak = 0
            except Exception as exc:
                stats.last_error = exc
                failed += 1
                streak += 1
    else:
        failed = len(ops)
    stats.errors += 1
    if failed == len(ops):
        stats.dropped += events
        failure_log(f"trace store write failed; {events} event(s) not stored", stats.last_error)
    else:
        stats.written += events
        stats.dropped += failed
        failure_log(f"trace store refused {failed} of {len(ops)} write(s)", stats.last_error)
