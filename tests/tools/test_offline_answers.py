"""What a user reads when a built-in tool's offline rules cannot answer (the embedded default)."""

from __future__ import annotations

import json

from agentfn._answer import failure_answer, render_result
from agentfn.messages import AssistantMessage, Message, ToolCall, ToolMessage, UserMessage


def _failed_calls(*errors: str) -> list[Message]:
    messages: list[Message] = [UserMessage(content="Summarise this: ...")]
    for error in errors:
        call = ToolCall(name="summarize", arguments=json.dumps({"text": "x"}))
        messages += [AssistantMessage(tool_calls=[call]),
                     ToolMessage(tool_call_id=call.id, name="summarize", content=error, is_error=True)]
    return messages


def test_an_offline_limit_is_one_plain_sentence_from_the_first_call() -> None:
    turn = _failed_calls(
        "Error: tool 'summarize' raised NotSupportedOffline: there is no text to summarise",
        "Error: tool 'summarize' raised ValueError: garbage from a retry",
    )
    assert failure_answer(turn, "tool 'summarize' failed 3 times (retries=2)") == (
        "I can't answer that offline: there is no text to summarise.")


def test_other_failures_still_name_the_tool() -> None:
    turn = _failed_calls("Error: tool 'summarize' raised ValueError: bad")
    assert failure_answer(turn, None).startswith("I could not answer: the summarize tool failed")


def test_a_cited_answer_reads_as_the_span_and_its_sentence() -> None:
    cited = {"answer": "Vienna", "citations": [{"quote": "It is in Vienna.", "start": 0, "end": 16}], "answerable": True}
    assert render_result("answer", json.dumps(cited)) == 'Vienna ("It is in Vienna.")'
    whole = {**cited, "answer": "It is in Vienna."}
    assert render_result("answer", json.dumps(whole)) == "It is in Vienna."  # the sentence is not repeated
    none = {"answer": "The text does not say.", "citations": [], "answerable": False}
    assert render_result("answer", json.dumps(none)) == "The text does not say."
