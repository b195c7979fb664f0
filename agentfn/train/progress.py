"""Progress of training stages on stderr: rich bars (with ETA) on a terminal, plain timed lines otherwise.

Logs and CI capture stderr without a terminal, where a live rich display shows
nothing until it stops; there each stage prints a line when it starts, every
``every_s`` seconds while it advances, and when it completes. Silent when disabled.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

__all__ = ["Reporter"]


class Reporter:
    """One progress display, a bar (or a stream of lines) per stage, on stderr.

    Each stage hands back a callback ``(done, total)`` (or ``(step, total, loss)``
    for training) that advances it; with ``enabled=False`` the callbacks do
    nothing, so library callers pay no cost.
    """

    def __init__(self, enabled: bool = True, *, every_s: float = 15.0) -> None:
        self._progress: Any = None
        self._lines = False
        self._every = every_s
        self._t0 = time.perf_counter()
        if not enabled:
            return
        from rich.console import Console

        console = Console(stderr=True)
        if not console.is_terminal:
            self._lines = True
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[info]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
        )
        self._progress.start()

    def _line_stage(self, description: str) -> Callable[[int, int, str], None]:
        """A stage printed as lines: at its first call, every ``every_s`` seconds, and when done."""
        last = [-1.0]

        def update(done: int, total: int, info: str) -> None:
            now = time.perf_counter()
            if last[0] >= 0 and now - last[0] < self._every and done < total:
                return
            last[0] = now
            extra = f" {info}" if info else ""
            sys.stderr.write(f"[{now - self._t0:7.1f}s] {description}: {done}/{total}{extra}\n")
            sys.stderr.flush()

        return update

    def task(self, description: str, total: int) -> Callable[[int, int], None]:
        """A bar for a stage of ``total`` items; returns its ``(done, total)`` callback."""
        if self._lines:
            line = self._line_stage(description)
            line(0, total, "")
            return lambda done, total_now: line(done, total_now, "")
        if self._progress is None:
            return _noop
        progress = self._progress
        task_id = progress.add_task(description, total=total, info="")

        def update(done: int, total_now: int) -> None:
            progress.update(task_id, completed=done, total=total_now)

        return update

    def steps(self, description: str) -> Callable[[int, int, float], None] | None:
        """A bar for optimiser steps that also shows the latest loss."""
        if self._lines:
            line = self._line_stage(description)
            return lambda step, total, loss: line(step, total, f"loss {loss:.4f}")
        if self._progress is None:
            return None
        progress = self._progress
        task_id = progress.add_task(description, total=None, info="")

        def update(step: int, total: int, loss: float) -> None:
            progress.update(task_id, completed=step, total=total, info=f"loss {loss:.4f}")

        return update

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def _noop(done: int, total: int) -> None:
    return None
