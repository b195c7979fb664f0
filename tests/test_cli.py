"""The real ``agentfn`` CLI: typer's runner for commands, a pseudo-terminal for ``agentfn chat``."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentfn.cli import app
from agentfn.messages import load_messages

FIXTURE = str(Path(__file__).parent / "mcp_fixtures" / "tools_fixture.py")
runner = CliRunner()


def test_help_lists_every_area() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("run", "chat", "tools", "serve", "mcp", "eval", "traces"):
        assert command in result.output
    assert "calls" in runner.invoke(app, ["eval", "--help"]).output


def test_run_prints_steps_and_answer() -> None:
    result = runner.invoke(app, ["run", "What is the weather?", "--model", "test", "--tools", FIXTURE,
                                 "--approve", "word_count"])
    assert result.exit_code == 0, result.output
    assert "→ get_weather" in result.output
    assert "← get_weather [ok]" in result.output
    assert "← word_count [ok]" in result.output  # side_effects="read", approved up front
    assert "← delete_file [denied]" in result.output  # no terminal to ask
    assert '"word_count": "1"' in result.output  # TestModel's final answer


def test_run_json() -> None:
    result = runner.invoke(app, ["run", "hi", "--model", "test", "--tools", FIXTURE, "--json", "--tool-choice", "get_weather"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["outcome"] == "answered"
    assert data["tool_calls"] == [{"name": "get_weather", "arguments": {"city": "a"}}]  # an object, not JSON text
    assert data["tool_results"][0]["content"] == '{"city":"a","temperature":21.5}'


def test_run_records_traces(tmp_path: Path) -> None:
    store = tmp_path / "traces.db"
    result = runner.invoke(app, ["run", "hi", "--model", "test", "--tools", FIXTURE, "--store", str(store)])
    assert result.exit_code == 0, result.output
    listed = runner.invoke(app, ["traces", "list", "--store", str(store), "--json"])
    assert listed.exit_code == 0, listed.output
    assert "answered" in listed.output


def test_run_limit_exit_code() -> None:
    result = runner.invoke(app, ["run", "hi", "--model", "test", "--tools", FIXTURE, "--max-steps", "1"])
    assert result.exit_code == 1
    assert "without an answer" in result.output
    assert "I could not answer (max_steps)" in result.output  # what the user reads instead of nothing
    shown = runner.invoke(app, ["run", "hi", "--model", "test", "--tools", FIXTURE, "--max-steps", "1", "--json",
                                "--yes"]).output
    data = json.loads(shown[shown.index("{"):])
    assert data["outcome"] == "limit" and data["output"] == "I could not answer (max_steps)."


def test_user_errors_exit_2_without_traceback() -> None:
    result = runner.invoke(app, ["run", "hi", "--model", "test", "--tools", "no_such_module_xyz"])
    assert result.exit_code == 2
    assert "cannot load tools" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["run", "hi", "--model", "nosuchbackend:x"])
    assert result.exit_code == 2 and "unknown model backend" in result.output
    result = runner.invoke(app, ["tools", "show", "nope", FIXTURE])
    assert result.exit_code == 2 and "no tool named 'nope'" in result.output
    result = runner.invoke(app, ["serve", "--config", "/nonexistent/agentfn.toml"])
    assert result.exit_code == 2 and "cannot read config" in result.output


def test_model_unavailable_exit_3() -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = runner.invoke(app, ["run", "hi", "--model", "x", "--base-url", f"http://127.0.0.1:{port}/v1", "--tools", FIXTURE])
    assert result.exit_code == 3, result.output
    assert "model unavailable" in result.output


def test_tools_list_show_schema() -> None:
    listed = runner.invoke(app, ["tools", "list", FIXTURE, "--json"])
    assert listed.exit_code == 0
    assert [t["name"] for t in json.loads(listed.output)] == ["get_weather", "word_count", "delete_file"]
    table = runner.invoke(app, ["tools", "list", FIXTURE])
    assert "delete_file" in table.output and "3 tools" in table.output
    shown = runner.invoke(app, ["tools", "show", "word_count", FIXTURE, "--json"])
    assert json.loads(shown.output)["side_effects"] == "read"
    schema = runner.invoke(app, ["tools", "schema", FIXTURE, "--strict"])
    specs = json.loads(schema.output)
    assert specs[0]["function"]["name"] == "get_weather" and specs[0]["function"]["strict"] is True
    jsonl = runner.invoke(app, ["tools", "schema", FIXTURE, "--jsonl"])
    assert len(jsonl.output.strip().splitlines()) == 3


def test_serve_check_and_hash_key(tmp_path: Path) -> None:
    out = runner.invoke(app, ["serve", "hash-key", "sk-1"])
    digest = out.output.split("sha256:")[1].strip()
    config = tmp_path / "agentfn.toml"
    config.write_text(f'model = "test"\n[[agents]]\nname = "a"\ntools = ["{FIXTURE}"]\n[[keys]]\nname = "k"\nsha256 = "{digest}"\n')
    result = runner.invoke(app, ["serve", "--config", str(config), "--check"])
    assert result.exit_code == 0, result.output
    assert "1 agent(s)" in result.output
    new = runner.invoke(app, ["serve", "hash-key"])
    assert new.output.startswith("key:    sk-agentfn-")
    refused = runner.invoke(app, ["serve", "--config", str(config), "--check", "--host", "0.0.0.0"],
                            env={"AGENTFN_AUTH": "none"})
    assert refused.exit_code == 2 and "loopback" in refused.output


def test_completion_is_available() -> None:
    result = runner.invoke(app, ["--show-completion", "bash"], env={"SHELL": "/bin/bash"})
    assert result.exit_code == 0
    assert "complete" in result.output.lower()


# -- agentfn chat in a pseudo-terminal ------------------------------------------------------


class Terminal:
    """A child process on a pty; ``expect`` reads until a string shows up."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env, close_fds=True)
        os.close(slave)
        self.buffer = ""

    def expect(self, text: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out waiting for {text!r}; got:\n{self.buffer}")
            ready, _, _ = select.select([self.master], [], [], remaining)
            if ready:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"terminal closed waiting for {text!r}; got:\n{self.buffer}")
                self.buffer += chunk.decode("utf-8", "replace")
        before, _, self.buffer = self.buffer.partition(text)
        return before

    def send(self, line: str) -> None:
        os.write(self.master, (line + "\r").encode())

    def close(self) -> int:
        try:
            return self.proc.wait(30)
        finally:
            os.close(self.master)


