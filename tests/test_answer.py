"""Readable answers: no markup, grounded in tool results, one template per built-in tool."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agentfn._answer import (
    echoes_tool_output,
    failure_answer,
    format_number,
    grounded_answer,
    readable_answer,
    render_result,
    strip_markup,
)
from agentfn.evals.everyday import has_markup
from agentfn.messages import AssistantMessage, Message, ToolCall, ToolMessage, UserMessage
from agentfn.toolset import Toolset


def _turn(name: str, arguments: dict[str, Any], content: str, *, error: bool = False) -> list[Message]:
    call = ToolCall(name=name, arguments=json.dumps(arguments))
    return [UserMessage(content="q"), AssistantMessage(tool_calls=[call]),
            ToolMessage(tool_call_id=call.id, name=name, content=content, is_error=error)]


def test_strip_markup_and_echo_detection() -> None:
    conversions = '{"value":4.828032,"unit":"km","quantity":"length","original_value":3.0,"original_unit":"mi"}'
    messages = _turn("convert_units", {"value": 3, "from_unit": "miles", "to_unit": "km"}, conversions)
    echo = f"<tool_response>\n{conversions}"
    assert strip_markup("<|im_start|>Hi<tool_call>{\"name\": 1}</tool_call><|im_end|>") == "Hi"
    assert echoes_tool_output(echo, messages)
    assert readable_answer(echo, messages) == "3 miles = 4.828 km"
    assert readable_answer("It is 4.8 km.<|im_end|>", messages) == "It is 4.8 km."
    assert readable_answer("<tool_response>\nGood morning\n</tool_response>", []) == "Good morning"


def test_numbers_for_people() -> None:
    assert [format_number(v) for v in (434.0, 4.828032, 37.77777, 3.1416, 0.000123, 2.9999999999999996, 7)] == [
        "434", "4.828", "37.778", "3.1416", "0.000123", "3", "7"]


def test_failed_calls_are_reported_plainly() -> None:
    text = grounded_answer(_turn("calculate", {"expression": "1/0"}, "division by zero", error=True))
    assert text == "I could not get an answer: calculate failed (division by zero)."
    assert grounded_answer([UserMessage(content="hi")]) is None


def test_a_run_without_an_answer_says_what_failed() -> None:
    turn = _turn("convert_units", {"value": 3}, "unknown unit 'date'.\nKnown units -- length: m", error=True)
    text = failure_answer(turn, "tool 'convert_units' failed 3 times (retries=2)")
    assert text == ("I could not answer (tool 'convert_units' failed 3 times (retries=2)): the convert_units tool "
                    "failed: unknown unit 'date'. Known units -- length: m")
    assert failure_answer([UserMessage(content="hi")], "max_steps") == "I could not answer (max_steps)."


def test_every_builtin_tool_has_a_template_that_renders_its_real_result(tmp_path: Any) -> None:
    from agentfn.library.calculator import calculate
    from agentfn.library.config import configure, reset_config
    from agentfn.library.data import csv_summary, json_query
    from agentfn.library.datetime_tools import convert_timezone, date_add, date_diff, date_info, now
    from agentfn.library.files import list_files, read_file, write_file
    from agentfn.library.text_llm import Citation, CitedAnswer, Classification, Code, Sentiment, Summary
    from agentfn.library.text_tools import text_stats
    from agentfn.library.units import convert_units

    (tmp_path / "notes.txt").write_text("Meeting moved to Thursday.")
    configure(files_root=tmp_path)
    try:
        cases: dict[str, tuple[dict[str, Any], Any, str]] = {
            "calculate": ({"expression": "17.5% of 2480"}, calculate("17.5% of 2480"), "= 434"),
            "convert_units": ({"value": 100, "from_unit": "F", "to_unit": "C"}, convert_units(100, "F", "C"), "37.778 C"),
            "now": ({"timezone": "UTC"}, now("UTC"), "It is "),
            "convert_timezone": ({"datetime": "2024-06-01T15:00:00Z", "to_timezone": "Asia/Tokyo"},
                                 convert_timezone("2024-06-01T15:00:00Z", "Asia/Tokyo"), "2024-06-02 00:00"),
            "date_add": ({"datetime": "2024-01-15", "days": 90}, date_add("2024-01-15", days=90), "= 2024-04-14"),
            "date_diff": ({"start": "2024-01-01", "end": "2024-03-01"}, date_diff("2024-01-01", "2024-03-01"), "60 days"),
            "date_info": ({"date": "2024-07-04"}, date_info("2024-07-04"), "Thursday"),
            "text_stats": ({"text": "a b c"}, text_stats("a b c"), "3 words"),
            "json_query": ({"path": "$..t"}, json_query({"x": [{"t": "Dune"}, {"t": "Emma"}]}, "$..t"), "Dune, Emma"),
            "csv_summary": ({}, csv_summary("n,age\nA,31\nB,45\nC,29"), "mean 35"),
            "read_file": ({"path": "notes.txt"}, read_file("notes.txt"), "Thursday"),
            "list_files": ({}, list_files("."), "notes.txt"),
            "write_file": ({"path": "x.txt", "content": "hi"}, write_file("x.txt", "hi"), "x.txt"),
            "translate": ({}, "Bonjour", "Bonjour"),
            "generate": ({}, "A poem.", "A poem."),
            "summarize": ({}, Summary(format="prose", text="Short."), "Short."),
            "answer": ({}, CitedAnswer(answer="1937", citations=[Citation(quote="opened in 1937", start=0, end=14)],
                                       answerable=True), "1937"),
            "classify": ({}, Classification(label="spam", confidence=0.9), "spam"),
            "sentiment": ({}, Sentiment(label="negative", confidence=0.8), "Negative"),
            "extract": ({}, {"email": "a@b.c"}, "email: a@b.c"),
            "generate_code": ({}, Code(language="python", code="print(1)", explanation="Prints."), "print(1)"),
            "run_python": ({}, {"exit_code": 0, "stdout": "5050\n", "stderr": "", "limit": None, "duration_s": 0.1,
                                "network_isolation": "audit_hook"}, "5050"),
            "http_get": ({}, {"url": "http://x/", "status": 200, "content_type": "text/html", "text": "<b>Hi</b>",
                              "truncated": False, "redirects": []}, "Hi"),
        }
        assert set(cases) == set(Toolset.builtin().names())
        for name, (arguments, value, expected) in cases.items():
            tool = Toolset.builtin()[name]
            content = tool.to_content(value)
            text = render_result(name, content, arguments)
            assert expected in text, (name, text)
            assert not has_markup(text) and "{" not in text.replace("{}", ""), (name, text)
    finally:
        reset_config()


@pytest.mark.parametrize("content", ["42", '"not a date"', '{"unexpected": [1, 2]}'])
def test_a_result_of_another_shape_renders_generically(content: str) -> None:
    assert render_result("now", content, {}) in ("42", "not a date", "unexpected: 1, 2")


@pytest.mark.parametrize(("request_text", "shown"), [
    ("What is 2 + 2?", "2 + 2"),
    ("hey, could you tell me what 23% of 1,850 is", "23% of 1,850"),
    ("What is the square root of 144?", "the square root of 144"),
    ("Tell me, what is 3 times 4", "3 times 4"),
    ("So what's 2 to the power of 10?", "2 to the power of 10"),
    ("whats 2^16", "2^16"),  # typed without the apostrophe
])
def test_calculation_answers_show_the_arithmetic_not_the_chat(request_text: str, shown: str) -> None:
    from agentfn.library.calculator import calculate

    value = calculate(request_text)
    text = grounded_answer(_turn("calculate", {"expression": request_text}, json.dumps(value)))
    assert text is not None and text.startswith(shown)


@pytest.mark.parametrize(("request_text", "answer"), [
    ("we bought 6 pizzas at 9.50 each, what did it cost us", "57"),
    ("I save 250 a month for 18 months, how much do I have", "4500"),
])
def test_a_word_problem_is_answered_with_its_result_not_its_sentence(request_text: str, answer: str) -> None:
    from agentfn.library.calculator import calculate

    value = calculate(request_text)
    assert grounded_answer(_turn("calculate", {"expression": request_text}, json.dumps(value))) == answer


def test_arithmetic_in_words_still_shows_the_arithmetic() -> None:
    from agentfn.library.calculator import calculate

    for request_text, shown in [("what is nine times seven", "nine times seven = 63"),
                                ("the average of 3, 5 and 10", "the average of 3, 5 and 10 = 6"),
                                ("is 91 prime", "is 91 prime is false.")]:
        value = calculate(request_text)
        assert grounded_answer(_turn("calculate", {"expression": request_text}, json.dumps(value))) == shown


def test_a_long_span_of_days_also_reads_in_years_and_an_age_counts_whole_years() -> None:
    from agentfn.library.datetime_tools import date_diff

    days = render_result("date_diff", json.dumps(date_diff("1990-05-17", "2026-12-06")), {"start": "1990-05-17", "end": "2026-12-06"})
    assert days.endswith("days (about 36 years).")
    short = render_result("date_diff", json.dumps(date_diff("2024-01-01", "2024-03-01")), {"start": "2024-01-01", "end": "2024-03-01"})
    assert short == "From 2024-01-01 to 2024-03-01: 60 days."
    assert date_diff("1990-05-17", "2026-05-16", unit="years") == 35  # the day before the birthday
    assert date_diff("1990-05-17", "2026-05-17", unit="years") == 36
    assert date_diff("2026-05-17", "1990-05-17", unit="years") == -36
    assert date_diff("2024-01-31", "2024-03-01", unit="months") == 1


async def test_a_tool_that_asks_to_be_called_again_is_reported_without_the_hint_for_the_model() -> None:
    from agentfn import Agent, FunctionModel, LoopGuards, ModelRequest, ToolRetry, tool

    @tool
    def parse_hours(text: str) -> float:
        """Hours in a duration like '2h30'."""
        raise ToolRetry(f"no duration in {text!r}")

    def reply(messages: list[Message], request: ModelRequest) -> AssistantMessage:
        return AssistantMessage(tool_calls=[ToolCall(name="parse_hours", arguments='{"text": "my cat sleeps a lot"}')])

    result = await Agent(FunctionModel(reply), [parse_hours], retries=1, guards=LoopGuards(None, None)).run("x")
    told = failure_answer(result.messages, result.reason)
    assert told.endswith("the parse_hours tool failed: no duration in 'my cat sleeps a lot'")
    assert "again" not in told and "again" not in (grounded_answer(result.messages) or "")
    assert any("again" in m.content for m in result.messages if isinstance(m, ToolMessage))  # the model was told
