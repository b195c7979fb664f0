"""`agentfn run|chat|serve` export GenAI spans to a real OTLP/HTTP receiver when asked to."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from .otlp_receiver import OTLPReceiver, ReceivedSpan

ROOT = Path(__file__).resolve().parent.parent.parent
TOOLS = str(ROOT / "tests" / "mcp_fixtures" / "tools_fixture.py")
pytestmark = pytest.mark.slow


def _env(tmp_path: Path, receiver: OTLPReceiver, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "AGENTFN_OTEL"))}
    env.update(PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]),
               AGENTFN_HOME=str(tmp_path / "home"), OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
               OTEL_SERVICE_NAME="agentfn-under-test", **extra)
    return env


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "agentfn.cli", *args]


def _check_run_tree(spans: list[ReceivedSpan], agent: str) -> None:
    by_op: dict[str, list[ReceivedSpan]] = {}
    for s in spans:
        by_op.setdefault(str(s.attributes.get("gen_ai.operation.name")), []).append(s)
    [run] = by_op["invoke_agent"]
    assert run.name == f"invoke_agent {agent}" and run.service == "agentfn-under-test"
    assert run.attributes["agentfn.outcome"] == "answered"
    assert by_op["chat"] and by_op["execute_tool"]
    for child in by_op["chat"] + by_op["execute_tool"]:
        assert child.trace_id == run.trace_id and child.parent_id == run.span_id
        assert run.start_ns <= child.start_ns <= child.end_ns <= run.end_ns
    assert {s.attributes["gen_ai.tool.name"] for s in by_op["execute_tool"]} >= {"get_weather", "word_count"}


def test_run_with_otel_flag_exports_spans(tmp_path: Path) -> None:
    with OTLPReceiver() as receiver:
        done = subprocess.run(_cli("run", "Weather in Paris?", "--model", "test", "--tools", TOOLS, "--otel"),
                              env=_env(tmp_path, receiver), capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr
        spans = receiver.wait_for(4)  # already flushed when the process exited
    _check_run_tree(spans, "cli")


def test_chat_exports_spans_when_agentfn_otel_is_set(tmp_path: Path) -> None:
    with OTLPReceiver() as receiver:
        done = subprocess.run(_cli("chat", "--model", "test", "--tools", TOOLS, "--history", str(tmp_path / "h")),
                              env=_env(tmp_path, receiver, AGENTFN_OTEL="1"), input="Weather in Paris?\n",
                              capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr
        spans = receiver.wait_for(4)
    _check_run_tree(spans, "cli")


def test_no_spans_when_turned_off(tmp_path: Path) -> None:
    with OTLPReceiver() as receiver:
        done = subprocess.run(_cli("run", "Weather in Paris?", "--model", "test", "--tools", TOOLS),
                              env=_env(tmp_path, receiver, AGENTFN_OTEL="0"), capture_output=True, text=True,
                              timeout=180)
        assert done.returncode == 0, done.stderr
        time.sleep(0.5)
        assert receiver.requests == 0 and receiver.spans == []


def test_serve_with_otel_exports_spans(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    config = tmp_path / "agentfn.toml"
    config.write_text(f'model = "test"\nport = {port}\nauth = "none"\n[[agents]]\nname = "helper"\n'
                      f'tools = ["{TOOLS}"]\n')
    with OTLPReceiver() as receiver:
        proc = subprocess.Popen(_cli("serve", "--config", str(config), "--otel"), env=_env(tmp_path, receiver),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert proc.poll() is None and time.monotonic() < deadline, "agentfn serve did not start"
                time.sleep(0.2)
            body = {"model": "helper", "messages": [{"role": "user", "content": "Weather in Paris?"}]}
            assert httpx.post(f"http://127.0.0.1:{port}/v1/chat/completions", json=body, timeout=60).status_code == 200
            spans = receiver.wait_for(4)  # the batch processor sends on its own schedule
        finally:
            proc.terminate()
            proc.communicate(timeout=30)
    _check_run_tree(spans, "helper")
