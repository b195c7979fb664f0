"""Every exported error means what it says: carried by the failed call, raised by ``raise_for_outcome``.

Before: ``ToolNotFoundError``, ``ToolTimeoutError`` and ``ApprovalDeniedError`` were never
raised or carried, and ``raise_for_outcome`` raised ``UsageLimitExceeded`` for every outcome.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from pydantic import BaseModel

from agentfn import (
    Agent,
    ApprovalDeniedError,
    ApprovalRequest,
    AssistantMessage,
    FunctionModel,
    LoopGuardError,
    LoopGuards,
    ModelRequest,
    ToolArgumentError,
    ToolExecutionError,
    ToolNotFoundError,
    ToolRetry,
    ToolTimeoutError,
    UnexpectedModelBehavior,
    UsageLimitExceeded,
    tool,
)
from agentfn.backends.function import call
from agentfn.events import ToolResultEvent
from agentfn.messages import Message, ToolMessage

NO_GUARDS = LoopGuards(None, None)


@tool
def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: first.
        b: second.
    """
    return a + b


@tool(timeout=0.05)
def slow(x: int) -> int:
    """Take too long.

    Args:
        x: anything.
    """
    time.sleep(0.5)
    return x


@tool
def broken(x: int) -> int:
    """Always fail.

    Args:
        x: anything.
    """
    raise ValueError(f"cannot handle {x}")


@tool
def picky(x: int) -> int:
    """Always ask for another try.

    Args:
        x: anything.
    """
    raise ToolRetry("x must be prime")


@tool(requires_approval=True, side_effects="write")
def transfer(amount: int) -> str:
    """Move money.

    Args:
        amount: how much.
    """
    return f"moved {amount}"


def always(name: str, arguments: dict[str, Any] | str) -> FunctionModel:
    n = {"i": 0}

    def reply(messages: list[Message], request: ModelRequest) -> AssistantMessage:
        n["i"] += 1
        if isinstance(arguments, str):
            return AssistantMessage(tool_calls=[call(name, arguments)])
        # A different argument each time, so only the retry budget (not a loop guard) stops it.
        return AssistantMessage(tool_calls=[call(name, {**arguments, "x": n["i"]})])

    return FunctionModel(reply)


@pytest.mark.parametrize(
    ("name", "arguments", "error_type"),
    [
        ("nowhere", {"x": 1}, ToolNotFoundError),
        ("slow", {"x": 1}, ToolTimeoutError),
        ("broken", {"x": 1}, ToolExecutionError),
        ("picky", {"x": 1}, ToolExecutionError),
        ("add", '{"a": "one"}', ToolArgumentError),
    ],
)
async def test_a_call_that_uses_up_its_retries_carries_its_typed_error(
    name: str, arguments: dict[str, Any] | str, error_type: type[Exception]
) -> None:
    result = await Agent(always(name, arguments), [add, slow, broken, picky], retries=1, guards=NO_GUARDS).run("go")
    assert result.outcome == "error" and name in (result.reason or "")
    assert type(result.error) is error_type
    assert result.error.tool_name == name  # type: ignore[union-attr]
    with pytest.raises(error_type):
        result.raise_for_outcome()


async def test_execution_error_keeps_the_tools_exception_as_cause() -> None:
    result = await Agent(always("broken", {"x": 1}), [broken], retries=0, guards=NO_GUARDS).run("go")
    assert isinstance(result.error, ToolExecutionError)
    assert isinstance(result.error.__cause__, ValueError) and "cannot handle 1" in str(result.error.__cause__)


async def test_guard_raises_loop_guard_error_and_limit_raises_usage_limit() -> None:
    same = FunctionModel(lambda messages, request: AssistantMessage(tool_calls=[call("add", {"a": 1, "b": 2})]))
    guarded = await Agent(same, [add]).run("x")
    assert guarded.outcome == "guard" and guarded.error is None
    with pytest.raises(LoopGuardError) as info:
        guarded.raise_for_outcome()
    assert info.value.guard == "repeated_call"
    limited = await Agent(same, [add], max_steps=2).run("x")
    with pytest.raises(UsageLimitExceeded) as limit:
        limited.raise_for_outcome()
    assert limit.value.limit == "max_steps"
    assert not isinstance(limit.value, LoopGuardError)


class Answer(BaseModel):
    value: int


async def test_an_answer_that_keeps_failing_validation_is_unexpected_model_behavior() -> None:
    result = await Agent(FunctionModel(lambda m, r: "not json"), [], output_type=Answer, retries=1).run("x")
    assert result.outcome == "error" and isinstance(result.error, UnexpectedModelBehavior)
    assert result.error.body == "not json"
    with pytest.raises(UnexpectedModelBehavior):
        result.raise_for_outcome()


async def test_approver_denies_with_a_reason_the_model_is_told() -> None:
    def approver(request: ApprovalRequest) -> bool:
        if request.arguments["amount"] > 100:
            raise ApprovalDeniedError(f"transfers over 100 need a manager; {request.arguments['amount']} refused")
        return True

    script = iter([
        AssistantMessage(tool_calls=[call("transfer", {"amount": 5000})]),
        AssistantMessage(tool_calls=[call("transfer", {"amount": 50})]),
        "done",
    ])
    agent = Agent(FunctionModel(lambda m, r: next(script)), [transfer], approver=approver)
    run = agent.iter("pay")
    results = [e async for e in run if isinstance(e, ToolResultEvent)]
    assert [r.status for r in results] == ["denied", "ok"]
    told = [m for m in run.result.messages if isinstance(m, ToolMessage)]
    assert "need a manager; 5000 refused" in told[0].content and told[0].is_error
    assert told[1].content == "moved 50"


async def test_denials_carry_approval_denied_error() -> None:
    from agentfn._executor import ToolExecutor
    from agentfn.context import RunContext

    ctx: RunContext[Any] = RunContext(deps=None, run_id="r")
    for approver, text in ((None, "no approver is configured"), (lambda req: False, "The user denied")):
        executor = ToolExecutor(default_timeout=5, max_concurrency=1, max_result_chars=1000, approver=approver)
        [outcome] = await executor.run_calls([call("transfer", {"amount": 1})], [transfer], ctx, available=["transfer"])
        assert outcome.status == "denied" and isinstance(outcome.exception, ApprovalDeniedError)
        assert text in outcome.content and outcome.exception.tool_name == "transfer"
        executor.close()
