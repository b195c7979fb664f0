"""The embedded default end to end on everyday requests, and every built-in tool's grammar on a real vLLM server.

Integration: the real SmolLM2-135M (transformers, in process) through the same path as
``agentfn run``, and the vLLM CPU server's structured outputs (xgrammar inside vLLM).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from agentfn.backends._constrain import bounded_schema, call_envelope_schema
from agentfn.backends._grammar import grammar_safe_schema
from agentfn.evals.everyday import has_markup
from agentfn.toolset import Toolset

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cli_agent() -> Any:
    pytest.importorskip("transformers")
    from agentfn.cli import build_agent

    return build_agent(model=None, base_url=None, tools=None, store=None, max_steps=10, tool_choice=None, system=None)


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("What is 17.5% of 2480?", "434"),
        ("Compute 12 * (3 + 4)", "84"),
        ("How many kilometres is 3 miles?", "4.828"),
        ("days between 2024-01-01 and 2024-03-01", "60"),
    ],
)
def test_everyday_requests_answer_readably(cli_agent: Any, prompt: str, expected: str) -> None:
    result = asyncio.run(cli_agent.run(prompt))
    assert result.outcome == "answered", result.reason
    assert not has_markup(result.output) and expected in str(result.output)


def test_no_request_crashes_or_shows_markup(cli_agent: Any) -> None:
    for prompt in ("What is the square root of 144?", "Translate 'good morning' into French", "hello"):
        result = asyncio.run(cli_agent.run(prompt))  # never raises
        assert not has_markup(result.output if isinstance(result.output, str) else "")


def test_every_builtin_envelope_compiles_in_vllm_structured_outputs(vllm_server: Any) -> None:
    """Each built-in tool's forced-call envelope (as the local backends build it) is accepted by vLLM."""
    for tool in Toolset.builtin():
        params, _ = grammar_safe_schema(tool.openai_schema()["function"]["parameters"])
        envelope = call_envelope_schema([{"type": "function", "function": {"name": tool.name, "parameters": params}}])
        body = {
            "model": vllm_server.served_name,
            "messages": [{"role": "user", "content": f"Call {tool.name}."}],
            "max_tokens": 8,
            "structured_outputs": {"json": bounded_schema(envelope)},
        }
        reply = httpx.post(f"{vllm_server.base_url}/chat/completions", json=body, timeout=120)
        assert reply.status_code == 200, (tool.name, reply.text[:300])
        assert json.loads(reply.text)["choices"], tool.name
