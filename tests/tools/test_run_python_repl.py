"""run_python shows a final bare expression's value, as Python's interactive prompt does."""

from __future__ import annotations

import pytest

from agentfn import ToolRetry
from agentfn.library._repl import show_last_expression
from agentfn.library.code_runner import run_python


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        ("sum(range(1, 11))", "55\n"),
        ("total = 0\nfor n in [3, 4]:\n    total += n\ntotal * 2  # doubled", "14\n"),
        ("word = 'straße'; word.upper()", "'STRASSE'\n"),
        ("(1 +\n 2 +\n 3)", "6\n"),
        ("{'a': [1, 2]}", "{'a': [1, 2]}\n"),
    ],
)
def test_a_final_bare_expression_shows_its_value(code: str, shown: str) -> None:
    result = run_python(code)
    assert (result.stdout, result.exit_code) == (shown, 0)


@pytest.mark.parametrize(
    ("code", "printed"),
    [
        ("print('hi')", "hi\n"),  # print's own None is not shown
        ("x = 5", ""),  # statements print nothing
        ("7\nprint('after')", "after\n"),  # only the last statement is shown
        ("for i in range(3):\n    i", ""),  # not a top-level expression
        ("[].append(1)", ""),  # None is not shown
    ],
)
def test_statements_and_none_are_unchanged(code: str, printed: str) -> None:
    assert run_python(code).stdout == printed


def test_errors_keep_the_users_line_numbers() -> None:
    result = run_python("a = 1\nb = 0\na / b")
    assert result.exit_code == 1 and "line 3" in result.stderr and "ZeroDivisionError" in result.stderr


def test_a_program_that_does_not_parse_is_still_a_tool_retry() -> None:
    with pytest.raises(ToolRetry, match="does not parse"):
        run_python("sum(range(1, 101)")


def test_the_rewrite_leaves_other_programs_alone() -> None:
    for code in ("x = 1\n", "import os\n", "def f():\n    return 1\n", "not python ("):
        assert show_last_expression(code) == code
