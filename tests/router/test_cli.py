"""CLI commands through typer's runner."""

from __future__ import annotations

import json

import typer
from typer.testing import CliRunner

from agentfn.router.cli import register, register_eval

from .conftest import SPECS


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    eval_app = typer.Typer()
    register_eval(eval_app)
    app.add_typer(eval_app, name="eval")
    return app


def test_route_command_json_and_table(tmp_path) -> None:  # type: ignore[no-untyped-def]
    tools = tmp_path / "tools.jsonl"
    tools.write_text("".join(json.dumps({"type": "function", "function": s}) + "\n" for s in SPECS))
    runner = CliRunner()
    res = runner.invoke(_app(), ["route", "send an email to Ann", "--tools", str(tools), "--lexical", "--json", "--k", "3"])
    assert res.exit_code == 0, res.output
    plan = json.loads(res.output)
    assert plan["ranked"][0][0] == "send_email" and len(plan["ranked"]) == 3
    res = runner.invoke(_app(), ["route", "send an email to Ann", "-t", str(tools), "--lexical",  # -t as in `run`
                                 "--router", str(tmp_path / "saved")])
    assert res.exit_code == 0, res.output
    assert "send_email" in res.output and (tmp_path / "saved" / "router.json").exists()
    res = runner.invoke(_app(), ["route", "tell me a joke", "--router", str(tmp_path / "saved")])
    assert res.exit_code == 0 and "abstain" in res.output


def test_route_command_errors_cleanly(tmp_path) -> None:  # type: ignore[no-untyped-def]
    res = CliRunner().invoke(_app(), ["route", "x", "--tools", str(tmp_path / "missing.jsonl"), "--lexical"])
    assert res.exit_code != 0


def test_eval_router_command_json() -> None:
    res = CliRunner().invoke(_app(), ["eval", "router", "--lexical", "--limit", "30", "--json"])
    assert res.exit_code == 0, res.output
    metrics = json.loads(res.output)
    assert metrics["queries"] == 30 and metrics["evalset"]["tools"] >= 2000


def test_route_defaults_to_the_builtin_tools() -> None:
    # Like `agentfn run`: no --tools and no saved --router means the built-in library (before: exit 2).
    res = CliRunner().invoke(_app(), ["route", "convert 3 miles to kilometres", "--lexical", "--json", "--k", "3"])
    assert res.exit_code == 0, res.output
    assert "convert_units" in [name for name, _ in json.loads(res.output)["ranked"]]
