"""Tools and a scripted model for the durable-run tests (imported by `agentfn` subprocesses).

``first_step`` doubles a number; ``second_step`` adds one but blocks while the file named by
``$DURABLE_BLOCK`` exists, so a test can kill the process inside it. ``send_once`` does the same but
declares a write side effect, which makes it not idempotent. Every call appends to ``$DURABLE_LOG``.
``reply`` calls first_step, then the second tool (``$DURABLE_SECOND``, default second_step), then answers.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from agentfn import AssistantMessage, ModelRequest, tool
from agentfn.backends.function import call
from agentfn.messages import Message


def _log(line: str) -> None:
    with Path(os.environ["DURABLE_LOG"]).open("a", encoding="utf-8") as f:
        f.write(line + "\n")


def _wait_unblocked() -> None:
    block = os.environ.get("DURABLE_BLOCK")
    while block and Path(block).exists():
        time.sleep(0.05)


@tool
def first_step(x: int) -> int:
    """Double a number.

    Args:
        x: the number.
    """
    _log(f"first-start {x}")
    return 2 * x


@tool
def second_step(y: int) -> int:
    """Add one to a number (slowly).

    Args:
        y: the number.
    """
    _log(f"second-start {y}")
    _wait_unblocked()
    _log(f"second-end {y}")
    return y + 1


@tool(side_effects="write")
def send_once(y: int) -> int:
    """Send a number somewhere; doing it twice would be wrong.

    Args:
        y: the number.
    """
    _log(f"second-start {y}")
    _wait_unblocked()
    _log(f"second-end {y}")
    return y + 1


def reply(messages: list[Message], request: ModelRequest) -> AssistantMessage | str:
    results = [m for m in messages if m.role == "tool"]
    if not results:
        return AssistantMessage(tool_calls=[call("first_step", {"x": 20})])
    if len(results) == 1:
        second = os.environ.get("DURABLE_SECOND", "second_step")
        return AssistantMessage(tool_calls=[call(second, {"y": int(results[0].content)})])
    last = results[-1]
    if last.is_error:
        return f"The second step did not complete: {last.content}"
    return f"The answer is {last.content}."
