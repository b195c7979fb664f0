"""A capable model chooses and orders tools among the router's top candidates ("tool search").

```python
planner = ModelPlanner(model, k=8)
plan = router.route(request, k=8)
result = await planner.replan(request, plan, router)   # PlannerResult: .plan, .status, .usage, .latency_s
Agent(model, tools, router=router, planner=planner)     # the same on every routed step
```

Contract:

* The model sees the request (and up to two earlier user turns) and the top ``k`` candidates of
  ``plan.ranked`` (name, description, parameters, output fields) and must answer
  ``{"tools": [...]}``: the tools the request needs, in the order they must run, ``[]`` when none
  fits. The answer is constrained through ``ModelRequest.output_schema`` (vLLM
  ``structured_outputs``/xgrammar on local and vLLM backends, strict ``response_format`` on OpenAI):
  every item is a string from an enum of the candidate names.
* The new plan: ``selected`` = the model's list (repeats dropped), ``ranked`` = the chosen tools first
  (in the model's order), then the other candidates in router order, with the router's scores;
  ``abstain`` = the model chose nothing. With ``narrow=True`` ``ranked`` keeps only the chosen tools,
  so an agent offers only those.
* Nothing the model does can break routing: a model error, text that is not the JSON asked for, or a
  name outside the candidates returns the router's plan unchanged with ``status="fallback"`` and the
  reason. :meth:`ModelPlanner.replan` never raises for model behaviour.
* Results are cached per (request, candidates), so an agent pays for one planner call per user turn,
  not per step. Model errors are not cached.
* Off unless asked for: the embedded 135M model is too weak to choose well (``agentfn eval router
  --planner model`` measures what a model adds and what it costs).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Literal, Protocol, cast

from pydantic import BaseModel, ConfigDict, Field

from agentfn.backends.base import Model, ModelRequest
from agentfn.exceptions import AgentFnError
from agentfn.messages import SystemMessage, Usage, UserMessage
from agentfn.router.router import RoutePlan
from agentfn.router.text import ToolRecord, query_from_messages

__all__ = ["ModelPlanner", "PlannedRouter", "PlannerResult", "RecordSource", "describe_candidate", "plan_schema"]

SYSTEM_PROMPT = (
    "You choose tools for a request. You are given the request and a numbered list of candidate tools. "
    "Answer with JSON {\"tools\": [...]} listing the names of the tools needed to fulfil the request, in the "
    "order they must run: a tool whose input comes from another tool's output goes after that tool. "
    "Leave out tools the request does not need. Answer {\"tools\": []} when no candidate fits."
)


class RecordSource(Protocol):
    """Where the planner reads candidate descriptions (a :class:`~agentfn.router.Router` is one)."""

    def record(self, name: str) -> ToolRecord: ...


class PlannerResult(BaseModel):
    """One planner decision and what it cost."""

    model_config = ConfigDict(extra="forbid")

    plan: RoutePlan
    """The plan to use: the model's choice, or the router's own plan on fallback."""
    status: Literal["planned", "fallback", "skipped"]
    """``planned``: the model's answer was used; ``fallback``: it was unusable (see ``reason``);
    ``skipped``: there was nothing to choose from (no candidates or no request text)."""
    reason: str | None = None
    chosen: list[str] = Field(default_factory=list[str])
    usage: Usage = Field(default_factory=Usage)
    latency_s: float = 0.0
    cached: bool = False


def plan_schema(candidates: Sequence[str], max_tools: int, *, min_tools: int = 0) -> dict[str, Any]:
    """The output schema the model is held to: ``{"tools": [names from the enum]}``."""
    tools: dict[str, Any] = {"type": "array", "items": {"type": "string", "enum": list(candidates)}, "maxItems": max_tools}
    if min_tools:
        tools["minItems"] = min_tools
    return {
        "type": "object",
        "properties": {"tools": tools},
        "required": ["tools"],
        "additionalProperties": False,
    }


def _type_of(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        return "|".join(str(k) for k in cast(list[Any], kind))
    if "enum" in schema:
        return "one of " + "/".join(json.dumps(v) for v in cast(list[Any], schema["enum"])[:6])
    return str(kind or "any")


def describe_candidate(index: int, rec: ToolRecord, max_description: int = 300) -> str:
    """One candidate line: ``3. name(param: type, ...) -> field, ...: description``."""
    required = set(cast(list[str], rec.parameters.get("required") or []))
    params = ", ".join(
        f"{name}{'' if name in required else '?'}: {_type_of(schema)}" for name, schema in rec.param_items()
    )
    returns = ", ".join(name for name, _ in rec.return_items())
    description = " ".join(rec.description.split())
    if len(description) > max_description:
        description = description[: max_description - 3] + "..."
    head = f"{index}. {rec.name}({params})" + (f" -> {returns}" if returns else "")
    return f"{head}: {description}" if description else head


class ModelPlanner:
    """Asks a model to choose and order tools among a router's top ``k`` candidates.

    Args:
        model: a :class:`Model`, or a spec for :func:`agentfn.backends.load_model`.
        k: how many of the router's ranked candidates the model chooses among.
        max_tools: the longest list the model may answer.
        narrow: keep only the chosen tools in ``plan.ranked`` (an agent then offers only those).
        allow_abstain: accept ``[]`` as "no tool fits"; otherwise the schema asks for at least one tool
            (``minItems``) and a ``[]`` that gets through anyway falls back to the router.
        max_tokens: generation budget of one planner call.
        cache_size: (request, candidates) decisions kept.
    """

    def __init__(
        self,
        model: Model | str,
        *,
        k: int = 8,
        max_tools: int = 5,
        narrow: bool = False,
        allow_abstain: bool = True,
        max_tokens: int = 128,
        cache_size: int = 256,
        system_prompt: str = SYSTEM_PROMPT,
    ) -> None:
        if k < 1 or max_tools < 1:
            from agentfn.exceptions import ConfigError

            raise ConfigError(f"ModelPlanner needs k >= 1 and max_tools >= 1, got k={k}, max_tools={max_tools}")
        if isinstance(model, str):
            from agentfn.backends import load_model

            model = load_model(model)
        self.model = model
        self.k = k
        self.max_tools = max_tools
        self.narrow = narrow
        self.allow_abstain = allow_abstain
        self.max_tokens = max_tokens
        self.cache_size = cache_size
        self.system_prompt = system_prompt
        self._cache: OrderedDict[tuple[str, str, tuple[str, ...]], PlannerResult] = OrderedDict()

    def request_for(self, text: str, context: str, candidates: Sequence[ToolRecord]) -> ModelRequest:
        """The model request for one decision (public so tests and users can inspect the prompt)."""
        lines = [describe_candidate(i, rec) for i, rec in enumerate(candidates, start=1)]
        prompt = (f"Earlier in the conversation: {context}\n" if context else "") + f"Request: {text}\n\n"
        prompt += "Candidate tools:\n" + "\n".join(lines)
        return ModelRequest(
            messages=[SystemMessage(content=self.system_prompt), UserMessage(content=prompt)],
            output_schema=plan_schema([c.name for c in candidates], self.max_tools, min_tools=0 if self.allow_abstain else 1),
            tool_choice="none", max_tokens=self.max_tokens, temperature=0.0,
        )

    async def replan(self, query: str | Sequence[Any], plan: RoutePlan, tools: RecordSource) -> PlannerResult:
        """Ask the model to choose and order among ``plan``'s top candidates; never raises for model behaviour."""
        text, context = (query, "") if isinstance(query, str) else query_from_messages(query)
        names = [name for name, _ in plan.ranked[: self.k]]
        if not names or not text.strip():
            return PlannerResult(plan=plan, status="skipped", reason="no candidates" if not names else "no request text")
        key = (text, context, tuple(names))
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit.model_copy(update={"cached": True, "usage": Usage(), "latency_s": 0.0})
        request = self.request_for(text, context, [tools.record(n) for n in names])
        started = time.perf_counter()
        try:
            response = await self.model.request(request)
        except AgentFnError as exc:  # ModelError, a misconfigured backend...: keep the router's plan
            return PlannerResult(plan=plan, status="fallback", reason=f"model error: {exc}",
                                 latency_s=time.perf_counter() - started)
        latency = time.perf_counter() - started
        chosen, problem = self.parse(response.message.content or "", names)
        if problem is None and not chosen and not self.allow_abstain:
            problem = "the model chose no tool and allow_abstain is off"
        if problem is not None:
            result = PlannerResult(plan=plan, status="fallback", reason=problem, usage=response.usage, latency_s=latency)
        else:
            result = PlannerResult(plan=self._apply(plan, chosen), status="planned", chosen=chosen,
                                   usage=response.usage, latency_s=latency)
        self._cache[key] = result
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return result

    @staticmethod
    def parse(text: str, candidates: Sequence[str]) -> tuple[list[str], str | None]:
        """(chosen names, problem) from the model's text; a problem means the answer is unusable.

        Accepts ``{"tools": [...]}`` (what the schema asks for) or a bare list, optionally in a code
        fence. Every name must be one of ``candidates``; repeats are dropped, first place kept.
        """
        stripped = text.strip()
        if stripped.startswith("```"):
            stripped = stripped.split("\n", 1)[1] if "\n" in stripped else ""
            stripped = stripped.rsplit("```", 1)[0].strip()
        try:
            data: Any = json.loads(stripped)
        except ValueError:
            return [], f"the answer is not JSON: {text[:80]!r}"
        if isinstance(data, dict):
            data = cast(dict[str, Any], data).get("tools")
        if not isinstance(data, list) or not all(isinstance(n, str) for n in cast(list[Any], data)):
            return [], f"expected {{\"tools\": [names]}}, got {text[:80]!r}"
        allowed = set(candidates)
        chosen: list[str] = []
        for name in cast(list[str], data):
            if name not in allowed:
                return [], f"{name!r} is not one of the candidates"
            if name not in chosen:
                chosen.append(name)
        return chosen, None

    def _apply(self, plan: RoutePlan, chosen: list[str]) -> RoutePlan:
        if not chosen:
            return RoutePlan(ranked=list(plan.ranked), selected=[], abstain=True, confidence=plan.confidence)
        score = dict(plan.ranked)
        first = [(n, score[n]) for n in chosen]
        rest = [] if self.narrow else [(n, s) for n, s in plan.ranked if n not in set(chosen)]
        return RoutePlan(ranked=first + rest, selected=list(chosen), abstain=False, confidence=plan.confidence)


