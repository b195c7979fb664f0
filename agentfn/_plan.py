"""Plans: JSON steps whose arguments refer to earlier results; validated, then run in parallel.

Private to :mod:`agentfn.compose`, which re-exports its public names (the plan format is documented there).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agentfn._compose_types import schema_at, schema_problems
from agentfn._pipeline import SEVERITY, jsonable, link
from agentfn.context import RunContext
from agentfn.exceptions import ToolDefinitionError, ToolRetry
from agentfn.tool import SideEffects, Tool
from agentfn.toolset import ToolLike, Toolset

if TYPE_CHECKING:
    from agentfn.router import RoutePlan

__all__ = [
    "Plan",
    "PlanResult",
    "PlanStep",
    "PlanValidationError",
    "StepResult",
    "execute_plan",
    "plan_from_chain",
    "plan_tool",
    "validate_plan",
]

# -- plans ----------------------------------------------------------------------------


class PlanStep(BaseModel):
    """One call of a plan."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="unique step id, e.g. '1'")
    tool: str = Field(description="the tool to call")
    arguments: dict[str, Any] = Field(
        default_factory=dict[str, Any],
        description="the tool's arguments; '$ID' or '$ID.field' uses an earlier step's result",
    )


class Plan(BaseModel):
    """Calls to make, where arguments may refer to earlier results (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    steps: list[PlanStep] = Field(min_length=1, max_length=100)
    output: str | None = Field(default=None, description="reference to the plan's result, e.g. '$2'; default: last step")


class StepResult(BaseModel):
    """What happened to one step."""

    id: str
    tool: str
    status: Literal["ok", "error", "skipped"]
    value: Any = None
    error: str | None = None
    arguments: dict[str, Any] | None = None
    latency_s: float = 0.0


class PlanResult(BaseModel):
    """Every step's result, in plan order, and the plan's output (None unless the output step succeeded)."""

    ok: bool
    steps: list[StepResult]
    output: Any = None

    def step(self, step_id: str) -> StepResult:
        return next(s for s in self.steps if s.id == step_id)


class PlanValidationError(ToolRetry, ValueError):
    """A plan was refused before running; ``problems`` lists every reason."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("the plan was not run:\n" + "\n".join(f"- {p}" for p in self.problems))


_WHOLE_REF = re.compile(r"^\$([A-Za-z0-9_-]{1,64})((?:\.[A-Za-z0-9_-]+)*)$")
_INLINE_REF = re.compile(r"\$\{([A-Za-z0-9_-]{1,64})((?:\.[A-Za-z0-9_-]+)*)\}")


def _split(path: str) -> list[str]:
    return [p for p in path.split(".") if p]


def _references(value: Any, where: tuple[str, ...] = ()) -> Iterable[tuple[tuple[str, ...], str, list[str], bool]]:
    """``(location, step id, path, whole)`` for every reference inside an argument value."""
    if isinstance(value, str):
        whole = _WHOLE_REF.match(value)
        if whole:
            yield where, whole.group(1), _split(whole.group(2)), True
        elif not value.startswith("$$"):
            for found in _INLINE_REF.finditer(value):
                yield where, found.group(1), _split(found.group(2)), False
    elif isinstance(value, dict):
        for k, v in cast(dict[str, Any], value).items():
            yield from _references(v, (*where, str(k)))
    elif isinstance(value, list):
        for i, v in enumerate(cast(list[Any], value)):
            yield from _references(v, (*where, str(i)))


def _has_reference(value: Any) -> bool:
    return next(iter(_references(value)), None) is not None


def _coerce_plan(plan: Plan | Mapping[str, Any] | str) -> Plan:
    if isinstance(plan, Plan):
        return plan
    try:
        return Plan.model_validate_json(plan) if isinstance(plan, str) else Plan.model_validate(plan)
    except ValidationError as exc:
        raise PlanValidationError(
            [f"{'.'.join(str(p) for p in e['loc']) or 'plan'}: {e['msg']}" for e in exc.errors(include_url=False)]
        ) from None


