"""Decoding policy of the in-process backends for small models: loops, retries, grounded answers.

* :func:`loop_start` finds a short token cycle repeated at the end of a generation (greedy
  decoding of a 135M model can write ``1.1.1.1...`` until the token limit); backends stop there
  and cut the text back to one copy.
* :func:`retry_temperature`: a forced call to a tool whose earlier call in this turn failed is
  sampled (temperature rising with each failure, seeded) rather than decoded greedily again,
  which would repeat the same failing call; :func:`retry_sampling_temperature` does the same for a
  server request repeated after its call was cut off by the token limit.
* :func:`grounded_reply`: with ``answer_mode="grounded"``, the turn after tool results is
  written from the results (:func:`agentfn._answer.grounded_answer`) instead of generated.
"""

from __future__ import annotations

from collections.abc import Sequence

from agentfn._answer import grounded_answer
from agentfn.backends.base import ModelRequest, ModelResponse
from agentfn.messages import AssistantMessage, ToolMessage, Usage, UserMessage

__all__ = ["LOOP_MIN_TOKENS", "grounded_reply", "loop_start", "retry_sampling_temperature", "retry_temperature"]

LOOP_MIN_TOKENS = 24
"""A cycle must cover at least this many tokens at the end before it counts as a loop."""


def loop_start(ids: Sequence[int], max_period: int = 8, min_tokens: int = LOOP_MIN_TOKENS) -> int | None:
    """Where a cycle of at most ``max_period`` tokens that fills the last ``min_tokens`` tokens begins.

    Returns the index of the cycle's second copy (keep ``ids[:index]``), or None when the end of
    ``ids`` is not such a loop.
    """
    n = len(ids)
    if n < min_tokens:
        return None
    for period in range(1, max_period + 1):
        if all(ids[n - 1 - k] == ids[n - 1 - k - period] for k in range(min_tokens - period)):
            start = n - min_tokens
            while start - period >= 0 and ids[start - 1] == ids[start - 1 + period]:
                start -= 1
            return start + period
    return None


def _turn_start(request: ModelRequest) -> int:
    return max((i for i, m in enumerate(request.messages) if isinstance(m, UserMessage)), default=-1)


def retry_temperature(request: ModelRequest, tool: str, *, base: float = 0.7, step: float = 0.3) -> float | None:
    """The sampling temperature for a forced call to ``tool`` after failed calls to it in this turn.

    None when it has not failed (decode greedily); else ``base`` plus ``step`` per extra failure.
    """
    failures = sum(
        1 for m in request.messages[_turn_start(request) + 1 :] if isinstance(m, ToolMessage) and m.is_error and m.name == tool
    )
    return None if failures == 0 else base + step * (failures - 1)


def retry_sampling_temperature(attempt: int, *, base: float = 0.7, step: float = 0.3) -> float:
    """The temperature of the ``attempt``-th repeat (1, 2...) of a greedy request whose call was cut off.

    A server decoding greedily writes the same looping call again; the repeat is sampled instead.
    """
    return base + step * (max(attempt, 1) - 1)


def grounded_reply(request: ModelRequest, model_name: str) -> ModelResponse | None:
    """The answer written from this turn's tool results, when the request asks for a final answer.

    Applies when no call is forced, no structured output is asked, and the conversation ends
    with tool results; None otherwise (generate as usual).
    """
    if request.output_schema is not None or request.tool_choice not in ("auto", "none"):
        return None
    if not request.messages or not isinstance(request.messages[-1], ToolMessage):
        return None
    text = grounded_answer(request.messages)
    if text is None:
        return None
    return ModelResponse(
        message=AssistantMessage(content=text),
        usage=Usage(requests=1),
        model_name=model_name,
        finish_reason="stop",
    )
