"""Model calls and tool calls as DBOS steps, and the JSON forms they are recorded in.

Inside a durable workflow the agent loop runs unchanged; only its model and
its tool executor are swapped for the wrappers here. Each model call is one
step named ``model``; each tool call is one step named ``tool:NAME`` whose
recorded output is the whole outcome (status, content, error), so a replay
hands the loop exactly what the first execution saw, and a completed call is
never made again. Step ids are drawn (``DBOS.reserve_step``) in call order
before parallel calls start, so they are the same on every replay.

A tool that is not idempotent first records a ``tool-start:NAME`` marker. On
replay a marker without its tool step means the call was cut off mid-way: the
call is reported to the model as interrupted (it may or may not have taken
effect) instead of being run again, unless the run's policy says ``rerun``.

A router's model planner, when the agent has one, is a ``planner`` step the same way.
Outside a workflow the wrappers behave exactly like what they wrap.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, Literal, TypeVar

import pydantic_core

from agentfn._executor import CallOutcome, ToolExecutor
from agentfn.backends.base import Done, Model, ModelRequest, ModelResponse, StreamEvent, TextDelta
from agentfn.context import RunContext
from agentfn.exceptions import ModelError, ModelUnavailableError, UnexpectedModelBehavior
from agentfn.messages import ToolCall
from agentfn.tool import Tool

__all__ = [
    "INTERRUPTED_ERROR",
    "MARKER_PREFIX",
    "DurableExecutor",
    "DurableModel",
    "DurablePlanner",
    "Home",
    "InterruptedPolicy",
    "error_from_json",
    "error_to_json",
]

T = TypeVar("T")
InterruptedPolicy = Literal["skip", "rerun"]
MARKER_PREFIX = "tool-start:"
INTERRUPTED_ERROR = "interrupted"
_INTERRUPTED_TEXT = (
    "The previous attempt of this call to {name!r} was interrupted (the process running it stopped) and it is "
    "not idempotent, so it was not run again: it may or may not have taken effect."
)


class Home:
    """Where model and tool calls run, and per-run decisions about interrupted calls.

    Workflows recovered by DBOS run on DBOS's own event loop thread; model clients
    (HTTP connection pools) belong to the loop that created them. When a home loop
    is bound, step bodies run there.
    """

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.policies: dict[str, InterruptedPolicy] = {}

    def bind(self) -> None:
        self.loop = asyncio.get_running_loop()

    def hops(self) -> bool:
        if self.loop is None or self.loop.is_closed():
            return False
        try:
            return asyncio.get_running_loop() is not self.loop
        except RuntimeError:
            return True

    async def run(self, factory: Callable[[], Awaitable[T]]) -> T:
        """Await ``factory()`` on the home loop (here, when there is none or it is this one)."""
        if not self.hops():
            return await factory()
        assert self.loop is not None

        async def call() -> T:
            return await factory()

        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(call(), self.loop))

    def policy(self, run_id: str, default: InterruptedPolicy) -> InterruptedPolicy:
        """The decision given when run ``run_id`` was resumed here, else ``default``."""
        return self.policies.get(run_id, default)


def _reserve() -> Any:
    """A step id drawn now, or None outside workflow code."""
    from dbos import DBOS

    if DBOS.workflow_id is None or DBOS.step_id is not None:
        return None
    try:
        return DBOS.reserve_step()
    except Exception:  # e.g. called from inside a step
        return None


# -- JSON forms --------------------------------------------------------------------------


def error_to_json(exc: BaseException) -> dict[str, Any]:
    return {"type": type(exc).__name__, "message": str(exc),
            "status_code": getattr(exc, "status_code", None)}


def error_from_json(data: dict[str, Any]) -> ModelError:
    """Rebuild a recorded model error (the run's ``result.error``)."""
    kind, message = data.get("type"), str(data.get("message", ""))
    if kind == "ModelUnavailableError":
        return ModelUnavailableError(message, status_code=data.get("status_code"))
    if kind == "UnexpectedModelBehavior":
        return UnexpectedModelBehavior(message)
    return ModelError(message)


def _response_from_json(data: dict[str, Any]) -> ModelResponse:
    if "error" in data:
        raise error_from_json(data["error"])
    return ModelResponse.model_validate(data["response"])


def _outcome_to_json(oc: CallOutcome) -> dict[str, Any]:
    return {
        "call": oc.call.model_dump(mode="json"), "tool_name": oc.tool_name, "status": oc.status,
        "content": oc.content, "arguments": pydantic_core.to_jsonable_python(oc.arguments, fallback=repr),
        "error": oc.error, "latency_s": oc.latency_s,
    }


def _outcome_from_json(data: dict[str, Any]) -> CallOutcome:
    return CallOutcome(
        call=ToolCall.model_validate(data["call"]), tool_name=data["tool_name"], status=data["status"],
        content=data["content"], arguments=data["arguments"], error=data["error"], latency_s=data["latency_s"],
    )


# -- the model ------------------------------------------------------------------------------


class DurableModel(Model):
    """Runs every request of ``inner`` as a ``model`` step."""

    def __init__(self, inner: Model, home: Home) -> None:
        self.inner = inner
        self.home = home
        self.name = inner.name
        self.supports_constrained_decoding = inner.supports_constrained_decoding

    async def _request_json(self, request: ModelRequest) -> dict[str, Any]:
        try:
            response = await self.home.run(lambda: self.inner.request(request))
        except ModelError as exc:
            return {"error": error_to_json(exc)}
        return {"response": response.model_dump(mode="json")}

    async def request(self, request: ModelRequest) -> ModelResponse:
        reservation = _reserve()
        if reservation is None:
            return await self.inner.request(request)
        return _response_from_json(await reservation.run_async({"name": "model"}, self._request_json, request))

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        reservation = _reserve()
        if reservation is None:
            async for event in self.inner.stream(request):
                yield event
            return
        if self.home.hops():  # a recovered run: nobody is watching tokens arrive
            response = _response_from_json(await reservation.run_async({"name": "model"}, self._request_json, request))
            if response.message.content:
                yield TextDelta(text=response.message.content)
            yield Done(response=response)
            return
        deltas: asyncio.Queue[TextDelta] = asyncio.Queue()

        async def body() -> dict[str, Any]:
            final: ModelResponse | None = None
            try:
                async for event in self.inner.stream(request):
                    if isinstance(event, TextDelta):
                        deltas.put_nowait(event)
                    elif isinstance(event, Done):
                        final = event.response
            except ModelError as exc:
                return {"error": error_to_json(exc)}
            if final is None:
                return {"error": {"type": "ModelError", "message": "the model's stream ended without a final response"}}
            return {"response": final.model_dump(mode="json")}

        task: asyncio.Future[dict[str, Any]] = asyncio.ensure_future(reservation.run_async({"name": "model"}, body))
        streamed = False
        try:
            while True:
                getter = asyncio.ensure_future(deltas.get())
                done, _ = await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
                if getter in done:
                    streamed = True
                    yield getter.result()
                    continue
                getter.cancel()
                break
            while not deltas.empty():
                streamed = True
                yield deltas.get_nowait()
            response = _response_from_json(task.result())
        finally:
            if not task.done():
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
        if not streamed and response.message.content:  # replayed from the record
            yield TextDelta(text=response.message.content)
        yield Done(response=response)

    async def aclose(self) -> None:
        await self.inner.aclose()


class DurablePlanner:
    """Runs each ``replan`` of a router's :class:`~agentfn.router.planner.ModelPlanner` as a ``planner`` step."""

    def __init__(self, inner: Any, home: Home) -> None:
        self.inner = inner
        self.home = home

    async def replan(self, query: Any, plan: Any, tools: Any) -> Any:
        from agentfn.router.planner import PlannerResult

        reservation = _reserve()
        if reservation is None:
            return await self.inner.replan(query, plan, tools)

        async def body() -> dict[str, Any]:
            result = await self.home.run(lambda: self.inner.replan(query, plan, tools))
            return result.model_dump(mode="json")

        return PlannerResult.model_validate(await reservation.run_async({"name": "planner"}, body))


# -- the tools ------------------------------------------------------------------------------


class DurableExecutor(ToolExecutor):
    """Runs each tool call of a step as a ``tool:NAME`` step; execution itself is ``base``'s."""

    def __init__(self, base: ToolExecutor, home: Home, interrupted: InterruptedPolicy = "skip") -> None:
        super().__init__(default_timeout=base.default_timeout, max_concurrency=base.max_concurrency,
                         max_result_chars=base.max_result_chars, approver=base.approver)
        self.base = base
        self.home = home
        self.interrupted: InterruptedPolicy = interrupted

    async def run_calls(
        self,
        calls: Sequence[ToolCall],
        tools: Sequence[Tool[..., Any] | None],
        ctx: RunContext[Any],
        *,
        available: Sequence[str],
    ) -> list[CallOutcome]:
        plan: list[tuple[Any, Any] | None] = []
        for tool in tools:
            if tool is None or tool.is_output_tool:
                plan.append(None)  # nothing runs: an unknown tool, or the final answer being validated
                continue
            marker = None if tool.idempotent else _reserve()
            main = _reserve()
            if main is None:  # not in a workflow
                return await self.base.run_calls(calls, tools, ctx, available=available)
            plan.append((marker, main))
        semaphore = asyncio.Semaphore(self.max_concurrency)

        async def execute(call: ToolCall, tool: Tool[..., Any] | None) -> CallOutcome:
            async with semaphore:
                outcomes = await self.home.run(lambda: self.base.run_calls([call], [tool], ctx, available=available))
            return outcomes[0]

        async def one(call: ToolCall, tool: Tool[..., Any] | None, steps: tuple[Any, Any] | None) -> CallOutcome:
            if steps is None:
                return await execute(call, tool)
            marker, main = steps
            assert tool is not None
            interrupted = False
            if marker is not None:
                fresh: list[bool] = []

                async def mark() -> dict[str, Any]:
                    fresh.append(True)
                    return {"call_id": call.id, "tool": call.name, "arguments": call.arguments}

                await marker.run_async({"name": MARKER_PREFIX + tool.name}, mark)
                interrupted = not fresh

            async def body() -> dict[str, Any]:
                if interrupted and self.home.policy(ctx.run_id, self.interrupted) != "rerun":
                    return _outcome_to_json(CallOutcome(
                        call, tool.name, "error", _INTERRUPTED_TEXT.format(name=tool.name), error=INTERRUPTED_ERROR))
                return _outcome_to_json(await execute(call, tool))

            return _outcome_from_json(await main.run_async({"name": "tool:" + tool.name}, body))

        return list(await asyncio.gather(*(one(c, t, s) for c, t, s in zip(calls, tools, plan, strict=True))))

    def close(self) -> None:
        """The base executor belongs to the wrapped agent; nothing of ours to release."""
