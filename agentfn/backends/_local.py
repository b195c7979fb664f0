"""Turning the text of an in-process generation into a :class:`ModelResponse`.

Shared by the transformers and in-process vLLM backends, which both prefill the call tag for a
forced call and constrain the JSON that follows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, cast

from agentfn.backends._toolcalls import enforce_single_call, parse_text_calls, repair_calls
from agentfn.backends.base import ModelRequest, ModelResponse
from agentfn.exceptions import UnexpectedModelBehavior
from agentfn.messages import AssistantMessage, ToolCall, Usage

__all__ = ["CALL_CLOSE", "CALL_OPEN", "forced_call_response", "free_response", "local_response", "normalised_json"]

CALL_OPEN = "<tool_call>\n"
CALL_CLOSE = "\n</tool_call>"


def normalised_json(text: str) -> str:
    """Constrained JSON re-serialised, so raw control characters inside strings get escaped.

    xgrammar's JSON strings admit raw control characters, which strict JSON parsers reject.
    Text that does not parse (cut off by the token limit) is returned unchanged.
    """
    try:
        value = json.loads(text, strict=False)
    except ValueError:
        return text
    return json.dumps(value, ensure_ascii=False)


def forced_call_response(
    text: str, *, call_prefix: str, usage: Usage, finish_reason: str, model_name: str
) -> ModelResponse:
    """The one call in constrained ``{"name": ..., "arguments": ...}`` text.

    Raises:
        UnexpectedModelBehavior: the JSON is incomplete (the token limit cut it off).
    """
    raw = call_prefix + text + CALL_CLOSE
    try:
        envelope: Any = json.loads(text, strict=False)
    except ValueError:
        try:  # generated without a grammar: the first JSON value, whatever follows it
            envelope = json.JSONDecoder(strict=False).raw_decode(text.lstrip())[0]
        except ValueError:
            envelope = None
    body = cast("dict[str, Any]", envelope) if isinstance(envelope, dict) else {}
    name: object = body.get("name")
    if not isinstance(name, str):
        raise UnexpectedModelBehavior(
            f"the constrained tool call did not complete within {usage.output_tokens} tokens "
            f"(finish_reason={finish_reason}); raise max_call_tokens or bound the tool's schema",
            body=raw,
        )
    arguments: object = body.get("arguments", {})
    call = ToolCall(name=name, arguments=json.dumps(arguments, ensure_ascii=False))
    return ModelResponse(
        message=AssistantMessage(content=None, tool_calls=[call]),
        usage=usage,
        model_name=model_name,
        finish_reason="tool_calls",
        raw_text=raw,
    )


def free_response(
    request: ModelRequest,
    text: str,
    *,
    parser: str | Sequence[str],
    constrained: bool,
    call_prefix: str,
    usage: Usage,
    finish_reason: str,
    model_name: str,
) -> ModelResponse:
    """A reply generated without a forced call: parse calls from the text when calls are allowed."""
    content: str | None = text
    if constrained and not text.startswith(call_prefix):
        content = normalised_json(text)
    calls: list[ToolCall] = []
    reasoning: str | None = None
    raw: str | None = None
    if request.tools and request.tool_choice != "none":
        found = parse_text_calls(text, parser)
        if found.tool_calls:
            raw, content, reasoning = text, found.content, found.reasoning
            calls = enforce_single_call(repair_calls(found.tool_calls, request.tools), request.parallel_tool_calls)
            content = content if content and content.strip() else None
    return ModelResponse(
        message=AssistantMessage(content=content, tool_calls=calls, reasoning=reasoning),
        usage=usage,
        model_name=model_name,
        finish_reason="tool_calls" if calls else finish_reason,
        raw_text=raw,
    )


def local_response(
    request: ModelRequest,
    text: str,
    *,
    forced: bool,
    constrained: bool,
    parser: str | Sequence[str],
    call_prefix: str,
    usage: Usage,
    finish_reason: str,
    model_name: str,
) -> ModelResponse:
    """The response of an in-process backend: the forced call, or text with any calls parsed out."""
    if forced:
        return forced_call_response(
            text, call_prefix=call_prefix, usage=usage, finish_reason=finish_reason, model_name=model_name
        )
    return free_response(
        request, text, parser=parser, constrained=constrained, call_prefix=call_prefix, usage=usage,
        finish_reason=finish_reason, model_name=model_name,
    )
