"""Run one step's tool calls: validate, approve, execute concurrently, report.

Every failure becomes a :class:`CallOutcome` with a status, a message the
model can act on, and the typed :class:`~agentfn.exceptions.ToolError` that
says what happened (``ToolNotFoundError``, ``ToolArgumentError``,
``ApprovalDeniedError``, ``ToolTimeoutError``, ``ToolExecutionError`` with the
tool's own exception as ``__cause__``); the agent puts that error on the
``RunResult`` when it ends the run. Nothing a tool does can crash the run.
Results keep the order of the calls, whatever order they finish in.

An approver may deny with a reason by raising ``ApprovalDeniedError(reason)``:
the reason is what the model is told.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, cast

import pydantic_core

from agentfn.approval import ApprovalRequest
from agentfn.context import RunContext
from agentfn.events import ToolResultEvent, ToolStatus
from agentfn.exceptions import (
    ApprovalDeniedError,
    ToolArgumentError,
    ToolError,
    ToolExecutionError,
    ToolNotFoundError,
    ToolRetry,
    ToolTimeoutError,
)
from agentfn.messages import ToolCall, ToolMessage
from agentfn.tool import Tool

__all__ = ["RETRY_HINT", "CallOutcome", "ToolExecutor", "truncate"]

RETRY_HINT = "Call the tool again with corrected arguments."
"""What a tool's :class:`~agentfn.exceptions.ToolRetry` message ends with for the model (never for a person)."""

_log = logging.getLogger("agentfn.executor")


@dataclass
class _FinalOutput:
    value: Any


