"""Many clients at once, and clients that hang up mid-stream."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest

from agentfn import AssistantMessage, FunctionModel, Toolset, tool
from agentfn.backends.function import call
from agentfn.messages import Message, ToolMessage
from agentfn.serve import ServeConfig, create_app

from .conftest import running, scripted_model, weather_tools


@pytest.mark.stress
async def test_256_concurrent_clients_no_errors() -> None:
    config = ServeConfig.model_validate({"auth": "none", "limits": {"rate_per_minute": 1e9, "burst": 100_000}})
    app = create_app(config, model=scripted_model(), toolsets={"agentfn": weather_tools()})
    with running(app) as url:
        limits = httpx.Limits(max_connections=256)
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as client:

            async def one(i: int) -> str | None:
                body = {"model": "agentfn", "stream": i % 2 == 1,
                        "messages": [{"role": "user", "content": f"Weather {i}?"}]}
                r = await client.post("/v1/chat/completions", json=body)
                if r.status_code != 200:
                    return None
                if body["stream"]:
                    return r.text if r.text.endswith("data: [DONE]\n\n") else None
                return r.json()["choices"][0]["message"]["content"]

            results = await asyncio.gather(*(one(i) for i in range(256)))
        assert all(r is not None for r in results)
        assert all(r == 'Answer: {"city":"Paris","temperature":21.5}' for r in results[::2])
        metrics = httpx.get(f"{url}/metrics").text
        assert 'agentfn_runs_total{agent="agentfn",outcome="answered"} 256.0' in metrics
        assert "agentfn_runs_in_progress 0.0" in metrics


async def test_client_hanging_up_mid_stream_ends_the_run() -> None:
    started = threading.Event()  # set on the server thread

    @tool
    async def slow(seconds: float) -> str:
        """Wait a while."""
        started.set()
        await asyncio.sleep(seconds)
        return "done"

    def reply(messages: list[Message], _request: object) -> AssistantMessage | str:
        if any(isinstance(m, ToolMessage) for m in messages):
            return "finished"
        return AssistantMessage(content="thinking... ", tool_calls=[call("slow", {"seconds": 30})])

    config = ServeConfig.model_validate({"auth": "none"})
    app = create_app(config, model=FunctionModel(reply), toolsets={"agentfn": Toolset([slow])})
    with running(app) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            body = {"model": "agentfn", "stream": True, "messages": [{"role": "user", "content": "go"}]}
            async with client.stream("POST", "/v1/chat/completions", json=body) as r:
                async for line in r.aiter_lines():
                    if '"type":"tool_call"' in line:
                        break  # hang up while the tool runs
        deadline = time.monotonic() + 20
        while True:
            metrics = httpx.get(f"{url}/metrics").text
            if "agentfn_runs_in_progress 0.0" in metrics:
                break
            assert time.monotonic() < deadline, "the run kept going after the client left"
            await asyncio.sleep(0.1)
        assert started.is_set()
        assert 'agentfn_tool_calls_total{status="ok",tool="slow"}' not in metrics  # cancelled, never finished
