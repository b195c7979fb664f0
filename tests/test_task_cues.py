"""Routing cues for requests to write code or a message, questions about an age or about which files there are."""

from __future__ import annotations

from typing import Any

import pytest

from agentfn._task_cues import task_tool
from agentfn.toolset import Toolset


@pytest.fixture(scope="module")
def specs() -> dict[str, dict[str, Any]]:
    return {t.name: t.openai_schema() for t in Toolset.builtin()}


@pytest.mark.parametrize(
    ("text", "head", "expected"),
    [
        ("please write a python function that turns pounds into kilograms", "convert_units", "generate_code"),
        ("I need a small script that prints today's date in Tokyo", "now", "generate_code"),
        ("compose a cheerful message for my team saying the launch is on Friday", "date_info", "generate"),
        ("draft me a short apology for missing the 3pm call", "convert_timezone", "generate"),
        ("my daughter was born on 2019-09-30, how many weeks old is she?", "date_info", "date_diff"),
        ("how old am I if I was born on 4 July 1985", "date_info", "date_diff"),
        ("is there a todo.md in my files?", "read_file", "list_files"),
        ("do we have any csv files", "csv_summary", "list_files"),
    ],
)
def test_the_task_names_the_tool(specs: dict[str, dict[str, Any]], text: str, head: str, expected: str) -> None:
    assert task_tool(text, specs, head) == expected


@pytest.mark.parametrize(
    ("text", "head"),
    [
        ("run this python: print(sum([1, 2, 3]))", "run_python"),  # code given is run, not written
        ("write a note saying buy eggs into shopping.txt", "write_file"),  # a file to write
        ("summarize this message: the boiler broke on Monday and nobody came", "summarize"),
        ("give me a quick summary of this email: the boiler broke on Monday and nobody came", "summarize"),
        ("how old is the Eiffel tower", "generate"),  # no date given
        ("what does notes.txt say in my files", "read_file"),  # what a file says: reading
        ("write a python function that reverses a string", "generate_code"),  # the head already names code
    ],
)
def test_other_requests_keep_their_head(specs: dict[str, dict[str, Any]], text: str, head: str) -> None:
    assert task_tool(text, specs, head) is None
