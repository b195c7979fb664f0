"""rich progress bars (with ETA) for training stages; silent when disabled."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["Reporter"]


class Reporter:
    """One rich ``Progress`` display, a bar per stage, on stderr.

    Each stage hands back a callback ``(done, total)`` (or ``(step, total, loss)``
    for training) that advances its bar; with ``enabled=False`` the callbacks do
    nothing, so library callers pay no cost.
    """

    def __init__(self, enabled: bool = True) -> None:
        self._progress: Any = None
        if enabled:
            from rich.console import Console
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
                console=Console(stderr=True),
            )
            self._progress.start()

    def task(self, description: str, total: int) -> Callable[[int, int], None]:
        """A bar for a stage of ``total`` items; returns its ``(done, total)`` callback."""
        if self._progress is None:
            return _noop
        progress = self._progress
        task_id = progress.add_task(description, total=total, info="")

        def update(done: int, total_now: int) -> None:
            progress.update(task_id, completed=done, total=total_now)

        return update

    def steps(self, description: str) -> Callable[[int, int, float], None] | None:
        """A bar for optimiser steps that also shows the latest loss."""
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
