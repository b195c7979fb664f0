"""A real uvicorn server on 127.0.0.1 for the serve tests, and a scripted weather agent."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from agentfn import FunctionModel, Toolset, tool
from agentfn.backends.base import ModelRequest
from agentfn.backends.function import call
from agentfn.messages import AssistantMessage, Message, ToolMessage


@tool
def get_weather(city: str) -> dict[str, Any]:
    """Current weather for a city.

    Args:
        city: City name, e.g. "Paris".
    """
    return {"city": city, "temperature": 21.5}


@tool(requires_approval=True, side_effects="write")
def delete_file(path: str) -> str:
    """Delete a file (needs approval).

    Args:
        path: the file to delete.
    """
    return f"deleted {path}"


def weather_tools() -> Toolset:
    return Toolset([get_weather, delete_file], name="test tools")


def scripted(messages: list[Message], request: ModelRequest) -> AssistantMessage | str:
    """Calls the tool the user names (``use TOOL``, default get_weather), then answers with its result."""
    results = [m for m in messages if isinstance(m, ToolMessage)]
    if results:
        return f"Answer: {results[-1].content}"
    text = messages[-1].content or ""
    wanted = text.split("use ", 1)[1].split()[0] if "use " in text else "get_weather"
    if wanted == "nothing":
        return "No tools needed."
    args = {"path": "/tmp/x"} if wanted == "delete_file" else {"city": "Paris"}
    return AssistantMessage(content=None, tool_calls=[call(wanted, args)])


def scripted_model() -> FunctionModel:
    return FunctionModel(scripted, name="scripted")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread; yields the base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def sse_events(text: str) -> list[Any]:
    out: list[Any] = []
    for line in text.splitlines():
        if line.startswith("data: "):
            payload = line[len("data: "):]
            out.append(payload if payload == "[DONE]" else json.loads(payload))
    return out


@pytest.fixture
def tools() -> Toolset:
    return weather_tools()
