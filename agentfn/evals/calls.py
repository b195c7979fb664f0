"""Score a model plus this runtime on the user's own tools.

A case is one conversation and the calls it should produce::

    {"id": "weather-1",
     "messages": [{"role": "user", "content": "Is it raining in Paris?"}],   # or "prompt": "..."
     "expected": [{"name": "get_weather", "arguments": {"city": ["Paris", "Paris, France"], "unit": ["celsius", ""]}}],
     "order": "any"}                                                           # or "strict"

``expected: []`` means no call should be made. Each argument lists its
acceptable values; ``""`` among them means the argument may be left out.
Strings compare case- and whitespace-insensitively, numbers numerically.
A run passes when the calls' names and arguments all match (as a multiset
when ``order`` is ``any``). Each case runs ``k`` times; ``pass^k`` counts
cases that pass every time.
"""

from __future__ import annotations

import itertools
import json
import re
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, cast

from pydantic import BaseModel, Field

from agentfn.backends.base import Model, ModelRequest
from agentfn.exceptions import AgentFnError, ToolArgumentError
from agentfn.messages import Message, UserMessage, messages_from_openai
from agentfn.toolset import Toolset

__all__ = ["CallCase", "CaseResult", "EvalReport", "ExpectedCall", "evaluate_calls", "load_cases"]


class ExpectedCall(BaseModel):
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict[str, Any])


class CallCase(BaseModel):
    id: str
    messages: list[dict[str, Any]] = Field(default_factory=list[dict[str, Any]])
    prompt: str | None = None
    expected: list[ExpectedCall]
    order: Literal["any", "strict"] = "any"
    tools: list[str] | None = None
    """Offer only these tools (default: all)."""

    def conversation(self) -> list[Message]:
        msgs = messages_from_openai(self.messages) if self.messages else []
        if self.prompt:
            msgs.append(UserMessage(content=self.prompt))
        return msgs


class RunScore(BaseModel):
    passed: bool
    name_match: bool
    calls: list[dict[str, Any]]
    problems: list[str]
    latency_s: float


class CaseResult(BaseModel):
    id: str
    runs: list[RunScore]

    @property
    def pass_rate(self) -> float:
        return sum(r.passed for r in self.runs) / len(self.runs)

    @property
    def pass_all(self) -> bool:
        return all(r.passed for r in self.runs)


class EvalReport(BaseModel):
    model: str
    k: int
    cases: list[CaseResult]
    metrics: dict[str, float]


def load_cases(path: str | Path) -> tuple[list[CallCase], list[str]]:
    """Read cases from JSONL; bad lines are reported (``path:line: why``) and skipped."""
    cases: list[CallCase] = []
    errors: list[str] = []
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            data.setdefault("id", f"line-{lineno}")
            case = CallCase.model_validate(data)
            if not case.messages and not case.prompt:
                raise ValueError("a case needs 'messages' or 'prompt'")
            cases.append(case)
        except ValueError as exc:
            errors.append(f"{path}:{lineno}: {str(exc).splitlines()[0]}")
    return cases, errors


_SPACE = re.compile(r"\s+")


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        return _SPACE.sub(" ", value.strip().casefold()).strip(" .!?,;:")
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in cast(dict[str, Any], value).items()}
    if isinstance(value, list | tuple):
        return [_norm(v) for v in cast(list[Any], value)]
    return value


def _acceptable(spec: Any) -> list[Any]:
    return list(cast(list[Any], spec)) if isinstance(spec, list) else [spec]


def match_arguments(expected: dict[str, Any], actual: dict[str, Any], defaults: dict[str, Any]) -> list[str]:
    """Problems with ``actual`` against the acceptable values; empty when it matches."""
    problems: list[str] = []
    for key, spec in expected.items():
        options = _acceptable(spec)
        if key not in actual:
            if "" not in options and None not in options:
                problems.append(f"missing argument {key!r}")
            continue
        accepted = [_norm(o) for o in options if o != ""]
        spelled_default = actual[key] == defaults.get(key, object()) and "" in options
        if _norm(actual[key]) not in accepted and not spelled_default:
            problems.append(f"{key}={actual[key]!r} not in {options!r}")
    for key, value in actual.items():
        if key not in expected and (key not in defaults or _norm(defaults[key]) != _norm(value)):
            problems.append(f"unexpected argument {key}={value!r}")
    return problems