@dataclass
class CallOutcome:
    """What happened to one call."""

    call: ToolCall
    tool_name: str
    status: ToolStatus
    content: str
    arguments: dict[str, Any] | None = None
    error: str | None = None
    latency_s: float = 0.0
    final_output: _FinalOutput | None = None
    exception: ToolError | None = None
    """The typed failure (None when the call succeeded)."""

    @property
    def message(self) -> ToolMessage:
        return ToolMessage(
            tool_call_id=self.call.id, name=self.call.name, content=self.content, is_error=self.status != "ok"
        )

    def event(self, run_id: str, step: int) -> ToolResultEvent:
        return ToolResultEvent(
            run_id=run_id, step=step, call_id=self.call.id, tool_name=self.tool_name, status=self.status,
            content=self.content, arguments=self.arguments, error=self.error, latency_s=self.latency_s,
        )


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters with a marker saying how much was dropped."""
    if len(text) <= limit:
        return text
    dropped = len(text) - limit
    return f"{text[:limit]}\n[... truncated {dropped} characters of {len(text)}]"


class ToolExecutor:
    """Executes calls with timeouts, a concurrency bound and approval.

    Every tool runs through :meth:`Tool.call`. Sync tools run in a thread pool
    so a blocking tool cannot stall the event loop or the other calls, except
    those declared ``blocking=False`` (pure, fast functions), which run inline. A timed-out async tool is cancelled; a timed-out
    sync tool is abandoned (Python cannot kill a thread) and reported.
    """

    def __init__(
        self,
        *,
        default_timeout: float | None,
        max_concurrency: int,
        max_result_chars: int,
        approver: Callable[[ApprovalRequest], bool | Awaitable[bool]] | None,
    ) -> None:
        self.default_timeout = default_timeout
        self.max_concurrency = max(1, max_concurrency)
        self.max_result_chars = max_result_chars
        self.approver = approver
        self._pool: ThreadPoolExecutor | None = None

    def _threads(self) -> ThreadPoolExecutor:
        if self._pool is None:
            # Extra headroom: abandoned (timed-out) sync tools keep their thread.
            self._pool = ThreadPoolExecutor(max_workers=self.max_concurrency + 16, thread_name_prefix="agentfn-tool")
        return self._pool

    async def run_calls(
        self,
        calls: Sequence[ToolCall],
        tools: Sequence[Tool[..., Any] | None],
        ctx: RunContext[Any],
        *,
        available: Sequence[str],
    ) -> list[CallOutcome]:
        if len(calls) == 1:
            return [await self._run_one(calls[0], tools[0], ctx, available)]
        semaphore = asyncio.Semaphore(self.max_concurrency)

        async def bounded(call: ToolCall, tool: Tool[..., Any] | None) -> CallOutcome:
            async with semaphore:
                return await self._run_one(call, tool, ctx, available)

        return list(await asyncio.gather(*(bounded(c, t) for c, t in zip(calls, tools, strict=True))))

    async def _run_one(
        self, call: ToolCall, tool: Tool[..., Any] | None, ctx: RunContext[Any], available: Sequence[str]
    ) -> CallOutcome:
        started = time.perf_counter()
        if tool is None:
            names = ", ".join(available) or "none"
            missing = ToolNotFoundError(f"Unknown tool {call.name!r}. Available tools: {names}.", tool_name=call.name)
            return CallOutcome(call, call.name, "not_found", missing.model_message(), error="not_found",
                               exception=missing)
        try:
            values = tool.validate(call.arguments)
        except ToolArgumentError as exc:
            return CallOutcome(call, tool.name, "invalid_arguments", exc.model_message(), error=str(exc),
                               latency_s=time.perf_counter() - started, exception=exc)
        arguments = _jsonable(values)
        if tool.requires_approval:
            denial = await self._approve(tool, call, arguments, ctx)
            if denial is not None:
                return CallOutcome(call, tool.name, "denied", denial.model_message(), arguments=arguments,
                                   error="denied", latency_s=time.perf_counter() - started, exception=denial)
        call_ctx = dataclasses.replace(ctx, tool_name=tool.name, tool_call_id=call.id)
        timeout = tool.timeout if tool.timeout is not None else self.default_timeout
        try:
            if tool.runs_inline:
                # Declared non-blocking (pure, fast): no thread hop; nothing could interrupt it anyway.
                result = await tool.call(values, call_ctx, validated=True)
            else:
                pool = None if tool.is_async else self._threads()
                result = await asyncio.wait_for(tool.call(values, call_ctx, validated=True, executor=pool), timeout)
            elapsed = time.perf_counter() - started
            if timeout is not None and elapsed > timeout and (tool.is_async or tool.runs_inline):
                # wait_for only returns late when the tool blocked the event loop or swallowed its
                # cancellation (or it ran inline); either way the timeout could not be enforced.
                _log.warning(
                    "tool %r returned after %.2f s despite its %.2f s timeout: it blocks the event loop or "
                    "ignores cancellation; make it a sync function with blocking=True (run in a thread) or "
                    "await its I/O", tool.name, elapsed, timeout,
                )
        except ToolTimeoutError as exc:  # the tool enforced a deadline of its own
            return CallOutcome(call, tool.name, "timeout", truncate(exc.model_message(), 2000), arguments=arguments,
                               error="timeout", latency_s=time.perf_counter() - started, exception=exc)
        except TimeoutError as exc:
            stopped = ToolTimeoutError(f"Tool {tool.name!r} did not finish within {timeout} s and was stopped.",
                                       tool_name=tool.name)
            stopped.__cause__ = exc
            return CallOutcome(call, tool.name, "timeout", stopped.model_message(), arguments=arguments,
                               error="timeout", latency_s=time.perf_counter() - started, exception=stopped)
        except ToolRetry as exc:
            retry = ToolExecutionError(f"tool {tool.name!r} asked for a retry: {exc.message}", tool_name=tool.name)
            retry.__cause__ = exc
            return CallOutcome(call, tool.name, "retry", f"{exc.message}\n{RETRY_HINT}",
                               arguments=arguments, error=f"retry: {exc.message}", latency_s=time.perf_counter() - started,
                               exception=retry)
        except ToolArgumentError as exc:  # raised by a nested validation inside the tool
            return CallOutcome(call, tool.name, "invalid_arguments", exc.model_message(), arguments=arguments,
                               error=str(exc), latency_s=time.perf_counter() - started, exception=exc)
        except Exception as exc:
            failure = exc if isinstance(exc, ToolError) else None
            if failure is None:
                failure = ToolExecutionError(f"tool {tool.name!r} raised {type(exc).__name__}: {exc}", tool_name=tool.name)
                failure.__cause__ = exc
            text = f"Error: tool {tool.name!r} raised {type(exc).__name__}: {exc}"
            return CallOutcome(call, tool.name, "error", truncate(text, 2000), arguments=arguments,
                               error=f"{type(exc).__name__}: {exc}", latency_s=time.perf_counter() - started,
                               exception=failure)
        if tool.is_output_tool:
            return CallOutcome(call, tool.name, "ok", "Final answer received.", arguments=arguments,
                               latency_s=time.perf_counter() - started, final_output=_FinalOutput(result))
        try:
            content = tool.to_content(result)
        except Exception as exc:  # e.g. bytes that are not UTF-8: show the model something, never crash
            content = f"(result not JSON-serialisable: {type(exc).__name__}) {_safe_repr(result)}"
        content = truncate(content, self.max_result_chars)
        return CallOutcome(call, tool.name, "ok", content, arguments=arguments, latency_s=time.perf_counter() - started)

    async def _approve(
        self, tool: Tool[..., Any], call: ToolCall, arguments: dict[str, Any], ctx: RunContext[Any]
    ) -> ApprovalDeniedError | None:
        """None when approved, else the denial (its message is what the model is told)."""
        if self.approver is None:
            return ApprovalDeniedError(
                f"Tool {tool.name!r} requires approval and no approver is configured; it was not run.",
                tool_name=tool.name,
            )
        request = ApprovalRequest(run_id=ctx.run_id, tool_name=tool.name, arguments=arguments, call_id=call.id,
                                  side_effects=tool.side_effects)
        try:
            decision = self.approver(request)
            if inspect.isawaitable(decision):
                decision = await decision
        except ApprovalDeniedError as exc:  # a denial with a reason
            if exc.tool_name is None:
                exc.tool_name = tool.name
            return exc
        except Exception as exc:
            failed = ApprovalDeniedError(
                f"Approval for {tool.name!r} failed ({type(exc).__name__}: {exc}); it was not run.", tool_name=tool.name
            )
            failed.__cause__ = exc
            return failed
        if decision is True:
            return None
        return ApprovalDeniedError(
            f"The user denied running {tool.name!r} with these arguments; it was not run.", tool_name=tool.name
        )

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


def _safe_repr(value: Any) -> str:
    try:
        return repr(value)[:100_000]
    except Exception:
        return f"<{type(value).__name__}>"


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return cast(dict[str, Any], pydantic_core.to_jsonable_python(values, fallback=repr))
