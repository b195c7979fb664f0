"""agentfn: typed Python functions as tools an LLM can pick and call.

The public surface is small on purpose::

    from agentfn import tool, Toolset, Agent, RunContext, ToolRetry

``agentfn.compose`` is the :mod:`agentfn.compose` module, and calling it calls its
:func:`~agentfn.compose.compose` function (``agentfn.compose(a, b)``); import the rest of
that module with ``from agentfn.compose import execute_plan, plan_tool, ...``.
"""

from typing import TYPE_CHECKING

from agentfn import mcp as _mcp  # noqa: F401  # pyright: ignore[reportUnusedImport]  # registers "mcp:" toolsets
from agentfn.agent import Agent, AgentRun, ApprovalRequest, RunResult
from agentfn.backends.base import Model, ModelRequest, ModelResponse
from agentfn.backends.function import FunctionModel, TestModel

if TYPE_CHECKING:  # to a type checker, ``agentfn.compose`` is the function it calls
    from agentfn.compose import compose as compose
else:  # at run time, the module itself (callable: see agentfn.compose)
    from agentfn import compose as compose
from agentfn.context import RunContext
from agentfn.exceptions import (
    AgentFnError,
    ApprovalDeniedError,
    ConfigError,
    LoopGuardError,
    MissingExtraError,
    ModelError,
    ModelUnavailableError,
    ToolArgumentError,
    ToolDefinitionError,
    ToolError,
    ToolExecutionError,
    ToolNotFoundError,
    ToolRetry,
    ToolSchemaError,
    ToolsetConflictError,
    ToolTimeoutError,
    TraceStoreError,
    UnexpectedModelBehavior,
    UsageLimitExceeded,
    UserError,
)
from agentfn.guards import LoopGuards
from agentfn.messages import (
    AssistantMessage,
    Message,
    SystemMessage,
    ToolCall,
    ToolMessage,
    Usage,
    UserMessage,
)
from agentfn.tool import Tool, tool
from agentfn.toolset import Toolset

__version__ = "0.1.0"

__all__ = [
    "Agent",
    "AgentFnError",
    "AgentRun",
    "ApprovalDeniedError",
    "ApprovalRequest",
    "AssistantMessage",
    "ConfigError",
    "FunctionModel",
    "LoopGuardError",
    "LoopGuards",
    "Message",
    "MissingExtraError",
    "Model",
    "ModelError",
    "ModelRequest",
    "ModelResponse",
    "ModelUnavailableError",
    "RunContext",
    "RunResult",
    "SystemMessage",
    "TestModel",
    "Tool",
    "ToolArgumentError",
    "ToolCall",
    "ToolDefinitionError",
    "ToolError",
    "ToolExecutionError",
    "ToolMessage",
    "ToolNotFoundError",
    "ToolRetry",
    "ToolSchemaError",
    "ToolTimeoutError",
    "Toolset",
    "ToolsetConflictError",
    "TraceStoreError",
    "UnexpectedModelBehavior",
    "Usage",
    "UsageLimitExceeded",
    "UserError",
    "UserMessage",
    "__version__",
    "compose",
    "tool",
]
