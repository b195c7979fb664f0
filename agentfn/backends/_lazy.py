"""Lazy imports of heavy optional dependencies.

Modules come back typed as ``Any`` on purpose: torch/transformers/vllm are only partly typed
and are used through a handful of calls, so strict type checking of their internals would
cost more than it catches.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Generator
from typing import Any

from agentfn.exceptions import MissingExtraError

__all__ = ["import_extra", "quiet_progress_bars"]


def import_extra(module: str, *, feature: str, extra: str) -> Any:
    """Import ``module`` or raise :class:`MissingExtraError` naming ``extra``."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        missing = exc.name or module.split(".")[0]
        raise MissingExtraError(feature, extra, missing) from exc


@contextlib.contextmanager
def quiet_progress_bars() -> Generator[None]:
    """Hide transformers' per-tensor progress bars (they flood a CLI run's output)."""
    hf_logging: Any = import_extra("transformers.utils.logging", feature="transformers", extra="transformers")
    was_enabled = bool(hf_logging.is_progress_bar_enabled())
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()
