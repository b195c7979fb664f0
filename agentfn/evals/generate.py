"""Draft evaluation cases for a person to review (``agentfn eval generate``).

Drafts come from two places: each tool's schema (a request phrased from its
description with example argument values) and successful runs in the trace
store (the user's real request and the calls that answered it). Drafts carry
``"draft": true``; review them, fix the acceptable values, then drop the flag.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from agentfn.backends.function import example_from_schema
from agentfn.toolset import Toolset

__all__ = ["cases_from_schemas", "cases_from_traces"]


def _phrase(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    return str(value)


def cases_from_schemas(toolset: Toolset) -> list[dict[str, Any]]:
    """One draft case per tool, plus one 'no call expected' case."""
    cases: list[dict[str, Any]] = []
    for tool in toolset:
        example: Any = example_from_schema(tool.parameters)
        args: dict[str, Any] = cast(dict[str, Any], example) if isinstance(example, dict) else {}
        summary = (tool.description.split("\n")[0].rstrip(".") or tool.name.replace("_", " ")).lower()
        details = ", ".join(f"{k.replace('_', ' ')} {_phrase(v)}" for k, v in args.items())
        prompt = f"I need this: {summary}" + (f" ({details})." if details else ".")
        cases.append({
            "id": f"schema-{tool.name}",
            "prompt": prompt,
            "expected": [{"name": tool.name, "arguments": {k: [v] for k, v in args.items()}}],
            "order": "any",
            "draft": True,
        })
    cases.append({"id": "no-call-greeting", "prompt": "Hi! Thanks, that's all for today.", "expected": [], "draft": True})
    return cases


def cases_from_traces(runs: Iterable[Any], *, limit: int | None = None) -> list[dict[str, Any]]:
    """Cases from answered runs: the first request and the calls that succeeded, in order."""
    cases: list[dict[str, Any]] = []
    seen: set[str] = set()
    for run in runs:
        request = run.request
        key = " ".join(request.lower().split())
        if not request or key in seen or run.outcome != "answered":
            continue
        seen.add(key)
        first_step = min((c.step for c in run.tool_calls if c.ok), default=None)
        calls = [c for c in run.tool_calls if c.ok and c.step == first_step]
        expected: list[dict[str, Any]] = []
        for c in calls:
            arguments: dict[str, Any] = c.arguments or {}
            expected.append({"name": c.name, "arguments": {k: [v] for k, v in arguments.items()}})
        cases.append({"id": f"trace-{run.id[:12]}", "prompt": request, "expected": expected,
                      "order": "any", "draft": True})
        if limit is not None and len(cases) >= limit:
            break
    return cases
