"""Every error agentfn raises, in one place.

The hierarchy separates who is at fault, because each party needs a different
reaction: a developer fixes their code, a model gets a message it can repair
from, a tool's request for a retry is control flow, and infrastructure gets
retried with backoff.

```
AgentFnError
├── UserError                      the developer used agentfn wrongly (fix the code)
│   ├── ToolDefinitionError        a function cannot become a tool (all problems at once)
│   ├── ToolSchemaError            a foreign tool definition cannot be understood
│   ├── ToolsetConflictError       two tools share a name (names both sources)
│   ├── ConfigError                a configuration value is invalid
│   │   └── UnknownParserError     no tool-call parser has that name (lists those that do)
│   ├── MissingExtraError          an optional dependency is not installed (names the extra)
│   └── DurableRunError            a durable run cannot be started, found or resumed as asked
│       └── InterruptedToolCallError  it stopped inside a non-idempotent tool call: rerun or skip it
├── ModelError                     the model or its server misbehaved
│   ├── ModelUnavailableError      server down, 5xx or timed out after bounded retries
│   └── UnexpectedModelBehavior    output that cannot be repaired (e.g. truncated call)
├── ToolError                      a single tool call failed; the loop reports it to the model
│   ├── ToolArgumentError          arguments failed validation (every field listed)
│   ├── ToolNotFoundError          the model named a tool that is not offered
│   ├── ToolExecutionError         the tool raised (``__cause__``), or kept asking for a retry
│   ├── ToolTimeoutError           the tool exceeded its timeout and was cancelled
│   └── ApprovalDeniedError        a tool needing approval was not approved (an approver may
│                                  raise it to deny with a reason the model is told)
├── ToolRetry                      raised *by a tool* to ask the model to try again
├── UsageLimitExceeded             a run limit (steps, calls, tokens) was hit
├── LoopGuardError                 a loop guard stopped the run (repeated call, no progress)
└── TraceStoreError                the trace store failed (never breaks a run)
```

How they reach the developer: the agent loop never raises for model or tool
failures; each failed call carries its ``ToolError`` to the model as a message,
and a run that ends without an answer says why in ``RunResult``:
``result.raise_for_outcome()`` raises ``UsageLimitExceeded`` (outcome ``limit``),
``LoopGuardError`` (``guard``) or ``result.error`` (``error``: the ``ModelError``,
the ``ToolError`` of the call that used up its retries, or ``UnexpectedModelBehavior``
for a final answer that kept failing validation).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "AgentFnError",
    "ApprovalDeniedError",
    "ConfigError",
    "DurableRunError",
    "InterruptedToolCallError",
    "LoopGuardError",
    "MissingExtraError",
    "ModelError",
    "ModelUnavailableError",
    "ToolArgumentError",
    "ToolDefinitionError",
    "ToolError",
    "ToolExecutionError",
    "ToolNotFoundError",
    "ToolRetry",
    "ToolSchemaError",
    "ToolTimeoutError",
    "ToolsetConflictError",
    "TraceStoreError",
    "UnexpectedModelBehavior",
    "UnknownParserError",
    "UsageLimitExceeded",
    "UserError",
]


class AgentFnError(Exception):
    """Base class of every agentfn error."""


# --- developer errors -------------------------------------------------------


class UserError(AgentFnError):
    """The developer used agentfn incorrectly; the message says how to fix it."""


class ToolDefinitionError(UserError, TypeError):
    """A function cannot be turned into a tool.

    Every problem with the signature is collected and reported together, so a
    developer fixes them in one pass instead of one per run.
    """

    def __init__(self, function_name: str, problems: Sequence[str]) -> None:
        self.function_name = function_name
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"cannot make a tool of {function_name!r}:\n{lines}")


class ToolSchemaError(UserError, ValueError):
    """A tool definition in OpenAI/JSON-Schema form cannot be understood."""


class ToolsetConflictError(UserError, ValueError):
    """Two tools in one toolset share a name."""

    def __init__(self, name: str, first_source: str, second_source: str) -> None:
        self.name = name
        self.first_source = first_source
        self.second_source = second_source
        super().__init__(
            f"tool name {name!r} is defined twice: by {first_source} and by {second_source};"
            " rename one (Toolset.prefixed / Toolset.renamed) or filter it out"
        )


class ConfigError(UserError, ValueError):
    """A configuration value is invalid."""


class UnknownParserError(ConfigError, KeyError):
    """No parser is registered under the requested name; the message lists those that are."""

    def __str__(self) -> str:  # KeyError would wrap the message in quotes
        return str(self.args[0]) if self.args else ""


class MissingExtraError(UserError, ImportError):
    """An optional dependency is missing; the message names the extra to install."""

    def __init__(self, feature: str, extra: str, module: str) -> None:
        self.extra = extra
        self.module = module
        super().__init__(
            f"{feature} needs the optional dependency {module!r}: "
            f"pip install 'agentfn[{extra}]'"
        )


class DurableRunError(UserError):
    """A durable run cannot be started, found or resumed as asked (unknown id, another agent, still running)."""


class InterruptedToolCallError(DurableRunError):
    """A durable run stopped inside calls to tools that are not idempotent; resuming needs a decision.

    ``calls`` lists them (``run_id``, ``tool``, ``call_id``, ``arguments``): resume with
    ``interrupted="rerun"`` to call them again or ``"skip"`` to tell the model they were cut off.
    """

    def __init__(self, message: str, calls: Sequence[dict[str, Any]]) -> None:
        self.calls = list(calls)
        super().__init__(message)


# --- model errors -----------------------------------------------------------


class ModelError(AgentFnError):
    """The model, or the server behind it, misbehaved."""


class ModelUnavailableError(ModelError):
    """The model server could not be reached or kept failing after retries."""

    def __init__(self, message: str, *, status_code: int | None = None, attempts: int = 1) -> None:
        self.status_code = status_code
        self.attempts = attempts
        super().__init__(message)


class UnexpectedModelBehavior(ModelError):
    """The model produced output that cannot be used or repaired."""

    def __init__(self, message: str, *, body: str | None = None) -> None:
        self.body = body
        super().__init__(message)


# --- tool-call errors -------------------------------------------------------


class ToolError(AgentFnError):
    """One tool call failed. The agent loop turns it into a message for the model."""

    def __init__(self, message: str, *, tool_name: str | None = None) -> None:
        self.tool_name = tool_name
        super().__init__(message)

    def model_message(self) -> str:
        """Text sent back to the model so it can react to the failure."""
        return str(self)


class ToolArgumentError(ToolError, ValueError):
    """Arguments failed validation.

    Attributes:
        errors: one dict per problem with ``loc`` (path as a dotted string),
            ``msg`` and ``input``; the same list is rendered by
            :meth:`model_message` for the model to repair from.
    """

    def __init__(self, tool_name: str, errors: Sequence[dict[str, Any]]) -> None:
        self.errors = list(errors)
        super().__init__(self._render(tool_name, self.errors), tool_name=tool_name)

    @staticmethod
    def _render(tool_name: str, errors: Sequence[dict[str, Any]]) -> str:
        parts = [f"invalid arguments for tool {tool_name!r} ({len(errors)} error(s)):"]
        for err in errors:
            loc = err.get("loc") or "(arguments)"
            parts.append(f"  - {loc}: {err.get('msg', 'invalid')}")
        return "\n".join(parts)

    def model_message(self) -> str:
        return str(self) + "\nFix the arguments and call the tool again."


class ToolNotFoundError(ToolError, LookupError):
    """The model called a tool that is not offered."""


class ToolExecutionError(ToolError):
    """The tool raised; ``__cause__`` holds the original exception."""


class ToolTimeoutError(ToolError, TimeoutError):
    """The tool ran past its timeout and was cancelled."""


class ApprovalDeniedError(ToolError, PermissionError):
    """A tool that requires approval was denied (or no approver was configured)."""


# --- control flow -----------------------------------------------------------


class ToolRetry(AgentFnError):
    """Raised inside a tool to ask the model to call it again differently.

    Example:
        ```python
        @tool
        def lookup(user_id: int) -> User:
            if user_id not in db:
                raise ToolRetry(f"no user {user_id}; ids look like 1000-9999")
        ```
    """

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class UsageLimitExceeded(AgentFnError):
    """A run limit was hit; ``limit`` names which one."""

    def __init__(self, limit: str, message: str) -> None:
        self.limit = limit
        super().__init__(message)


class LoopGuardError(AgentFnError):
    """A loop guard stopped the run; ``guard`` names which (``repeated_call``, ``no_progress``)."""

    def __init__(self, guard: str, message: str) -> None:
        self.guard = guard
        super().__init__(message)


class TraceStoreError(AgentFnError):
    """The trace store failed. Recording failures are logged, never raised into a run."""
