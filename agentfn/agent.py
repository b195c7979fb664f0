"""The agent loop: render, generate, validate, execute, repeat, stop safely.

``Agent.iter`` is the one implementation; ``run`` and ``run_sync`` consume
it. Everything observable about a run is an event from ``agentfn.events``,
so the trace store, the CLI and the server see exactly the same thing.
"""

from __future__ import annotations

import copy
import random
import time
from collections.abc import AsyncIterator, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, cast

from agentfn._answer import readable_answer
from agentfn._executor import CallOutcome, ToolExecutor
from agentfn._followups import resolve_followups
from agentfn._output import OutputSpec
from agentfn._route_chain import RouteChain
from agentfn._sync import run_sync
from agentfn.approval import ApprovalRequest, Approver
from agentfn.backends.base import Done, Model, ModelRequest, ModelResponse, TextDelta, ToolChoice
from agentfn.context import RunContext
from agentfn.events import (
    AgentEvent,
    ModelResponseEvent,
    RouteDecision,
    RunEnd,
    RunOutcome,
    RunStart,
    StepEnd,
    TextDeltaEvent,
    ToolCallEvent,
    ToolInfo,
)
from agentfn.exceptions import (
    AgentFnError,
    LoopGuardError,
    ModelError,
    UnexpectedModelBehavior,
    UsageLimitExceeded,
    UserError,
)
from agentfn.guards import LoopGuards, LoopState
from agentfn.messages import (
    Message,
    SystemMessage,
    ToolCall,
    Usage,
    UserMessage,
)
from agentfn.tool import Tool
from agentfn.toolset import ToolLike, Toolset

if TYPE_CHECKING:
    from agentfn.fill import RouterLike
    from agentfn.router import Router
    from agentfn.router.planner import ModelPlanner, RecordSource
    from agentfn.router.search import ToolSearch

__all__ = ["Agent", "AgentRun", "ApprovalRequest", "EventHandler", "RunResult"]

DepsT = TypeVar("DepsT")
OutputT = TypeVar("OutputT")


class EventHandler(Protocol):
    """Consumes run events (the trace recorder, OpenTelemetry, a printer)."""

    def handle(self, event: AgentEvent) -> None: ...


@dataclass
class RunResult(Generic[OutputT]):
    """How a run ended.

    Attributes:
        output: the final answer (text, or an ``output_type`` instance); None unless answered.
        outcome: ``answered``, ``limit`` (a step/call/token limit), ``guard`` (a loop guard) or ``error``.
        reason: why a run did not answer, e.g. ``max_steps``; None when answered.
        messages: the whole conversation, ready to pass back for the next turn.
        error: why an ``error`` outcome happened: the :class:`~agentfn.exceptions.ModelError` of a
            failed model call, the :class:`~agentfn.exceptions.ToolError` of the call that used up
            its tool's retries (``ToolArgumentError``, ``ToolNotFoundError``, ``ToolTimeoutError``,
            ``ToolExecutionError``), or ``UnexpectedModelBehavior`` for a final answer that kept
            failing validation. None for the other outcomes.
    """

    run_id: str
    output: OutputT | None
    outcome: RunOutcome
    reason: str | None
    messages: list[Message]
    new_messages: list[Message]
    usage: Usage
    steps: int
    latency_s: float
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "answered"

    def raise_for_outcome(self) -> RunResult[OutputT]:
        """Raise when the run did not answer; return self otherwise.

        Raises:
            UsageLimitExceeded: outcome ``limit`` (``limit`` names it: max_steps, max_tool_calls...).
            LoopGuardError: outcome ``guard`` (``guard`` names it: repeated_call, no_progress).
            ModelError | ToolError | UnexpectedModelBehavior: outcome ``error``: :attr:`error` itself.
        """
        if self.error is not None:
            raise self.error
        message = f"run ended: {self.outcome} ({self.reason})"
        if self.outcome == "limit":
            raise UsageLimitExceeded(self.reason or "limit", message)
        if self.outcome == "guard":
            raise LoopGuardError((self.reason or "guard").split(":", 1)[0], message)
        if self.outcome != "answered":  # an error outcome without its exception (e.g. rebuilt from a trace)
            raise AgentFnError(message)
        return self


