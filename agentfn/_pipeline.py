"""Pipelines: ``compose(a, b, c)`` chains tools, wiring each result into the next (see :mod:`agentfn.compose`).

Private to :mod:`agentfn.compose`, which re-exports its public names.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, cast

import pydantic_core

from agentfn._compose_types import schema_problems
from agentfn.context import RunContext
from agentfn.exceptions import ToolDefinitionError
from agentfn.tool import SideEffects, Tool
from agentfn.toolset import ToolLike

if TYPE_CHECKING:
    pass

__all__ = ["SEVERITY", "Link", "Pipeline", "as_tool", "compose", "jsonable", "link"]

SEVERITY: dict[str, int] = {"none": 0, "read": 1, "external": 2, "write": 3}


def jsonable(value: Any) -> Any:
    return pydantic_core.to_jsonable_python(value, fallback=repr, inf_nan_mode="null")


def as_tool(item: ToolLike) -> Tool[..., Any]:
    return cast(Tool[..., Any], item) if isinstance(item, Tool) else Tool(item)


# -- wiring one tool's result into the next --------------------------------------------


@dataclasses.dataclass(frozen=True)
class Link:
    """How a result becomes the next tool's arguments: ``whole`` into ``param``, or named ``fields``."""

    mode: Literal["whole", "fields"]
    param: str | None = None
    fields: tuple[str, ...] = ()

    def arguments(self, value: Any) -> dict[str, Any]:
        data = jsonable(value)
        if self.mode == "whole":
            return {cast(str, self.param): data}
        mapping = cast(dict[str, Any], data)
        return {f: mapping[f] for f in self.fields if f in mapping}

    def references(self, step_id: str) -> dict[str, str]:
        if self.mode == "whole":
            return {cast(str, self.param): f"${step_id}"}
        return {f: f"${step_id}.{f}" for f in self.fields}


def link(producer: Tool[..., Any], consumer: Tool[..., Any]) -> Link:
    """Decide how ``producer``'s result feeds ``consumer`` (see the module docstring).

    Raises:
        ToolDefinitionError: no type-correct wiring exists.
    """
    produced = producer.return_schema
    params = consumer.parameters
    props = cast(Mapping[str, Any], params.get("properties") or {})
    required = list(cast(Sequence[str], params.get("required") or []))
    candidates = required if required else (list(props) if len(props) == 1 else [])
    problems: list[str] = []
    if len(candidates) == 1:
        name = candidates[0]
        found = schema_problems(produced, props.get(name), f"{producer.name} -> {consumer.name}({name})")
        if not found:
            return Link("whole", param=name)
        problems.extend(found)
    produced_props = cast(Mapping[str, Any], (produced or {}).get("properties") or {})
    if required and produced_props and all(r in produced_props for r in required):
        produced_required = set(cast(Sequence[str], (produced or {}).get("required") or []))
        found: list[str] = []
        for r in required:
            found.extend(schema_problems(produced_props[r], props.get(r), f"{producer.name}.{r} -> {consumer.name}({r})"))
            if r not in produced_required:
                found.append(f"{producer.name}.{r} may be missing, but {consumer.name} requires {r!r}")
        if not found:
            return Link("fields", fields=tuple(required))
        problems.extend(found)
    if not problems:
        problems.append(
            f"{consumer.name} takes {len(required)} required parameter(s) ({', '.join(required) or 'none'}); "
            f"the result of {producer.name} ({_short(produced)}) fits neither one parameter nor them by field name"
        )
    raise ToolDefinitionError(f"{producer.name} -> {consumer.name}", problems)


def _short(schema: Mapping[str, Any] | None) -> str:
    if schema is None:
        return "no declared type"
    text = json.dumps(schema, ensure_ascii=False)
    return text if len(text) < 160 else text[:157] + "..."


# -- pipelines ------------------------------------------------------------------------


