"""Every exception agentfn exports is really raised by agentfn itself (no dead error types).

The source of every ``agentfn`` module (``exceptions.py`` aside) is parsed with :mod:`ast`;
an exception counts as raised when agentfn constructs it (``raise X(...)``, or ``X(...)``
kept and raised or reported later, as the executor does with ``CallOutcome.exception``).
A base class counts through a subclass agentfn constructs.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

import agentfn
import agentfn.exceptions as exceptions

ROOT = Path(agentfn.__file__).parent


def _constructed_names() -> set[str]:
    names: set[str] = set()
    for folder, _, files in os.walk(ROOT, followlinks=True):
        for file in files:
            path = Path(folder, file)
            if not file.endswith(".py") or path == Path(exceptions.__file__):
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call):
                    func = node.func
                    if isinstance(func, ast.Name):
                        names.add(func.id)
                    elif isinstance(func, ast.Attribute):
                        names.add(func.attr)
    return names


def _exported() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for module in (agentfn, exceptions):
        for name in module.__all__:
            value = getattr(module, name)
            if isinstance(value, type) and issubclass(value, BaseException):
                found[name] = value
    return found


def test_every_exported_exception_is_raised_somewhere() -> None:
    exported = _exported()
    assert {"AgentFnError", "ToolError", "ToolRetry", "TraceStoreError"} <= set(exported)
    constructed = _constructed_names()
    never = [
        name for name, cls in exported.items()
        if name not in constructed
        and not any(issubclass(other, cls) and other is not cls and other_name in constructed
                    for other_name, other in exported.items())
    ]
    assert never == [], f"exported but never raised by agentfn: {never}"
