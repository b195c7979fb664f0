"""Write operations the recorder hands to the store (plain rows, ready to insert)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class RunStartOp:
    """Insert a run row (ignored when the id exists)."""

    row: dict[str, Any]


@dataclass(slots=True)
class StepOp:
    """Insert one step and its tool calls."""

    row: dict[str, Any]
    calls: list[dict[str, Any]] = field(default_factory=list[dict[str, Any]])


@dataclass(slots=True)
class RunEndOp:
    """Update a run's outcome, usage and latency."""

    run_id: str
    values: dict[str, Any]


WriteOp = RunStartOp | StepOp | RunEndOp
