"""``agentfn run``/``chat``: tools with side effects need approval; unexpected errors are one line.

Before: the CLI ran ``run_python``, ``write_file`` and every other tool with side effects
without asking; an unexpected exception printed a raw traceback; ``--json`` gave arguments as
JSON text.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from test_cli import FIXTURE, Terminal
from typer.testing import CliRunner

from agentfn.cli import app

runner = CliRunner()


def run(*args: str, **kwargs: Any) -> Any:
    return runner.invoke(app, ["run", *args], **kwargs)


def statuses(output: str) -> dict[str, bool]:
    return {r["name"]: r["is_error"] for r in json.loads(output)["tool_results"]}


def test_without_a_terminal_side_effects_are_refused_and_the_model_is_told() -> None:
    result = run("weather?", "--model", "test", "--tools", FIXTURE, "--json")
    assert result.exit_code == 0, result.output
    assert "refused word_count (read): it needs approval and standard input is not a terminal; pass " \
           "--approve word_count or --yes" in result.stderr
    data = json.loads(result.stdout)
    told = {r["name"]: r["content"] for r in data["tool_results"]}
    assert told["get_weather"] == '{"city":"a","temperature":21.5}'  # side_effects="none": no approval
    assert "nobody can approve it here" in told["word_count"] and "nobody can approve it here" in told["delete_file"]


def test_approve_and_yes_allow_without_asking() -> None:
    result = run("weather?", "--model", "test", "--tools", FIXTURE, "--json", "--approve", "word_count")
    assert statuses(result.stdout) == {"get_weather": False, "word_count": False, "delete_file": True}
    result = run("weather?", "--model", "test", "--tools", FIXTURE, "--json", "--yes")
    assert statuses(result.stdout) == {"get_weather": False, "word_count": False, "delete_file": False}
    assert "refused" not in result.stderr


def test_approve_names_a_real_tool() -> None:
    result = run("weather?", "--model", "test", "--tools", FIXTURE, "--approve", "nope")
    assert result.exit_code == 2
    assert "--approve nope: no such tool (tools that need approval: word_count, delete_file)" in result.output


@pytest.mark.parametrize("name", ["run_python", "write_file"])
def test_builtin_tools_with_side_effects_do_not_run_unapproved(name: str, tmp_path: Path) -> None:
    env = {"AGENTFN_FILES_ROOT": str(tmp_path)}
    result = run("do it", "--model", "test", "--tool-choice", name, "--json", "--router", "off", env=env)
    assert result.exit_code == 0, result.output
    first = json.loads(result.stdout)["tool_results"][0]
    assert first["name"] == name and first["is_error"] and "nobody can approve it here" in first["content"]
    assert list(tmp_path.iterdir()) == []  # write_file's file was never written


def test_run_asks_at_a_terminal(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "TERM": "dumb", "COLUMNS": "200", "NO_COLOR": "1"}
    term = Terminal([sys.executable, "-m", "agentfn.cli", "run", "delete a", "--model", "test", "--tools", FIXTURE,
                     "--tool-choice", "delete_file"], cwd=tmp_path, env=env)
    try:
        asked = term.expect("Allow? [y/N] ")
        assert "delete_file wants to run (side effects: write) with these arguments:" in asked
        assert '{\r\n  "path": "a"\r\n}' in asked  # the exact, validated arguments
        term.send("y")
        assert "← delete_file [ok] deleted a" in term.expect("deleted a\"")
        assert term.close() == 0
    finally:
        if term.proc.poll() is None:
            term.proc.kill()


def boom(messages: Any, request: Any) -> Any:
    raise RuntimeError("kaboom\nsecond line of detail")


BOOM = f"function:{__name__}:boom"


def test_unexpected_errors_are_one_line_and_debug_shows_the_traceback() -> None:
    result = run("hi", "--model", BOOM, "--tools", FIXTURE)
    assert result.exit_code == 1
    assert result.output.strip() == "error: unexpected RuntimeError: kaboom (run with --debug for the traceback)"
    result = run("hi", "--model", BOOM, "--tools", FIXTURE, "--debug")
    assert result.exit_code == 1
    assert "Traceback (most recent call last)" in result.output and "second line of detail" in result.output
    assert result.output.strip().endswith("error: unexpected RuntimeError: kaboom")
    result = runner.invoke(app, ["--debug", "run", "hi", "--model", BOOM, "--tools", FIXTURE])
    assert "Traceback (most recent call last)" in result.output


def test_chat_survives_a_failed_turn() -> None:
    result = runner.invoke(app, ["chat", "--model", BOOM, "--tools", FIXTURE], input="hi\n/tools\n/exit\n")
    assert result.exit_code == 0, result.output
    assert "error: unexpected RuntimeError: kaboom (start chat with --debug for the traceback)" in result.output
    assert "get_weather" in result.output  # the next command still ran


def test_terminal_approver_shows_arguments_escaped_and_denies_on_anything_but_yes() -> None:
    import io

    from agentfn.agent import ApprovalRequest
    from agentfn.approval import TerminalApprover

    request = ApprovalRequest(run_id="r", tool_name="write_file", call_id="c", side_effects="write",
                              arguments={"path": "a.txt", "content": "hi\x1b[2J\u202eevil"})
    for answer, approved in (("y\n", True), ("YES\n", True), ("n\n", False), ("\n", False), ("", False)):
        shown = io.StringIO()
        approver = TerminalApprover(interactive=True, stdin=io.StringIO(answer), stderr=shown)
        assert approver(request) is approved
        assert '"content": "hi\\u001b[2J\\u202eevil"' in shown.getvalue() and "\x1b" not in shown.getvalue()