def _as_toolset(tools: Toolset | Iterable[ToolLike]) -> Toolset:
    return tools if isinstance(tools, Toolset) else Toolset(tools, name="plan tools")


def validate_plan(plan: Plan | Mapping[str, Any] | str, tools: Toolset | Iterable[ToolLike]) -> Plan:
    """Check a plan against the tools' schemas without running anything.

    Raises:
        PlanValidationError: listing every problem found.
    """
    parsed = _coerce_plan(plan)
    toolset = _as_toolset(tools)
    problems: list[str] = []
    seen: dict[str, Tool[..., Any] | None] = {}
    for step in parsed.steps:
        label = f"step {step.id}"
        if step.id in seen:
            problems.append(f"{label}: duplicate step id")
            continue
        tool = toolset.get(step.tool)
        if tool is None:
            problems.append(f"{label}: unknown tool {step.tool!r} (available: {', '.join(toolset.names())})")
        else:
            problems.extend(_check_step(label, step, tool, seen))
        seen[step.id] = tool
    if parsed.output is not None:
        match = _WHOLE_REF.match(parsed.output)
        if match is None:
            problems.append(f"output: {parsed.output!r} is not a reference like '$2' or '$2.field'")
        elif match.group(1) not in seen:
            problems.append(f"output: refers to unknown step {match.group(1)!r}")
        else:
            producer = seen[match.group(1)]
            _, problem = schema_at(producer.return_schema if producer else None, _split(match.group(2)))
            if problem:
                problems.append(f"output: {problem} of step {match.group(1)}")
    if problems:
        raise PlanValidationError(problems)
    return parsed


def _check_step(label: str, step: PlanStep, tool: Tool[..., Any], earlier: Mapping[str, Tool[..., Any] | None]) -> list[str]:
    problems: list[str] = []
    params = tool.parameters
    props = cast(Mapping[str, Any], params.get("properties") or {})
    for name in cast(Sequence[str], params.get("required") or []):
        if name not in step.arguments:
            problems.append(f"{label} ({tool.name}): missing required argument {name!r}")
    for name, value in step.arguments.items():
        if name not in props:
            if params.get("additionalProperties") is False or props:
                problems.append(f"{label} ({tool.name}): unknown argument {name!r} (takes: {', '.join(props) or 'none'})")
            continue
        if not _has_reference(value):
            problems.extend(_literal_problems(f"{label} ({tool.name}) argument {name!r}", value, props[name]))
            continue
        for where, ref_id, path, whole in _references(value):
            at = f"{label} ({tool.name}) argument {'.'.join((name, *where))}"
            if ref_id not in earlier:
                problems.append(f"{at}: refers to step {ref_id!r}, which is not an earlier step")
                continue
            producer = earlier[ref_id]
            produced, problem = schema_at(producer.return_schema if producer else None, path)
            if problem:
                problems.append(f"{at}: {problem} of step {ref_id} ({producer.name if producer else '?'})")
                continue
            expected, _ = schema_at(props[name], list(where))
            if whole:
                problems.extend(schema_problems(produced, expected, at))
            else:
                problems.extend(schema_problems({"type": "string"}, expected, at))
    return problems


def _literal_problems(where: str, value: Any, schema: Mapping[str, Any]) -> list[str]:
    from jsonschema import Draft202012Validator, SchemaError

    try:
        Draft202012Validator.check_schema(dict(schema))
    except SchemaError:
        return []  # a loose foreign schema: runtime validation still applies
    errors: Iterable[Any] = Draft202012Validator(dict(schema)).iter_errors(value)  # pyright: ignore[reportUnknownMemberType]
    return [f"{where}: {e.message}" for e in errors][:5]


class _ReferenceError(Exception):
    pass


