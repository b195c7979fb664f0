"""The one interface every model backend implements.

A backend turns a :class:`ModelRequest` (conversation, offered tools, tool
choice, optional output schema) into a :class:`ModelResponse` holding one
assistant message. Backends never execute tools; the agent loop does.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agentfn.messages import AssistantMessage, Message, Usage

__all__ = [
    "Done",
    "Model",
    "ModelRequest",
    "ModelResponse",
    "StreamEvent",
    "TextDelta",
    "ToolCallDelta",
    "ToolChoice",
]

ToolChoice = Literal["auto", "required", "none"] | str
"""``auto``/``required``/``none`` or the name of the one tool that must be called."""


class ModelRequest(BaseModel):
    """Everything a backend needs for one generation."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    messages: list[Message]
    tools: list[dict[str, Any]] = Field(default_factory=list[dict[str, Any]])
    """OpenAI-format function tools (``{"type": "function", "function": {...}}``)."""
    tool_choice: ToolChoice = "auto"
    parallel_tool_calls: bool = True
    output_schema: dict[str, Any] | None = None
    """When set, the final text answer must be JSON matching this schema."""
    max_tokens: int | None = None
    temperature: float | None = None
    seed: int | None = None
    stop: list[str] | None = None

    def tool_names(self) -> list[str]:
        return [t["function"]["name"] for t in self.tools]


class ModelResponse(BaseModel):
    """One assistant turn plus accounting."""

    message: AssistantMessage
    usage: Usage = Field(default_factory=Usage)
    model_name: str = ""
    finish_reason: str | None = None
    raw_text: str | None = None
    """The unparsed text, when the backend parsed tool calls out of it."""


class TextDelta(BaseModel):
    kind: Literal["text"] = "text"
    text: str


class ToolCallDelta(BaseModel):
    """A fragment of one tool call while it streams; fragments share ``index``."""

    kind: Literal["tool_call"] = "tool_call"
    index: int
    id: str | None = None
    name: str | None = None
    arguments: str = ""


class Done(BaseModel):
    kind: Literal["done"] = "done"
    response: ModelResponse


StreamEvent = TextDelta | ToolCallDelta | Done


class Model(ABC):
    """A chat model that can be offered tools.

    Subclasses implement :meth:`request`; :meth:`stream` defaults to one
    :class:`Done` event so every backend streams, if coarsely.
    """

    name: str = "model"
    supports_constrained_decoding: bool = False
    """True when the backend can force schema-valid calls/output itself."""

    @abstractmethod
    async def request(self, request: ModelRequest) -> ModelResponse:
        """Generate one assistant message."""

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        """Yield deltas as they arrive, then a final :class:`Done`."""
        response = await self.request(request)
        if response.message.content:
            yield TextDelta(text=response.message.content)
        for i, call in enumerate(response.message.tool_calls):
            yield ToolCallDelta(index=i, id=call.id, name=call.name, arguments=call.arguments)
        yield Done(response=response)

    async def aclose(self) -> None:  # noqa: B027 - optional hook, deliberately not abstract
        """Release connections or weights. Safe to call twice."""


def last_user_text(messages: Sequence[Message]) -> str:
    """The text of the most recent user message, or ``""``."""
    for m in reversed(messages):
        if m.role == "user":
            return m.content
    return ""
