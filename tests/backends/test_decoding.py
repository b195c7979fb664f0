"""Small-model decoding policy: loop detection, sampled retries, grounded answers."""

from __future__ import annotations

from agentfn.backends._decoding import grounded_reply, loop_start, retry_temperature
from agentfn.backends.base import ModelRequest
from agentfn.messages import AssistantMessage, ToolCall, ToolMessage, UserMessage


def test_loop_start_finds_short_cycles_and_cuts_to_one_copy() -> None:
    ids = [5, 6, 7] + [1, 2] * 20
    start = loop_start(ids)
    assert start is not None and ids[:start] == [5, 6, 7, 1, 2]
    assert loop_start([9] * 30) == 1
    assert loop_start(list(range(40))) is None
    assert loop_start([1, 2] * 5) is None  # too short to call it a loop


def _conversation(*failures: bool) -> list[object]:
    messages: list[object] = [UserMessage(content="100 fahrenheit to celsius")]
    for failed in failures:
        call = ToolCall(name="convert_units", arguments="{}")
        messages += [AssistantMessage(tool_calls=[call]),
                     ToolMessage(tool_call_id=call.id, name="convert_units", content="x", is_error=failed)]
    return messages


def test_retry_temperature_rises_with_failures_of_that_tool() -> None:
    assert retry_temperature(ModelRequest(messages=_conversation()), "convert_units") is None  # type: ignore[arg-type]
    assert retry_temperature(ModelRequest(messages=_conversation(True)), "convert_units") == 0.7  # type: ignore[arg-type]
    assert retry_temperature(ModelRequest(messages=_conversation(True, True)), "convert_units") == 1.0  # type: ignore[arg-type]
    assert retry_temperature(ModelRequest(messages=_conversation(True)), "calculate") is None  # type: ignore[arg-type]


def test_grounded_reply_only_after_tool_results() -> None:
    call = ToolCall(name="convert_units", arguments='{"value": 100, "from_unit": "fahrenheit", "to_unit": "celsius"}')
    result = '{"value": 37.77777, "unit": "C", "quantity": "temperature", "original_value": 100.0, "original_unit": "F"}'
    messages = [UserMessage(content="100 fahrenheit to celsius"), AssistantMessage(tool_calls=[call]),
                ToolMessage(tool_call_id=call.id, name="convert_units", content=result)]
    reply = grounded_reply(ModelRequest(messages=messages, tool_choice="auto"), "m")
    assert reply is not None and reply.message.content == "100 fahrenheit = 37.778 C"
    assert grounded_reply(ModelRequest(messages=messages, tool_choice="required"), "m") is None
    assert grounded_reply(ModelRequest(messages=messages[:1]), "m") is None
    assert grounded_reply(ModelRequest(messages=messages, output_schema={"type": "object"}), "m") is None