def _lookup(results: Mapping[str, Any], step_id: str, path: Sequence[str]) -> Any:
    value = jsonable(results[step_id])
    for i, segment in enumerate(path):
        if isinstance(value, dict) and segment in value:
            value = cast(dict[str, Any], value)[segment]
        elif isinstance(value, list) and segment.isdigit() and int(segment) < len(cast(list[Any], value)):
            value = cast(list[Any], value)[int(segment)]
        else:
            raise _ReferenceError(f"${step_id}.{'.'.join(path[: i + 1])} does not exist in the result of step {step_id}")
    return value


def _resolve(value: Any, results: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        whole = _WHOLE_REF.match(value)
        if whole:
            return _lookup(results, whole.group(1), _split(whole.group(2)))
        if value.startswith("$$"):
            return value[1:]

        def text(found: re.Match[str]) -> str:
            resolved = _lookup(results, found.group(1), _split(found.group(2)))
            return resolved if isinstance(resolved, str) else json.dumps(resolved, ensure_ascii=False)

        return _INLINE_REF.sub(text, value)
    if isinstance(value, dict):
        return {k: _resolve(v, results) for k, v in cast(dict[str, Any], value).items()}
    if isinstance(value, list):
        return [_resolve(v, results) for v in cast(list[Any], value)]
    return value


async def execute_plan(
    plan: Plan | Mapping[str, Any] | str,
    tools: Toolset | Iterable[ToolLike],
    ctx: RunContext[Any] | None = None,
    *,
    max_concurrency: int = 8,
    step_timeout: float | None = 60.0,
    allow_approval_tools: bool = False,
) -> PlanResult:
    """Validate, then run a plan: independent steps in parallel, dependents after what they use.

    A step that fails (raises, times out, or refers to a missing field at run time)
    is reported with ``status="error"``; steps depending on it are ``skipped``; all
    other steps still run. Tools that require approval are refused unless
    ``allow_approval_tools`` (a plan cannot ask the user).

    Args:
        plan: a :class:`Plan`, its dict form or JSON text.
        tools: the tools the plan may use.
        ctx: run context passed to tools that take one (and lending LLM functions the agent's model).
        max_concurrency: steps running at once.
        step_timeout: seconds per step when the tool sets no timeout of its own.
        allow_approval_tools: run ``requires_approval`` tools without asking.

    Raises:
        PlanValidationError: the plan was refused before anything ran.
    """
    toolset = _as_toolset(tools)
    parsed = validate_plan(plan, toolset)
    semaphore = asyncio.Semaphore(max(1, max_concurrency))
    tasks: dict[str, asyncio.Task[StepResult]] = {}
    values: dict[str, Any] = {}

    async def run_step(step: PlanStep) -> StepResult:
        tool = toolset[step.tool]
        needed = sorted({ref_id for _, ref_id, _, _ in _references(step.arguments)})
        failed = [d for d in needed if (await tasks[d]).status != "ok"]
        if failed:
            return StepResult(id=step.id, tool=tool.name, status="skipped",
                              error=f"skipped: depends on failed step(s) {', '.join(failed)}")
        if tool.requires_approval and not allow_approval_tools:
            return StepResult(id=step.id, tool=tool.name, status="error",
                              error=f"{tool.name!r} requires approval and cannot run inside a plan; call it directly")
        try:
            arguments = cast(dict[str, Any], _resolve(step.arguments, values))
        except _ReferenceError as exc:
            return StepResult(id=step.id, tool=tool.name, status="error", error=str(exc))
        timeout = tool.timeout if tool.timeout is not None else step_timeout
        step_ctx = dataclasses.replace(ctx, tool_name=tool.name, tool_call_id=f"plan-{step.id}") if ctx else None
        started = time.perf_counter()
        async with semaphore:
            try:
                value = await asyncio.wait_for(tool.call(arguments, step_ctx, in_thread=True), timeout)
            except TimeoutError:
                error = f"timed out after {timeout} s"
            except ToolRetry as exc:
                error = exc.message
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
            else:
                values[step.id] = value
                return StepResult(id=step.id, tool=tool.name, status="ok", value=jsonable(value),
                                  arguments=jsonable(arguments), latency_s=time.perf_counter() - started)
        return StepResult(id=step.id, tool=tool.name, status="error", error=error, arguments=jsonable(arguments),
                          latency_s=time.perf_counter() - started)

    for step in parsed.steps:
        tasks[step.id] = asyncio.ensure_future(run_step(step))
    results = list(await asyncio.gather(*tasks.values()))
    output_ref = parsed.output or f"${parsed.steps[-1].id}"
    output: Any = None
    match = _WHOLE_REF.match(output_ref)
    if match and match.group(1) in values:
        try:
            output = _lookup(values, match.group(1), _split(match.group(2)))
        except _ReferenceError:
            output = None
    return PlanResult(ok=all(r.status == "ok" for r in results), steps=results, output=output)


_PLAN_TOOL_DOC = """Run several tool calls as one plan; later calls can use earlier results.

Give "steps": a list of {"id": "1", "tool": "<tool name>", "arguments": {...}}. In arguments,
the string "$1" is the whole result of step 1, "$1.field.0" a part of it, and "${1.field}" inside
a longer string inserts it as text. Steps that do not depend on each other run in parallel.
Optional "output": a reference such as "$2" (default: the last step). Tools: """


def plan_tool(tools: Toolset | Iterable[ToolLike], *, name: str = "run_plan", max_concurrency: int = 8,
              step_timeout: float | None = 60.0) -> Tool[..., Any]:
    """The tool an agent offers so a model can submit a whole plan in one call.

    ``Agent(model, tools=ts + [plan_tool(ts)])``. The plan is validated against
    ``tools`` first; a refused plan comes back to the model as a retry message
    listing the problems.
    """
    toolset = _as_toolset(tools).filtered(lambda t: t.name != name)

    async def run_plan(ctx: RunContext[Any], steps: list[PlanStep], output: str | None = None) -> PlanResult:
        return await execute_plan(Plan(steps=steps, output=output), toolset, ctx,
                                  max_concurrency=max_concurrency, step_timeout=step_timeout)

    severity = max([SEVERITY.get(t.side_effects, 3) for t in toolset] or [0])
    return Tool(
        run_plan, name=name, description=_PLAN_TOOL_DOC + ", ".join(toolset.names()) + ".",
        side_effects=cast(SideEffects, next(k for k, v in SEVERITY.items() if v == severity)),
        idempotent=all(t.idempotent for t in toolset), metadata={"plan_tool": True},
    )


def plan_from_chain(
    chain: RoutePlan | Sequence[str | Tool[..., Any]],
    tools: Toolset | Iterable[ToolLike],
    arguments: Mapping[str, Any] | None = None,
) -> Plan:
    """A plan skeleton from a router's ``selected`` chain (or any list of tool names).

    Step ``i`` is the ``i``-th tool (ids ``"1"``, ``"2"``...). Each step after the
    first is wired to its predecessor's result where :func:`link` finds a
    type-correct wiring; the first step gets ``arguments``. Arguments that cannot
    be wired are left out for the model (or caller) to fill in; :func:`validate_plan`
    names them.
    """
    toolset = _as_toolset(tools)
    raw: Sequence[str | Tool[..., Any]] = cast(Any, chain).selected if hasattr(chain, "selected") else cast(Any, chain)
    chosen = [t if isinstance(t, Tool) else toolset[t] for t in raw]
    steps: list[PlanStep] = []
    for i, current in enumerate(chosen):
        wired: dict[str, Any] = dict(arguments or {}) if i == 0 else {}
        if i > 0:
            try:
                wired = link(chosen[i - 1], current).references(str(i))
            except ToolDefinitionError:
                wired = {}
        steps.append(PlanStep(id=str(i + 1), tool=current.name, arguments=wired))
    if not steps:
        raise PlanValidationError(["the chain is empty"])
    return Plan(steps=steps)