class PlannedRouter:
    """A router followed by a planner, with the router's ``route(query, k)`` interface.

    ``await aroute(...)`` in async code; ``route(...)`` from synchronous code (evaluation, the CLI)
    runs the planner on a private event loop kept for the life of this object (``close()`` ends it).
    Every decision is appended to ``results`` (what the planner cost and whether it was used).
    """

    def __init__(self, router: Any, planner: ModelPlanner) -> None:
        self.router = router
        self.planner = planner
        self.results: list[PlannerResult] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    async def aroute(self, query: str | Sequence[Any], k: int = 10) -> RoutePlan:
        plan: RoutePlan = self.router.route(query, k=max(k, self.planner.k))
        result = await self.planner.replan(query, plan, self.router)
        self.results.append(result)
        out = result.plan
        return out.model_copy(update={"ranked": out.ranked[:k]}) if len(out.ranked) > k else out

    def route(self, query: str | Sequence[Any], k: int = 10) -> RoutePlan:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            from agentfn.exceptions import UserError

            raise UserError("PlannedRouter.route() is for synchronous code; await aroute() inside an event loop")
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        return self._loop.run_until_complete(self.aroute(query, k))

    def close(self) -> None:
        """Release the model's connections and the private event loop. Safe to call twice."""
        if self._loop is not None:
            self._loop.run_until_complete(self.planner.model.aclose())
            self._loop.close()
            self._loop = None
