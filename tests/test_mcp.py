"""MCP both ways: the SDK's client against our server, our client against the SDK's server."""

from __future__ import annotations

import json
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters
from mcp.shared.exceptions import MCPError
from typer.testing import CliRunner

from agentfn import Agent, FunctionModel, Toolset
from agentfn.backends.function import call
from agentfn.cli import app
from agentfn.exceptions import ConfigError, ToolRetry
from agentfn.mcp import mcp_server, toolset_from_mcp
from agentfn.messages import AssistantMessage, Message, ToolMessage

HERE = Path(__file__).parent
FIXTURE = str(HERE / "mcp_fixtures" / "tools_fixture.py")
SDK_SERVER = [sys.executable, str(HERE / "mcp_fixtures" / "weather_server.py")]


def fixture_tools() -> Toolset:
    return Toolset.from_path(FIXTURE)


# -- an MCP client (the SDK's) talking to our server -------------------------------------------


@pytest.mark.parametrize("mode", ["legacy", "auto"])  # legacy: in-memory streams; auto: direct dispatch
async def test_sdk_client_to_our_server_in_memory(mode: str) -> None:
    server = mcp_server(fixture_tools(), name="fixture")
    async with Client(server, mode=mode) as client:
        listed = (await client.list_tools()).tools
        assert [t.name for t in listed] == ["get_weather", "word_count"]  # approval tools are held back
        assert listed[0].input_schema["required"] == ["city"]
        assert listed[1].annotations is not None and listed[1].annotations.read_only_hint is True
        ok = await client.call_tool("get_weather", {"city": "Paris"})
        assert not ok.is_error
        assert json.loads(ok.content[0].text) == {"city": "Paris", "temperature": 21.5}  # type: ignore[union-attr]
        bad = await client.call_tool("get_weather", {"town": "Paris"})
        assert bad.is_error and "city: Field required" in bad.content[0].text  # type: ignore[union-attr]
        with pytest.raises(MCPError, match="unknown tool"):
            await client.call_tool("delete_file", {"path": "/x"})


async def test_approval_tools_only_when_asked() -> None:
    server = mcp_server(fixture_tools(), include_approval_tools=True)
    async with Client(server, mode="legacy") as client:
        names = [t.name for t in (await client.list_tools()).tools]
        assert "delete_file" in names
        result = await client.call_tool("delete_file", {"path": "/x"})
        assert result.content[0].text == "deleted /x"  # type: ignore[union-attr]


async def test_sdk_client_to_agentfn_mcp_serve_over_stdio() -> None:
    params = StdioServerParameters(command=sys.executable, args=["-m", "agentfn.cli", "mcp", "serve", "--tools", FIXTURE])
    async with Client(params) as client:
        names = [t.name for t in (await client.list_tools()).tools]
        assert names == ["get_weather", "word_count"]
        result = await client.call_tool("word_count", {"text": "one two three"})
        assert result.content[0].text == "3"  # type: ignore[union-attr]


# -- our client talking to MCP servers ------------------------------------------------------------


@pytest.fixture(scope="module")
def sdk_toolset() -> Iterator[Toolset]:
    with toolset_from_mcp(SDK_SERVER, prefix="wx") as ts:
        yield ts


def test_our_client_lists_a_real_mcp_server(sdk_toolset: Toolset) -> None:
    assert sdk_toolset.names() == ["wx_get_forecast", "wx_add", "wx_fail"]
    forecast = sdk_toolset["wx_get_forecast"]
    assert forecast.parameters["required"] == ["city"]
    assert "Forecast for a city" in forecast.description
    assert forecast.is_async


async def test_our_client_calls_a_real_mcp_server(sdk_toolset: Toolset) -> None:
    assert await sdk_toolset["wx_get_forecast"].call({"city": "Oslo", "days": 2}) == "Oslo: sunny for 2 day(s)"
    assert await sdk_toolset["wx_add"].call('{"a": 2, "b": 40}') == "42"
    with pytest.raises(ToolRetry):
        await sdk_toolset["wx_fail"].call({"reason": "test"})


async def test_agent_uses_mcp_tools_like_local_ones(sdk_toolset: Toolset) -> None:
    def reply(messages: list[Message], _request: object) -> AssistantMessage | str:
        results = [m for m in messages if isinstance(m, ToolMessage)]
        if not results:
            return AssistantMessage(tool_calls=[call("wx_add", {"a": 1, "b": 2}), call("wx_fail", {"reason": "r"})])
        return " | ".join(f"{m.name}={m.content}" for m in results)

    agent = Agent(FunctionModel(reply), sdk_toolset + fixture_tools(), retries=3)
    result = await agent.run("add and fail")
    assert result.ok
    assert result.output is not None and result.output.startswith("wx_add=3 | wx_fail=")
    statuses = {m.name: m.is_error for m in result.new_messages if isinstance(m, ToolMessage)}
    assert statuses == {"wx_add": False, "wx_fail": True}


def test_sync_call_from_plain_code(sdk_toolset: Toolset) -> None:
    assert sdk_toolset["wx_add"].call_sync({"a": 5, "b": 5}) == "10"


def test_our_client_to_our_server_in_process() -> None:
    with toolset_from_mcp(mcp_server(fixture_tools())) as ts:
        assert ts.names() == ["get_weather", "word_count"]
        assert ts["word_count"].side_effects == "read"
        assert ts["get_weather"].call_sync({"city": "Rome"}) == '{"city":"Rome","temperature":21.5}'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_round_trip_over_streamable_http() -> None:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "agentfn.cli", "mcp", "serve", "--tools", FIXTURE,
                             "--transport", "http", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(proc.stderr.read().decode() if proc.stderr else "server did not start") from None
                time.sleep(0.1)
        with toolset_from_mcp(f"http://127.0.0.1:{port}/mcp") as ts:
            assert ts.names() == ["get_weather", "word_count"]
            assert ts["word_count"].call_sync({"text": "a b"}) == "2"
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stderr:
            proc.stderr.close()


def test_unreachable_servers_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="cannot connect to the MCP server"):
        toolset_from_mcp([sys.executable, "-c", "import sys; sys.exit(3)"], timeout=30)
    with pytest.raises(ConfigError, match="cannot connect"):
        toolset_from_mcp(f"http://127.0.0.1:{_free_port()}/mcp", timeout=10)


def test_cli_mcp_tools_and_run_with_mcp_toolset() -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["mcp", "tools", shlex.join(SDK_SERVER), "--json"])
    assert listed.exit_code == 0, listed.output
    assert [s["function"]["name"] for s in json.loads(listed.output)] == ["get_forecast", "add", "fail"]
    ran = runner.invoke(app, ["run", "forecast", "--model", "test", "--tools", "mcp:" + shlex.join(SDK_SERVER),
                              "--tool-choice", "get_forecast", "--json"])
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.output)["tool_results"][0]["content"] == "a: sunny for 1 day(s)"


def test_toolset_from_mcp_and_load_mcp_spec() -> None:
    command = SDK_SERVER if isinstance(SDK_SERVER, str) else " ".join(SDK_SERVER)
    with Toolset.from_mcp(SDK_SERVER, prefix="m") as ts:  # type: ignore[attr-defined]
        assert "m_add" in ts
    loaded = Toolset.load(f"mcp:{command}")
    try:
        assert "add" in loaded
    finally:
        loaded.close()  # type: ignore[attr-defined]
