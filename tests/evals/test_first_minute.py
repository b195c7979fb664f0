"""The first-minute judge: crashes, markup, loops and plain replies from what ``agentfn run --json`` left."""

from __future__ import annotations

import json
from typing import Any

from agentfn.evals.first_minute import FirstMinuteCase, is_looping, judge, load_first_minute, says_cannot

AT = "2026-05-04T10:00:00+00:00"


def _case(**fields: Any) -> FirstMinuteCase:
    return FirstMinuteCase.model_validate({"id": "x", "class": "demo", "prompt": "p", **fields})


def _run(output: str | None, *, exit_code: int = 0, stderr: str = "", calls: tuple[str, ...] = (),
         results: tuple[str, ...] = (), latency: float = 1.0, timed_out: bool = False) -> dict[str, Any]:
    stdout = "" if output is None else json.dumps({
        "output": output, "tool_calls": [{"name": n, "arguments": {}} for n in calls],
        "tool_results": [{"name": "t", "content": c, "is_error": False} for c in results]})
    return {"exit_code": exit_code, "stdout": stdout, "stderr": stderr, "latency_s": latency, "at": AT,
            "timed_out": timed_out}


def test_the_set_has_every_class_and_a_check_per_line() -> None:
    cases = load_first_minute()
    assert len(cases) >= 150
    assert len({c.cls for c in cases}) >= 12
    assert all(c.expect or c.calls for c in cases)
    assert any(len(c.prompt) >= 3000 for c in cases) and any(not c.prompt.strip() for c in cases)


def test_a_plain_reply_that_passes_its_checks_is_good() -> None:
    row = judge(_case(expect={"number": 4}, calls=["calculate"]), _run("2 + 2 = 4", calls=("calculate",)))
    assert row["good"] and not (row["crash"] or row["markup"] or row["loop"] or row["slow"])


def test_tracebacks_unexpected_errors_and_undocumented_exits_are_crashes() -> None:
    shown = judge(_case(), _run("Traceback (most recent call last):\n  File x\nValueError: boom"))
    assert shown["crash"] and not shown["good"]
    assert judge(_case(), _run(None, exit_code=1, stderr="error: unexpected KeyError: 'x'"))["crash"]
    assert judge(_case(), _run(None, exit_code=3, stderr="error: model unavailable"))["crash"]
    # a program's traceback inside a tool result that the answer does not show is no crash
    hidden = judge(_case(), _run("I ran it: it printed 3.", results=("Traceback (most recent call last): ...",)))
    assert not hidden["crash"] and hidden["good"]


def test_markup_loops_timeouts_and_json_dumps_are_not_plain() -> None:
    assert judge(_case(), _run("<tool_response>\n{}\n</tool_response>"))["markup"]
    assert judge(_case(), _run("1." * 60))["loop"]
    killed = judge(_case(), _run(None, exit_code=-9, timed_out=True, latency=240))
    assert killed["loop"] and not killed["crash"] and not killed["plain"]
    assert not judge(_case(), _run('{"value": 4}'))["plain"]
    assert judge(_case(max_s=5), _run("fine", latency=9))["slow"]


def test_refusals_and_usage_errors() -> None:
    assert says_cannot("Sorry, I can't book flights: I have no tool for that.")
    assert not says_cannot("Booked! Your flight leaves at 9.")
    assert judge(_case(expect={"refuses": True}), _run("I cannot send emails."))["good"]
    usage = judge(_case(expect={"usage_error": True}), _run(None, exit_code=2, stderr="Error: the prompt is empty"))
    assert usage["good"] and not usage["crash"]
    boxed = judge(_case(expect={"usage_error": True}), _run(None, exit_code=2, stderr="╭─" + "─" * 70 + "╮\n│ empty │"))
    assert boxed["good"] and not boxed["loop"]  # the CLI's box around a usage error is no looping answer


def test_is_looping_needs_a_long_repetition() -> None:
    assert not is_looping("ha ha ha")
    assert is_looping("\n".join(["the same line"] * 10))
    assert not is_looping("A normal answer that happens to be long enough to check, with varied words in it.")