def test_chat_in_a_pseudo_terminal(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "TERM": "dumb", "COLUMNS": "200", "NO_COLOR": "1"}
    term = Terminal([sys.executable, "-m", "agentfn.cli", "chat", "--model", "test", "--tools", FIXTURE],
                    cwd=tmp_path, env=env)
    try:
        term.expect("/help for commands")
        term.expect("you> ")
        term.send("/tools")
        listing = term.expect("you> ")
        assert "get_weather" in listing and "delete_file (needs approval)" in listing
        term.send("what is the weather in Paris?")
        # A terminal: tools with side effects ask first, showing the exact arguments.
        asked = term.expect("Allow? [y/N] ")
        assert "→ get_weather" in asked
        assert "word_count wants to run (side effects: read)" in asked and '"text": "a"' in asked
        term.send("y")
        asked = term.expect("Allow? [y/N] ")
        assert "delete_file wants to run (side effects: write)" in asked and '"path": "a"' in asked
        term.send("n")
        turn = term.expect("you> ")
        assert "← get_weather [ok]" in turn
        assert "← word_count [ok]" in turn
        assert "← delete_file [denied]" in turn and "The user denied running 'delete_file'" in turn
        assert '"word_count": "1"' in turn  # the streamed final answer
        term.send("/save convo.json")
        assert "saved 6 messages" in term.expect("you> ")  # user, 3 calls, 3 results, answer
        term.send("/reset")
        assert "conversation cleared" in term.expect("you> ")
        term.send("/bogus")
        assert "unknown command" in term.expect("you> ")
        term.send("/exit")
        assert term.close() == 0
    finally:
        if term.proc.poll() is None:
            term.proc.kill()
    saved = load_messages((tmp_path / "convo.json").read_bytes())
    assert [m.role for m in saved][:2] == ["user", "assistant"]
    assert (tmp_path / ".agentfn" / "chat_history").exists()  # readline history persisted


def test_chat_ends_on_eof(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "agentfn.cli", "chat", "--model", "test", "--tools", FIXTURE],
                          input="/tools\n", capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "word_count" in proc.stdout


def test_a_cli_area_that_fails_to_load_is_an_error_not_a_warning() -> None:
    from agentfn.cli import AREAS, register_areas
    from agentfn.exceptions import ConfigError

    assert "agentfn.probe" not in AREAS  # the probe command lives in agentfn.evals.cli
    with pytest.raises(ConfigError, match=r"agentfn\.no_such_area failed to load"):
        register_areas(("agentfn.no_such_area",))


def test_a_run_stopped_by_a_denied_call_tells_the_user_how_to_allow_it() -> None:
    from agentfn.agent import RunResult
    from agentfn.cli import run_answer
    from agentfn.exceptions import ApprovalDeniedError
    from agentfn.messages import Usage, UserMessage

    denied = ApprovalDeniedError("Tool 'list_files' was not run: it needs the user's approval.", tool_name="list_files")
    result = RunResult[str](run_id="r", output=None, outcome="error", reason="tool 'list_files' was not approved",
                            messages=[UserMessage(content="List the files here")], new_messages=[], usage=Usage(),
                            steps=1, latency_s=0.1, error=denied)
    assert run_answer(result) == ("I did not run list_files: it needs your approval. "
                                  "Run again with --approve list_files (or --yes) to allow it.")