def _defaults(toolset: Toolset, name: str) -> dict[str, Any]:
    tool = toolset.get(name)
    if tool is None:
        return {}
    props: dict[str, Any] = tool.parameters.get("properties", {})
    return {k: v["default"] for k, v in props.items() if isinstance(v, dict) and "default" in v}


def score_run(case: CallCase, calls: list[tuple[str, dict[str, Any] | None, str]], toolset: Toolset) -> tuple[bool, bool, list[str]]:
    """(passed, names matched, problems) for one run's calls [(name, validated args or None, error)]."""
    if not case.expected:
        return (not calls, not calls, [f"unexpected call {n}" for n, _, _ in calls])
    want = [e.name for e in case.expected]
    got = [n for n, _, _ in calls]
    names_ok = sorted(want) == sorted(got) if case.order == "any" else want == got
    if not names_ok:
        return False, False, [f"expected calls {want}, got {got}"]
    invalid = [f"{n}: {err}" for n, args, err in calls if args is None]
    if invalid:
        return False, True, invalid
    orders = itertools.permutations(range(len(calls))) if case.order == "any" and len(calls) <= 6 else [tuple(range(len(calls)))]
    best: list[str] | None = None
    for order in orders:
        problems: list[str] = []
        for exp, idx in zip(case.expected, order, strict=True):
            name, args, _ = calls[idx]
            if name != exp.name:
                problems.append(f"call {idx} is {name}, expected {exp.name}")
                continue
            problems += [f"{name}: {p}" for p in match_arguments(exp.arguments, args or {}, _defaults(toolset, name))]
        if not problems:
            return True, True, []
        if best is None or len(problems) < len(best):
            best = problems
    return False, True, best or []


async def run_case_once(model: Model, toolset: Toolset, case: CallCase) -> RunScore:
    """One model turn with the tools offered; calls are validated the way the agent would."""
    offered = toolset.filtered(case.tools) if case.tools is not None else toolset
    request = ModelRequest(messages=case.conversation(), tools=offered.specs(), tool_choice="auto")
    t0 = time.perf_counter()
    try:
        response = await model.request(request)
    except AgentFnError as exc:
        return RunScore(passed=False, name_match=False, calls=[], problems=[f"model error: {exc}"],
                        latency_s=time.perf_counter() - t0)
    latency = time.perf_counter() - t0
    calls: list[tuple[str, dict[str, Any] | None, str]] = []
    shown: list[dict[str, Any]] = []
    for c in response.message.tool_calls:
        tool = offered.get(c.name)
        args: dict[str, Any] | None = None
        error = "unknown tool"
        if tool is not None:
            try:
                from pydantic_core import to_jsonable_python

                args = cast(dict[str, Any], to_jsonable_python(tool.validate(c.arguments), fallback=repr))
                error = ""
            except ToolArgumentError as exc:
                error = str(exc).replace("\n", " ")
        calls.append((c.name, args, error))
        shown.append({"name": c.name, "arguments": args if args is not None else c.arguments})
    passed, names_ok, problems = score_run(case, calls, offered)
    return RunScore(passed=passed, name_match=names_ok, calls=shown, problems=problems, latency_s=latency)


async def evaluate_calls(model: Model, toolset: Toolset, cases: Sequence[CallCase], *, k: int = 1) -> EvalReport:
    """Run every case ``k`` times and aggregate."""
    results: list[CaseResult] = []
    for case in cases:
        runs = [await run_case_once(model, toolset, case) for _ in range(k)]
        results.append(CaseResult(id=case.id, runs=runs))
    all_runs = [r for c in results for r in c.runs]
    no_call = [c for c, case in zip(results, cases, strict=True) if not case.expected]
    latencies = [r.latency_s for r in all_runs]
    metrics = {
        "cases": float(len(results)),
        "pass@1": statistics.fmean(r.passed for r in all_runs) if all_runs else 0.0,
        f"pass^{k}": statistics.fmean(c.pass_all for c in results) if results else 0.0,
        "name_accuracy": statistics.fmean(r.name_match for r in all_runs) if all_runs else 0.0,
        "no_call_accuracy": statistics.fmean(c.pass_rate for c in no_call) if no_call else 1.0,
        "latency_p50_s": statistics.median(latencies) if latencies else 0.0,
    }
    return EvalReport(model=model.name, k=k, cases=results, metrics=metrics)
