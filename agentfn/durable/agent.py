"""``DurableAgent``: an :class:`~agentfn.Agent` whose runs survive the process that ran them.

Each run is a DBOS workflow (``agentfn.run``): the agent loop runs unchanged,
and every model call and every tool call is a recorded step. After a crash, a
deploy or an OOM, the run resumes at the last completed step: recorded steps
are replayed from the record (a completed tool call is never made again) and
the loop carries on. The workflow's input is JSON (prompt, history, tool
choice, metadata and an optional *variant* a ``resolve`` callback turns back
into an agent), so any process with the same agent can resume it.

``deps`` are not recorded: a recovered run gets the ``deps`` given to the
``DurableAgent``.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import random
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, Generic, TypeVar, cast

import pydantic_core
from pydantic import TypeAdapter

from agentfn.agent import Agent, AgentRun, RunResult
from agentfn.backends.base import ToolChoice
from agentfn.durable._steps import (
    DurableExecutor,
    DurableModel,
    DurablePlanner,
    InterruptedPolicy,
    error_from_json,
    error_to_json,
)
from agentfn.durable.runtime import DurableRuntime
from agentfn.events import AgentEvent
from agentfn.exceptions import DurableRunError, InterruptedToolCallError, UserError
from agentfn.messages import Message, Usage, dump_messages, load_messages

__all__ = ["DurableAgent"]

DepsT = TypeVar("DepsT")
OutputT = TypeVar("OutputT")
_FORMAT = 1


def _fingerprint(name: str, agent: Agent[Any, Any]) -> str:
    output = agent.output_type
    data = {
        "format": _FORMAT, "name": name, "model": agent.model.name,
        "output": f"{getattr(output, '__module__', '')}.{getattr(output, '__qualname__', repr(output))}",
        "tools": sorted([t.name, t.schema_hash] for t in agent.toolset),
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def _preview(prompt: str | Sequence[Message] | None) -> str:
    if isinstance(prompt, str):
        return prompt[:200]
    for m in reversed(list(prompt or [])):
        if m.role == "user":
            return m.content[:200]
    return ""


class DurableAgent(Generic[DepsT, OutputT]):
    """Run an agent as DBOS workflows.

    Args:
        agent: the agent; its model and tools are what runs.
        runtime: the process's :class:`DurableRuntime`; default: a new one on ``store``.
        store: a trace-store URL or SQLite path for a new runtime (None: the default store).
        name: the key runs record to find this agent again (default: ``agent.name``).
        deps: passed to tools of every run, including recovered ones.
        resolve: turns a run's ``variant`` (JSON) back into an agent, for runs started with one.
        interrupted: what to do with a non-idempotent call that was cut off, when no decision
            was given at resume time: ``skip`` (tell the model; default) or ``rerun``.

    Example:
        ```python
        durable = DurableAgent(Agent(model, tools), store="postgresql+psycopg://...")
        result = await durable.run("Refund order 1234")     # resumable if this process dies
        await durable.runtime.recover()                      # in a fresh process: resume dead runs
        ```
    """

    def __init__(
        self,
        agent: Agent[DepsT, OutputT],
        *,
        runtime: DurableRuntime | None = None,
        store: str | None = None,
        name: str | None = None,
        deps: DepsT | None = None,
        resolve: Callable[[dict[str, Any]], Agent[DepsT, OutputT]] | None = None,
        interrupted: InterruptedPolicy = "skip",
    ) -> None:
        self.agent = agent
        self.name = name or agent.name
        self.deps = deps
        self.resolve = resolve
        self.runtime = runtime if runtime is not None else DurableRuntime(store)
        self.interrupted: InterruptedPolicy = interrupted
        self.fingerprint = _fingerprint(self.name, agent)
        self.runtime.register(cast(DurableAgent[Any, Any], self))

    # -- starting runs ----------------------------------------------------------------

    def iter(
        self,
        prompt: str | Sequence[Message] | None = None,
        *,
        message_history: Sequence[Message] | None = None,
        tool_choice: ToolChoice | None = None,
        stream: bool = False,
        run_id: str | None = None,
        metadata: dict[str, Any] | None = None,
        variant: dict[str, Any] | None = None,
        agent: Agent[DepsT, OutputT] | None = None,
    ) -> AgentRun[OutputT]:
        """Start a durable run and iterate its events (as :meth:`Agent.iter`).

        ``variant`` is recorded so a recovered run can rebuild ``agent`` with ``resolve``;
        ``agent`` (default: the wrapped one) is what runs while this process lives.
        """
        if prompt is None and not message_history:
            raise UserError("a run needs a prompt or messages")
        if variant is not None and self.resolve is None:
            raise UserError("a run with a variant needs DurableAgent(resolve=...) to be recoverable")
        run_id = run_id or f"{random.getrandbits(128):032x}"
        payload: dict[str, Any] = {
            "prompt": prompt if prompt is None or isinstance(prompt, str) else dump_messages(prompt).decode(),
            "history": dump_messages(message_history).decode() if message_history else None,
            "tool_choice": tool_choice, "metadata": dict(metadata or {}), "variant": variant,
            "preview": _preview(prompt if prompt is not None else message_history),
        }
        json.dumps(payload)  # fail here, not in the database, on anything that is not JSON
        holder: list[RunResult[OutputT]] = []

        async def events() -> AsyncIterator[AgentEvent]:
            listener, handle = await self.runtime.start(self.name, payload, run_id, stream, agent)
            async for event in self._drain(run_id, listener, handle, holder):
                yield event

        return AgentRun(events(), holder)

    async def run(self, prompt: str | Sequence[Message] | None = None, **kwargs: Any) -> RunResult[OutputT]:
        """Run to the end durably and return the result (see :meth:`iter` for the arguments)."""
        run = self.iter(prompt, **kwargs)
        async for _ in run:
            pass
        return run.result

    def run_sync(self, prompt: str | Sequence[Message] | None = None, **kwargs: Any) -> RunResult[OutputT]:
        return asyncio.run(self.run(prompt, **kwargs))

    # -- resuming ---------------------------------------------------------------------

    def resume(self, run_id: str, *, stream: bool = False,
               interrupted: InterruptedPolicy | None = None) -> AgentRun[OutputT]:
        """Resume run ``run_id`` here and iterate its events (a finished run just gives its result).

        Raises (while iterating):
            DurableRunError: unknown run, started by another agent, failed, or still running elsewhere.
            InterruptedToolCallError: it stopped inside a non-idempotent call and ``interrupted`` is None.
        """
        holder: list[RunResult[OutputT]] = []

        async def events() -> AsyncIterator[AgentEvent]:
            runtime = self.runtime
            await runtime.launch()
            found = await asyncio.to_thread(runtime.client().list_workflows, workflow_ids=[run_id])
            if not found:
                raise DurableRunError(f"no durable run {run_id!r} in {runtime.url}")
            status = found[0]
            if status.app_version != runtime.version:
                raise DurableRunError(
                    f"run {run_id} was started by another agent (tools, model or name differ: version "
                    f"{status.app_version}, here {runtime.version}); resume it with the same --tools/--model")
            if status.status == "SUCCESS":
                holder.append(self._result(status.output))
                return
            if status.status not in ("PENDING", "ENQUEUED"):
                raise DurableRunError(f"run {run_id} ended with status {status.status}: {status.error}")
            if status.status == "PENDING":
                cut = await runtime.interrupted_calls(run_id)
                if cut and interrupted is None:
                    names = ", ".join(f"{c['tool']} (call {c.get('call_id')})" for c in cut)
                    raise InterruptedToolCallError(
                        f"run {run_id} stopped inside calls to tools that are not idempotent: {names}. They may "
                        "or may not have taken effect; resume with --rerun-interrupted to call them again or "
                        "--skip-interrupted to tell the model they were cut off", cut)
                if not await runtime.recover([run_id], interrupted=interrupted):
                    raise DurableRunError(
                        f"run {run_id} is still running in process {status.executor_id}; stop it or wait")
            listener, handle = await runtime.follow(run_id, stream)
            async for event in self._drain(run_id, listener, handle, holder):
                yield event

        return AgentRun(events(), holder)

    # -- inside the workflow ------------------------------------------------------------

    def durable_copy(self, base: Agent[DepsT, OutputT]) -> Agent[DepsT, OutputT]:
        """``base`` with its model, tool executor and planner (if any) recording DBOS steps."""
        agent = copy.copy(base)
        agent.model = DurableModel(base.model, self.runtime.home)
        agent.executor = DurableExecutor(base.executor, self.runtime.home, self.interrupted)
        if base.planner is not None:
            agent.planner = cast(Any, DurablePlanner(base.planner, self.runtime.home))
        return agent

    async def execute(self, run_id: str, payload: dict[str, Any], listener: Any) -> dict[str, Any]:
        """The workflow body: run the loop with durable steps; return the result as JSON."""
        base = getattr(listener, "agent", None)
        if base is None:
            variant = payload.get("variant")
            if variant is not None:
                if self.resolve is None:
                    raise DurableRunError(f"run {run_id} has a variant and {self.name!r} has no resolve=")
                base = self.resolve(variant)
            else:
                base = self.agent
        agent = self.durable_copy(base)
        prompt = payload.get("prompt")
        history = payload.get("history")
        run = agent.iter(
            prompt if prompt is None or isinstance(prompt, str) else load_messages(prompt),
            message_history=load_messages(history) if history else None, deps=self.deps,
            tool_choice=payload.get("tool_choice"), run_id=run_id, metadata=payload.get("metadata") or {},
            stream=bool(listener is not None and listener.stream),
        )
        async for event in run:
            if listener is not None:
                listener.put(event)
        r = run.result
        return {
            "run_id": r.run_id, "output": pydantic_core.to_jsonable_python(r.output, fallback=repr),
            "outcome": r.outcome, "reason": r.reason, "messages": dump_messages(r.messages).decode(),
            "new_from": len(r.messages) - len(r.new_messages), "usage": r.usage.model_dump(),
            "steps": r.steps, "latency_s": r.latency_s,
            "error": error_to_json(r.error) if r.error is not None else None,
        }

    # -- results ------------------------------------------------------------------------

    async def _drain(self, run_id: str, listener: Any, handle: Any,
                     holder: list[RunResult[OutputT]]) -> AsyncIterator[AgentEvent]:
        result: asyncio.Future[Any] = asyncio.ensure_future(handle.get_result(polling_interval_sec=0.1))
        try:
            while True:
                getter = asyncio.ensure_future(listener.queue.get())
                done, _ = await asyncio.wait({getter, result}, return_when=asyncio.FIRST_COMPLETED)
                if getter in done:
                    yield getter.result()
                    continue
                getter.cancel()
                break
            while not listener.queue.empty():
                yield listener.queue.get_nowait()
            data = result.result()
        finally:
            self.runtime.listeners.pop(run_id, None)
            if not result.done():
                result.cancel()
        holder.append(self._result(data))

    def _result(self, data: dict[str, Any]) -> RunResult[OutputT]:
        messages = load_messages(data["messages"])
        output = data["output"]
        if output is not None and self.agent.output_type is not str:
            output = TypeAdapter(self.agent.output_type).validate_python(output)
        return RunResult[OutputT](
            run_id=data["run_id"], output=cast(OutputT | None, output), outcome=data["outcome"],
            reason=data["reason"], messages=messages, new_messages=messages[data["new_from"]:],
            usage=Usage.model_validate(data["usage"]), steps=data["steps"], latency_s=data["latency_s"],
            error=error_from_json(data["error"]) if data.get("error") else None,
        )
