"""Composition: pipelines of tools, and plans of calls that refer to earlier results.

**Pipelines.** ``compose(a, b, c)`` is a tool taking ``a``'s parameters and
returning ``c``'s result; each result feeds the next tool. The wiring is decided,
and type-checked, when the pipeline is built:

1. the next tool has one required parameter and the result's type fits it: the
   whole result is that argument;
2. otherwise the result is an object whose fields are named like the next tool's
   required parameters: each such field is passed under its name.

Anything else raises :class:`~agentfn.exceptions.ToolDefinitionError` naming the
mismatch. Results pass between tools as JSON values, so a pydantic model produced
by one tool validates into the (compatible) model another tool expects.

**Plans.** A plan is a JSON object (the format a model writes, see :class:`Plan`)::

    {"steps": [
        {"id": "1", "tool": "geocode", "arguments": {"city": "Paris"}},
        {"id": "2", "tool": "weather", "arguments": {"coords": "$1.location", "units": "metric"}},
        {"id": "3", "tool": "translate", "arguments": {"text": "Forecast: ${2.summary}", "target": "fr"}}
     ],
     "output": "$3"}

- ``"$ID"`` as a whole string value is the result of step ``ID``; ``"$ID.a.b.0"``
  walks into it (object fields, list indexes). The value keeps its JSON type.
- ``"${ID.path}"`` inside a longer string is replaced by the value as text.
- ``"$$..."`` is a literal string starting with ``$``.
- A step may only refer to steps listed before it. ``output`` (optional) is a
  reference; without it the plan's output is the last step's result.

:func:`validate_plan` checks, before anything runs: unique ids, known tools,
references to earlier steps only, required arguments present, unknown
arguments, literal arguments against the parameter schemas, and every reference
against the referenced tool's return schema (the field exists, and its type fits
the parameter). :func:`execute_plan` then runs the steps, independent ones in
parallel; a failing step is reported and the steps depending on it are skipped,
while the others complete. :func:`plan_tool` makes the ``run_plan`` tool an agent
offers so a model can submit a plan in one call; :func:`plan_from_chain` builds a
plan skeleton from a router's ``selected`` chain.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from agentfn._pipeline import Link, Pipeline, compose, link
from agentfn._plan import (
    Plan,
    PlanResult,
    PlanStep,
    PlanValidationError,
    StepResult,
    execute_plan,
    plan_from_chain,
    plan_tool,
    validate_plan,
)

__all__ = [
    "Link",
    "Pipeline",
    "Plan",
    "PlanResult",
    "PlanStep",
    "PlanValidationError",
    "StepResult",
    "compose",
    "execute_plan",
    "link",
    "plan_from_chain",
    "plan_tool",
    "validate_plan",
]


class _CallableModule(types.ModuleType):
    """``agentfn.compose`` is this module, and calling it calls :func:`compose` (``agentfn.compose(a, b)``)."""

    def __call__(self, *tools: Any, name: str | None = None, description: str | None = None) -> Pipeline:
        return compose(*tools, name=name, description=description)


sys.modules[__name__].__class__ = _CallableModule