class AgentRun(Generic[OutputT]):
    """An in-progress run: iterate for events; ``result`` is set once it ends."""

    def __init__(self, events: AsyncIterator[AgentEvent], holder: list[RunResult[OutputT]]) -> None:
        self._events = events
        self._holder = holder

    def __aiter__(self) -> AsyncIterator[AgentEvent]:
        return self._events

    @property
    def result(self) -> RunResult[OutputT]:
        if not self._holder:
            raise RuntimeError("the run has not finished; iterate it to the end first")
        return self._holder[0]


class Agent(Generic[DepsT, OutputT]):
    """A model plus tools, with limits.

    Args:
        model: a :class:`Model`, or a spec string for :func:`agentfn.backends.load_model`.
        tools: tools, plain typed functions, or a :class:`Toolset`.
        name: recorded in traces.
        system_prompt: prepended to new conversations.
        deps_type: the type of ``deps`` passed to tools through ``RunContext``.
        output_type: ``str`` or a pydantic model the final answer must satisfy.
        max_steps: model calls per run.
        max_tool_calls: tool calls per run.
        max_tokens: total tokens per run (input + output, as the backend reports).
        tool_timeout: default seconds per tool call (a tool's own ``timeout`` wins).
        retries: how often each tool may fail validation/``ToolRetry``/errors before the run stops.
        max_concurrency: parallel tool calls in flight per step.
        max_result_chars: tool output longer than this is truncated with a marker.
        tool_choice: default per-run tool choice. ``required`` or a tool name applies to the
            first step only (a forced call every step could never answer; this is how small
            models are made to call tools under constrained decoding); ``none`` applies to all
            steps. A router that abstains turns a first-step ``required`` into ``auto``.
        parallel_tool_calls: whether the model may call several tools at once.
        approver: called before any ``requires_approval`` tool runs; None denies them.
        handlers: event consumers (e.g. a ``TraceRecorder``).
        router: picks which tools to offer each step; ``route_k`` of them plus ``pinned_tools``.
        guards: loop guards (repeated identical calls, no progress).
        model_settings: extra ``ModelRequest`` fields (temperature, max_tokens, seed...).
        follow_route: with a router and ``tool_choice="required"``, force one named call per step
            along the router's ``selected`` chain, then let the model answer. This is what lets a
            small model compose several tools under constrained decoding; a later step that keeps failing gives
            way to an answer from the earlier steps (:mod:`agentfn._route_chain`). A text prompt that cannot stand
            alone ("and 10 miles?" after ``message_history``, a short one in Spanish) is first made one
            that does (:func:`agentfn._followups.resolve_followups`).
        planner: with a router, a :class:`~agentfn.router.planner.ModelPlanner` that lets a capable
            model choose and order among the routed candidates (one planner call per user turn;
            its tokens count in the run's usage). Off by default.
        tool_search: defer every tool but ``pinned_tools`` behind a ``search_tools`` tool the model
            calls to find tools (``True``, or a :class:`~agentfn.router.search.ToolSearch`); the tools
            a search finds are offered from the next step on. Uses ``router`` when given, else BM25.
    """

    def __init__(
        self,
        model: Model | str | None = None,
        tools: Toolset | Iterable[ToolLike] = (),
        *,
        name: str = "agent",
        system_prompt: str | None = None,
        deps_type: type[DepsT] | None = None,
        output_type: type[OutputT] = str,
        max_steps: int = 10,
        max_tool_calls: int = 50,
        max_tokens: int | None = None,
        tool_timeout: float | None = 60.0,
        retries: int = 2,
        max_concurrency: int = 8,
        max_result_chars: int = 20_000,
        tool_choice: ToolChoice = "auto",
        parallel_tool_calls: bool = True,
        approver: Approver | None = None,
        handlers: Sequence[EventHandler] = (),
        recorder: EventHandler | None = None,
        router: RouterLike | None = None,
        route_k: int = 8,
        pinned_tools: Sequence[str] = (),
        guards: LoopGuards | None = None,
        model_settings: dict[str, Any] | None = None,
        follow_route: bool = False,
        planner: ModelPlanner | None = None,
        tool_search: bool | ToolSearch = False,
    ) -> None:
        self.model = _resolve_model(model)
        self.toolset = tools if isinstance(tools, Toolset) else Toolset(tools, name=f"agent {name}")
        self.name = name
        self.system_prompt = system_prompt
        self.deps_type = deps_type
        self.output_type = output_type
        self.max_steps = max_steps
        self.max_tool_calls = max_tool_calls
        self.max_tokens = max_tokens
        self.retries = retries
        self.tool_choice: ToolChoice = tool_choice
        self.parallel_tool_calls = parallel_tool_calls
        self.handlers: list[EventHandler] = [*handlers, *([recorder] if recorder is not None else [])]
        self.router = router
        self.route_k = route_k
        self.pinned_tools = list(pinned_tools)
        self.guards = guards or LoopGuards()
        self.follow_route = follow_route
        self.model_settings = dict(model_settings or {})
        self.executor = ToolExecutor(
            default_timeout=tool_timeout,
            max_concurrency=max_concurrency,
            max_result_chars=max_result_chars,
            approver=approver,
        )
        for pinned in self.pinned_tools:
            if pinned not in self.toolset:
                raise UserError(f"pinned tool {pinned!r} is not among the agent's tools")
        if planner is not None and router is None:
            raise UserError("a planner chooses among routed tools: pass router= too")
        self.planner = planner
        self.tool_search: ToolSearch | None = None
        if tool_search:
            from agentfn.router.search import ToolSearch

            if follow_route or planner is not None:
                raise UserError("tool_search replaces routing each step: it cannot follow a route or use a planner")
            search_router = _base_router(router)
            base = tool_search if isinstance(tool_search, ToolSearch) else ToolSearch(search_router)
            self.tool_search = base.bind(self.toolset, router=search_router, exclude=self.pinned_tools)
            if self.tool_search.name in self.toolset:
                raise UserError(f"a tool is already named {self.tool_search.name!r}; give ToolSearch(name=...)")
        extra = [self.tool_search.tool] if self.tool_search is not None else []
        self._tool_infos = [
            ToolInfo(name=t.name, schema_hash=t.schema_hash, side_effects=t.side_effects, spec=t.openai_schema())
            for t in [*self.toolset, *extra]
        ]

    def with_tools(self, names: Collection[str]) -> Agent[DepsT, OutputT]:
        """A copy offering only the named tools (same model, executor, handlers, router and limits).

        Pinned tools and the tools recorded in traces are narrowed alike; names that are
        not the agent's tools are ignored.
        """
        allowed = set(names)
        narrowed = copy.copy(self)
        narrowed.toolset = self.toolset.filtered(allowed)
        narrowed.pinned_tools = [t for t in self.pinned_tools if t in allowed]
        narrowed._tool_infos = [i for i in self._tool_infos if i.name in allowed]
        return narrowed

    # -- public entry points ----------------------------------------------------------

    async def run(
        self,
        prompt: str | Sequence[Message] | None = None,
        *,
        message_history: Sequence[Message] | None = None,
        deps: DepsT | None = None,
        tool_choice: ToolChoice | None = None,
        output_type: type[Any] | None = None,
        run_id: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> RunResult[OutputT]:
        """Run to the end and return the result (never raises for model or tool failures)."""
        run = self.iter(
            prompt, message_history=message_history, deps=deps, tool_choice=tool_choice,
            output_type=output_type, run_id=run_id, metadata=metadata,
        )
        async for _ in run:
            pass
        return run.result

    def run_sync(self, prompt: str | Sequence[Message] | None = None, **kwargs: Any) -> RunResult[OutputT]:
        """:meth:`run` for synchronous code: any number of times, from any thread, and inside a
        running event loop such as Jupyter's (the caller blocks; ``await agent.run(...)`` does not).

        Runs on agentfn's long-lived background loop (see ``agentfn._sync``), so a model's pooled
        connections stay valid from one call to the next.
        """
        return run_sync(self.run(prompt, **kwargs), instead="await agent.run(...)")

    def iter(
        self,
        prompt: str | Sequence[Message] | None = None,
        *,
        message_history: Sequence[Message] | None = None,
        deps: DepsT | None = None,
        tool_choice: ToolChoice | None = None,
        output_type: type[Any] | None = None,
        stream: bool = False,
        run_id: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> AgentRun[OutputT]:
        """Start a run and iterate its events; ``stream=True`` adds text deltas as they arrive.

        ``metadata`` (e.g. a request id or API-key name) is recorded on the run's ``RunStart``.
        """
        holder: list[RunResult[OutputT]] = []
        events = self._loop(
            prompt, message_history, deps, tool_choice or self.tool_choice,
            output_type or self.output_type, stream, run_id or f"{random.getrandbits(128):032x}", holder,
            metadata or {},
        )
        return AgentRun(events, holder)

    # -- the loop ---------------------------------------------------------------------

    def _emit(self, event: AgentEvent) -> AgentEvent:
        for handler in self.handlers:
            try:
                handler.handle(event)
            except Exception:  # a broken consumer must never break a run
                import logging

                logging.getLogger("agentfn").exception("event handler %r failed", handler)
        return event

    async def _loop(
        self,
        prompt: str | Sequence[Message] | None,
        history: Sequence[Message] | None,
        deps: DepsT | None,
        tool_choice: ToolChoice,
        output_type: type[Any],
        stream: bool,
        run_id: str,
        holder: list[RunResult[OutputT]],
        metadata: dict[str, Any],
    ) -> AsyncIterator[AgentEvent]:
        started = time.perf_counter()
        messages = self._initial_messages(prompt, history)
        start_len = len(messages) - (1 if isinstance(prompt, str) else 0)
        output = OutputSpec(output_type)
        usage = Usage()
        state = LoopState()
        retries: dict[str, int] = {}  # failures per tool name
        output_retries = 0  # final answers that failed validation
        ctx: RunContext[Any] = RunContext(deps=deps, run_id=run_id, messages=messages, usage=usage, model=self.model)
        yield self._emit(RunStart(
            run_id=run_id, agent_name=self.name, model_name=self.model.name,
            backend=type(self.model).__name__, messages=list(messages), tools=self._tool_infos, metadata=metadata,
        ))
        outcome: RunOutcome = "limit"
        reason: str | None = "max_steps"
        final: Any = None
        error: BaseException | None = None
        widened: set[str] = set()
        found: set[str] = set()  # tools this run's searches found (tool_search)
        chain = RouteChain()
        step = 0
        for step in range(self.max_steps):
            offered, planner_usage = await self._offer(messages, widened, found, run_id, step)
            usage = usage + planner_usage
            step_choice: ToolChoice = tool_choice if step == 0 or tool_choice == "none" else "auto"
            if isinstance(offered, RouteDecision):
                decision = offered
                yield self._emit(decision)
                offered_tools = [self.toolset[n] for n in decision.offered]
                if decision.abstain and step_choice == "required":
                    step_choice = "auto"
                elif step == 0 and tool_choice == "required" and self.follow_route:
                    chain.start(decision.selected, decision.offered)
                if (forced := chain.current()) is not None:
                    # Follow the router's chain one named call per step: how a small model composes tools.
                    step_choice = forced
            else:
                offered_tools = offered
            if chain.answer_now:  # a later step of the chain kept failing: answer from what the others got
                step_choice = "none"
            specs = [t.openai_schema() for t in offered_tools]
            if output.tool is not None:
                specs.append(output.tool.openai_schema())
            request = ModelRequest(
                messages=messages, tools=specs, tool_choice=step_choice if specs else "none",
                parallel_tool_calls=self.parallel_tool_calls,
                output_schema=output.schema if not specs else None, **self.model_settings,
            )
            t0 = time.perf_counter()
            try:
                if stream:
                    response: ModelResponse | None = None
                    async for delta in self.model.stream(request):
                        if isinstance(delta, TextDelta):
                            yield TextDeltaEvent(run_id=run_id, step=step, text=delta.text)
                        elif isinstance(delta, Done):
                            response = delta.response
                    if response is None:
                        raise ModelError("the model's stream ended without a final response")
                else:
                    response = await self.model.request(request)
            except ModelError as exc:
                outcome, reason, error = "error", f"model error: {exc}", exc
                break
            assistant = response.message
            if not assistant.tool_calls and assistant.content and output.output_type is str:
                assistant.content = readable_answer(assistant.content, messages)  # never markup as the answer
            if not self.parallel_tool_calls and len(assistant.tool_calls) > 1:
                # Enforced before the event goes out: consumers read events later, in other threads.
                assistant.tool_calls = assistant.tool_calls[:1]
            yield self._emit(ModelResponseEvent(run_id=run_id, step=step, response=response, latency_s=time.perf_counter() - t0))
            usage = usage + response.usage
            messages.append(assistant)
            new_step_messages: list[Message] = [assistant]
            calls = assistant.tool_calls
            if not calls:
                parsed = output.parse_text(assistant.content or "")
                if parsed.ok:
                    outcome, reason, final = "answered", None, parsed.value
                    yield self._emit(StepEnd(run_id=run_id, step=step, new_messages=new_step_messages, usage=usage))
                    break
                retry_msg = UserMessage(content=parsed.error)
                messages.append(retry_msg)
                new_step_messages.append(retry_msg)
                output_retries += 1
                yield self._emit(StepEnd(run_id=run_id, step=step, new_messages=new_step_messages, usage=usage))
                if output_retries > self.retries:
                    outcome, reason = "error", "the final answer failed validation too often"
                    error = UnexpectedModelBehavior(f"{reason}: {parsed.error}", body=assistant.content)
                    break
                continue
            usage = usage + Usage(tool_calls=len(calls))
            for c in calls:
                yield self._emit(ToolCallEvent(run_id=run_id, step=step, call=c))
            ctx.step, ctx.usage = step, usage
            outcomes = await self._execute(calls, offered_tools, output, ctx, widened)
            finished_output: Any = None
            for oc in outcomes:
                yield self._emit(oc.event(run_id, step))
                messages.append(oc.message)
                new_step_messages.append(oc.message)
                if oc.final_output is not None:
                    finished_output = oc.final_output
                if self.tool_search is not None and oc.tool_name == self.tool_search.name and oc.status == "ok":
                    found.update(self.tool_search.names_in(oc.content))
            yield self._emit(StepEnd(run_id=run_id, step=step, new_messages=new_step_messages, usage=usage))
            chain.record(calls, outcomes)
            denied = chain.denied(outcomes)
            if denied is not None:  # forcing the route's tool again would be denied again: say so now
                outcome, reason, error = "error", f"tool {denied.tool_name!r} was not approved", denied.exception
                break
            if finished_output is not None:
                outcome, reason, final = "answered", None, finished_output.value
                break
            stop = self._after_step(outcomes, calls, retries, usage, state)
            if stop is not None and not (chain.answer_now or (stop[0] == "error" and chain.rescues(outcomes))):
                outcome, reason, error = stop
                break
        else:
            step = self.max_steps - 1
        result = RunResult[OutputT](
            run_id=run_id, output=cast(OutputT | None, final), outcome=outcome, reason=reason,
            messages=messages, new_messages=messages[start_len:], usage=usage, steps=step + 1,
            latency_s=time.perf_counter() - started, error=error,
        )
        holder.append(result)
        yield self._emit(RunEnd(
            run_id=run_id, outcome=outcome, reason=reason, output=_jsonable(final), usage=usage,
            latency_s=result.latency_s, steps=result.steps,
        ))

    def _initial_messages(self, prompt: str | Sequence[Message] | None, history: Sequence[Message] | None) -> list[Message]:
        messages: list[Message] = list(history or [])
        if prompt is not None and not isinstance(prompt, str):
            messages.extend(prompt)
        if self.system_prompt and not any(isinstance(m, SystemMessage) for m in messages[:1]):
            messages.insert(0, SystemMessage(content=self.system_prompt))
        if isinstance(prompt, str):
            messages.append(UserMessage(content=prompt))
        if not messages or all(isinstance(m, SystemMessage) for m in messages):
            raise UserError("a run needs a prompt or messages")
        if self.follow_route and isinstance(prompt, str):  # the small path reads the latest turn alone
            messages = resolve_followups(messages)
        return messages

    async def _offer(
        self, messages: list[Message], widened: set[str], found: set[str], run_id: str, step: int,
    ) -> tuple[list[Tool[..., Any]] | RouteDecision, Usage]:
        if self.tool_search is not None:
            keep = found | set(self.pinned_tools) | widened
            return [t for t in self.toolset if t.name in keep] + [self.tool_search.tool], Usage()
        if self.router is None:
            return list(self.toolset), Usage()
        plan = self.router.route(messages, k=self.route_k)
        planner_usage = Usage()
        if self.planner is not None:
            planned = await self.planner.replan(messages, plan, cast("RecordSource", _base_router(self.router)))
            plan, planner_usage = planned.plan, planned.usage
        chosen = {name for name, _ in plan.ranked} | set(plan.selected) | set(self.pinned_tools) | widened
        # Registry order, not score order: a stable tool block keeps the server's prefix cache warm.
        offered = [t.name for t in self.toolset if t.name in chosen]
        return RouteDecision(
            run_id=run_id, step=step, ranked=[(n, float(s)) for n, s in plan.ranked], selected=list(plan.selected),
            abstain=bool(plan.abstain), offered=offered,
        ), planner_usage

    async def _execute(
        self,
        calls: list[ToolCall],
        offered: list[Tool[..., Any]],
        output: OutputSpec,
        ctx: RunContext[Any],
        widened: set[str],
    ) -> list[CallOutcome]:
        offered_by_name = {t.name: t for t in offered}
        offered_names = set(offered_by_name)
        resolved: list[Tool[..., Any] | None] = []
        for c in calls:
            if output.tool is not None and c.name == output.tool.name:
                resolved.append(output.tool)
            elif c.name in offered_by_name:
                resolved.append(offered_by_name[c.name])  # also tools not in the toolset, e.g. search_tools
            elif c.name in self.toolset and c.name not in widened and self._widen(c.name, widened):
                resolved.append(self.toolset[c.name])
            else:
                resolved.append(None)
        return await self.executor.run_calls(calls, resolved, ctx, available=sorted(offered_names))

    def _widen(self, name: str, widened: set[str]) -> bool:
        # The model asked for a real tool the router did not offer: allow it once.
        widened.add(name)
        return True

    def _after_step(
        self,
        outcomes: list[CallOutcome],
        calls: list[ToolCall],
        retries: dict[str, int],
        usage: Usage,
        state: LoopState,
    ) -> tuple[RunOutcome, str, BaseException | None] | None:
        if (again := self.guards.repeated_failure(state, outcomes)) is not None:  # it would fail the same way
            return "error", f"tool {again.tool_name!r} repeated a failed call word for word", again.exception
        for oc in outcomes:
            if oc.status in ("invalid_arguments", "retry", "error", "timeout", "not_found"):
                retries[oc.tool_name] = retries.get(oc.tool_name, 0) + 1
                tool_retries = self.toolset[oc.tool_name].retries if oc.tool_name in self.toolset else None
                allowed = self.retries if tool_retries is None else tool_retries
                if retries[oc.tool_name] > allowed:
                    why = f"tool {oc.tool_name!r} failed {retries[oc.tool_name]} times (retries={allowed})"
                    return "error", why, oc.exception
        if usage.tool_calls >= self.max_tool_calls:
            return "limit", "max_tool_calls", None
        if self.max_tokens is not None and usage.total_tokens >= self.max_tokens:
            return "limit", "max_tokens", None
        guard = self.guards.check(state, calls, outcomes)
        if guard is not None:
            return "guard", guard, None
        return None


def _resolve_model(model: Model | str | None) -> Model:
    if isinstance(model, Model):
        return model
    from agentfn.backends import load_model

    return load_model(model)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    import pydantic_core

    return pydantic_core.to_jsonable_python(value, fallback=repr)


def _base_router(router: RouterLike | None) -> Router | None:
    """The router that holds tool records behind ``router`` (a wrapper such as ``FillRouter`` keeps it in ``.router``)."""
    inner: Any = router
    while inner is not None and not hasattr(inner, "record"):
        inner = getattr(inner, "router", None)
    return cast("Router | None", inner)