class Pipeline(Tool[..., Any]):
    """A tool that runs its stages in order, each result feeding the next. Built by :func:`compose`."""

    def __init__(self, stages: Sequence[Tool[..., Any]], links: Sequence[Link], name: str, description: str | None,
                 module: str | None) -> None:
        self.stages = list(stages)
        self.links = list(links)
        first, last = self.stages[0], self.stages[-1]

        async def run_pipeline(**values: Any) -> Any:
            return await self.run(values)

        run_pipeline.__name__ = run_pipeline.__qualname__ = name
        if module:
            run_pipeline.__module__ = module
        severity = max(SEVERITY.get(s.side_effects, 3) for s in self.stages)
        side_effects = cast(SideEffects, next(k for k, v in SEVERITY.items() if v == severity))
        timeouts = [s.timeout for s in self.stages]
        super().__init__(
            run_pipeline,
            name=name,
            description=description or " then ".join(f"{s.name}" for s in self.stages) + ". " + first.description,
            side_effects=side_effects,
            idempotent=all(s.idempotent for s in self.stages),
            requires_approval=any(s.requires_approval for s in self.stages),
            timeout=None if any(t is None for t in timeouts) else sum(t for t in timeouts if t is not None),
            metadata={"pipeline": [s.name for s in self.stages]},
            _parameters=first.parameters,
            _validator=first.validate,
            _return_schema=last.return_schema,
        )
        self.is_async = True

    def _invoke(self, validated: dict[str, Any], ctx: RunContext[Any] | None) -> Any:
        return self.run(validated, ctx=ctx, validated=True)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """``await pipeline(...)`` with the first tool's arguments."""
        # Positional arguments follow the first tool's parameter order (its schema omits the run context).
        names = list(cast(Mapping[str, Any], self.parameters.get("properties") or {}))
        if len(args) > len(names):
            raise TypeError(f"{self.name} takes {len(names)} argument(s) ({', '.join(names)}), got {len(args)}")
        for name, value in zip(names, args, strict=False):
            if name in kwargs:
                raise TypeError(f"{self.name}: got multiple values for argument {name!r}")
            kwargs[name] = value
        return self.run(kwargs)

    async def run(self, arguments: Mapping[str, Any], ctx: RunContext[Any] | None = None, *, validated: bool = False) -> Any:
        """Run every stage; an exception in a stage propagates unchanged."""
        first = self.stages[0]
        value = await first.call(dict(arguments), ctx, validated=validated, in_thread=True)
        for stage, wiring in zip(self.stages[1:], self.links, strict=True):
            value = await stage.call(wiring.arguments(value), ctx, in_thread=True)
        return value


def compose(*tools: ToolLike, name: str | None = None, description: str | None = None) -> Pipeline:
    """Chain tools into one tool whose schema is the first's parameters and whose result is the last's.

    Args:
        *tools: two or more tools (or typed functions).
        name: the pipeline's tool name (default: the names joined by ``_then_``).
        description: the pipeline's description (default: derived).

    Raises:
        ToolDefinitionError: fewer than two tools, or a result that cannot feed the next tool.
    """
    stages = [as_tool(t) for t in tools]
    if len(stages) < 2:
        raise ToolDefinitionError(name or "pipeline", ["compose needs at least two tools"])
    links: list[Link] = []
    problems: list[str] = []
    for producer, consumer in itertools.pairwise(stages):
        try:
            links.append(link(producer, consumer))
        except ToolDefinitionError as exc:
            problems.extend(exc.problems)
    pipeline_name = name or "_then_".join(s.name for s in stages)[:64]
    if problems:
        raise ToolDefinitionError(pipeline_name, problems)
    # Module-level pipelines belong to the module that built them (Toolset.from_module collects them).
    module = cast(str | None, sys._getframe(1).f_globals.get("__name__"))  # pyright: ignore[reportPrivateUsage]
    return Pipeline(stages, links, pipeline_name, description, module)
