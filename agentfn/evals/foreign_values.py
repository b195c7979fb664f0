"""The foreign-values set: argument values a small model must copy onto tools it has never seen.

``data/foreign_values.json`` holds Python function-style tools (their schemas as
:class:`~agentfn.tool.Tool` renders a typed function: numbers, lists of numbers, enums, units,
optional arguments with defaults, names, dates, booleans) and short requests, each with the one call
it should produce. The expected calls were written before any tuning. Each expected argument is one
value or a list of acceptable values (a list-typed value is wrapped in a list); an argument the case
does not list must be left out or equal its default (:func:`agentfn.evals.calls.match_arguments`).

:func:`foreign_value_cases` turns the set into :class:`~agentfn.evals.calls.CallCase` objects that offer
only the gold tool (the call is forced onto it, so the values alone are scored) and the
:class:`~agentfn.toolset.Toolset` of stand-in tools they run against (no tool body ever runs: a
single-step case is scored before execution).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from agentfn.evals.calls import CallCase, ExpectedCall
from agentfn.tool import Tool
from agentfn.toolset import Toolset

__all__ = ["ForeignValueSet", "foreign_value_cases", "load_foreign_values"]


@dataclass(frozen=True)
class ForeignValueSet:
    """The set's tools (OpenAI function specs) and cases (id, request, tool, arguments)."""

    tools: list[dict[str, Any]]
    cases: list[dict[str, Any]]


def load_foreign_values() -> ForeignValueSet:
    """The packaged set."""
    text = (resources.files("agentfn.evals") / "data" / "foreign_values.json").read_text(encoding="utf-8")
    data = json.loads(text)
    return ForeignValueSet(tools=list(data["tools"]), cases=list(data["cases"]))


async def _not_run(**arguments: Any) -> str:
    return "not run: the eval scores the call, not its result"


def foreign_value_cases(data: ForeignValueSet | None = None) -> tuple[Toolset, list[CallCase]]:
    """(toolset, cases): each case offers only its gold tool and expects exactly its call."""
    data = data or load_foreign_values()
    tools = [Tool.from_schema({"type": "function", "function": spec}, function=_not_run) for spec in data.tools]
    cases = [
        CallCase(id=c["id"], prompt=c["request"], tools=[c["tool"]],
                 expected=[ExpectedCall(name=c["tool"], arguments=dict(c["arguments"]))])
        for c in data.cases
    ]
    return Toolset(tools, name="foreign values"), cases
