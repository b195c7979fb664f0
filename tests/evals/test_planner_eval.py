"""`agentfn eval router --planner model`: router alone vs router + a scripted planner, on a small eval set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner

from agentfn import ModelRequest
from agentfn.evals.evalset import EvalQuery, EvalSet
from agentfn.messages import Message
from agentfn.router.cli import register_eval
from agentfn.router.text import ToolRecord
from tests.router.conftest import SPECS

GOLD = {
    "how much is 50 dollars in euros": ["convert_currency"],
    "will it rain in Oslo this weekend": ["get_weather_forecast"],
    "what does AAPL trade at right now": ["get_stock_quote"],
    "translate 'good morning' to Italian and send it to Bob by email": ["translate_text", "send_email"],
    "sing me a lullaby": [],
}


def oracle(messages: list[Message], request: ModelRequest) -> str:
    """A planner that knows the answers (as a capable model would): the gold tools when offered."""
    text = messages[-1].content or ""
    enum: list[str] = request.output_schema["properties"]["tools"]["items"]["enum"]  # type: ignore[index]
    for query, gold in GOLD.items():
        if f"Request: {query}\n" in text:
            return json.dumps({"tools": [g for g in gold if g in enum]})
    return '{"tools": []}'


def broken(messages: list[Message], request: ModelRequest) -> str:
    return '{"tools": ["no_such_tool"]}'


def write_evalset(path: Path) -> Path:
    queries = [
        EvalQuery(id=f"q{i}", text=q, gold=g, kind="multi" if len(g) > 1 else "single" if g else "none", template=f"t{i}")
        for i, (q, g) in enumerate(GOLD.items())
    ]
    tools = [ToolRecord.of(s) for s in SPECS]
    EvalSet(seed=0, tools=tools, queries=queries).save(path)
    return path


def run(args: list[str]) -> Any:
    app = typer.Typer()
    eval_app = typer.Typer()
    register_eval(eval_app)
    app.add_typer(eval_app, name="eval")
    app.command("noop")(lambda: None)  # a second command keeps typer's group shape
    return CliRunner().invoke(app, ["eval", "router", *args])


def test_a_good_planner_lifts_combinations_and_abstention(tmp_path: Path) -> None:
    evalset = write_evalset(tmp_path / "set.json")
    result = run(["--evalset", str(evalset), "--lexical", "--planner", "model",
                  "--model", "function:tests.evals.test_planner_eval:oracle", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["planned"]["selected_exact"] == 1.0 and report["planned"]["abstain_f1"] == 1.0
    assert report["delta"]["selected_exact"] >= 0 and report["delta"]["abstain_f1"] >= 0
    account = report["planner"]
    assert account["calls"] == 5 and account["planned"] == 5 and account["fallback"] == 0
    assert account["abstained"] == 1  # "sing me a lullaby"
    assert account["input_tokens_mean"] > 0 and account["latency"]["p50_ms"] >= 0


def test_a_broken_planner_changes_nothing(tmp_path: Path) -> None:
    evalset = write_evalset(tmp_path / "set.json")
    result = run(["--evalset", str(evalset), "--lexical", "--planner", "model",
                  "--model", "function:tests.evals.test_planner_eval:broken", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["planner"]["fallback"] == 5 and report["planner"]["fallback_reasons"]
    assert all(value == 0 for value in report["delta"].values())


def test_table_output_and_bad_options(tmp_path: Path) -> None:
    evalset = write_evalset(tmp_path / "set.json")
    result = run(["--evalset", str(evalset), "--lexical", "--planner", "model",
                  "--model", "function:tests.evals.test_planner_eval:oracle"])
    assert result.exit_code == 0, result.output
    assert "+ planner" in result.output and "planner calls 5" in result.output
    assert run(["--evalset", str(evalset), "--lexical", "--planner", "model"]).exit_code == 2
    assert run(["--evalset", str(evalset), "--lexical", "--planner", "llm"]).exit_code == 2
