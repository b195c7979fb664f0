"""The README quick start in a loop: ``Agent.run_sync`` 100 times against the real vLLM CPU server.

vLLM keeps HTTP connections alive; before agentfn ran synchronous calls on one long-lived
loop (and gave each event loop its own client), the second ``run_sync`` raised
``RuntimeError: Event loop is closed`` from inside the openai client.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from vllm_server import VLLMServer

from agentfn import Agent, tool
from agentfn.backends.openai_compat import OpenAIModel

pytestmark = pytest.mark.integration


@tool
def get_weather(city: str) -> dict[str, Any]:
    """Current weather for a city.

    Args:
        city: City name, e.g. "Paris".
    """
    return {"city": city, "temperature": 21.5}


@pytest.mark.timeout(3600)  # a busy 2-core machine took ~12 s per 4-token reply (1,194 s for the 100)
def test_run_sync_100_times_against_vllm(vllm_server: VLLMServer) -> None:
    model = OpenAIModel(vllm_server.served_name, base_url=vllm_server.base_url, timeout=120, max_retries=1)
    agent = Agent(model, [], model_settings={"max_tokens": 4, "temperature": 0.0})
    outcomes = [agent.run_sync("Say hi.") for _ in range(100)]
    assert all(r.error is None and r.ok for r in outcomes), [str(r.error) for r in outcomes if r.error][:3]


@pytest.mark.timeout(1200)
def test_run_sync_with_a_forced_tool_call_against_vllm(vllm_server: VLLMServer) -> None:
    model = OpenAIModel(vllm_server.served_name, base_url=vllm_server.base_url, timeout=120, max_retries=1)
    agent = Agent(model, [get_weather], tool_choice="required", max_steps=2,
                  model_settings={"max_tokens": 32, "temperature": 0.0})
    outcomes = [agent.run_sync("What is the weather in Paris?") for _ in range(5)]
    assert all(r.error is None for r in outcomes), [str(r.error) for r in outcomes if r.error][:3]
    # The forced first call is grammar-constrained, so every run really called the tool.
    assert all(r.usage.tool_calls >= 1 for r in outcomes)


def test_run_sync_inside_a_running_loop_against_vllm(vllm_server: VLLMServer) -> None:
    model = OpenAIModel(vllm_server.served_name, base_url=vllm_server.base_url, timeout=120, max_retries=1)
    agent = Agent(model, [], model_settings={"max_tokens": 8, "temperature": 0.0})

    async def notebook_cell() -> list[str | None]:
        # A notebook cell: a loop runs in this thread; sync and async calls mixed on one agent.
        outputs = [agent.run_sync("Say hi.").output for _ in range(5)]
        outputs.append((await agent.run("Say hi.")).output)
        await model.aclose()
        return outputs

    assert all(o for o in asyncio.run(notebook_cell()))
