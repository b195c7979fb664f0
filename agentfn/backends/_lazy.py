"""Lazy imports of heavy optional dependencies.

Modules come back typed as ``Any`` on purpose: torch/transformers/vllm are only partly typed
and are used through a handful of calls, so strict type checking of their internals would
cost more than it catches.
"""

from __future__ import annotations

import importlib
from typing import Any

from agentfn.exceptions import MissingExtraError

__all__ = ["import_extra"]


def import_extra(module: str, *, feature: str, extra: str) -> Any:
    """Import ``module`` or raise :class:`MissingExtraError` naming ``extra``."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        missing = exc.name or module.split(".")[0]
        raise MissingExtraError(feature, extra, missing) from exc
