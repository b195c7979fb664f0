"""MCP both ways, against the real SDK: its client against our server, our client against its server
(and ours), over in-memory streams, stdio and streamable HTTP on 127.0.0.1."""

from __future__ import annotations

import ast
import asyncio
import contextlib
import json
import os
import shlex
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import mcp.types as types
import pytest
from mcp import Client, StdioServerParameters
from mcp.shared.exceptions import MCPError
from typer.testing import CliRunner

from agentfn import Agent, FunctionModel, Toolset, tool
from agentfn.backends.function import call
from agentfn.cli import app
from agentfn.exceptions import ConfigError, ToolRetry
from agentfn.mcp import headers_for, mcp_http_app, mcp_server, toolset_from_mcp
from agentfn.mcp.outputs import WRAP_MARKER
from agentfn.messages import AssistantMessage, Message, ToolMessage
from agentfn.serve.config import ServeConfig, hash_key

HERE = Path(__file__).parent
ROOT = HERE.parent
FIXTURE = str(HERE / "mcp_fixtures" / "tools_fixture.py")
OUTPUTS = str(HERE / "mcp_fixtures" / "outputs_fixture.py")
CHANGING = [sys.executable, str(HERE / "mcp_fixtures" / "changing_server.py")]
SDK_SERVER = [sys.executable, str(HERE / "mcp_fixtures" / "weather_server.py")]
CHILD_ENV = {"PYTHONPATH": str(ROOT)}  # stdio children run this checkout's agentfn, not an installed one
KEY = "sk-test-alice"
BOB_KEY = "sk-test-bob"


def fixture_tools() -> Toolset:
    return Toolset.from_path(FIXTURE)


def wait_for(predicate: Callable[[], bool], seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


# -- an MCP client (the SDK's) talking to our server -------------------------------------------


@pytest.mark.parametrize("mode", ["legacy", "auto"])  # legacy: initialize handshake; auto: 2026-07-28, direct dispatch
async def test_sdk_client_to_our_server_in_memory(mode: str) -> None:
    server = mcp_server(fixture_tools(), name="fixture")
    async with Client(server, mode=mode) as client:
        listed = (await client.list_tools()).tools
        assert [t.name for t in listed] == ["get_weather", "word_count"]  # approval tools are held back
        assert listed[0].input_schema["required"] == ["city"]
        assert listed[1].annotations is not None and listed[1].annotations.read_only_hint is True
        assert listed[0].output_schema == {"type": "object", "additionalProperties": True}  # an object: as it is
        assert listed[1].output_schema == {"type": "object", "properties": {"result": {"type": "integer"}},
                                           "required": ["result"], WRAP_MARKER: True}  # an int: wrapped
        ok = await client.call_tool("get_weather", {"city": "Paris"})  # the SDK validates it against the schema
        assert not ok.is_error and ok.structured_content == {"city": "Paris", "temperature": 21.5}
        assert json.loads(ok.content[0].text) == {"city": "Paris", "temperature": 21.5}  # type: ignore[union-attr]
        counted = await client.call_tool("word_count", {"text": "a b c"})
        assert counted.structured_content == {"result": 3} and counted.content[0].text == "3"  # type: ignore[union-attr]
        bad = await client.call_tool("get_weather", {"town": "Paris"})
        assert bad.is_error and bad.structured_content is None
        assert "city: Field required" in bad.content[0].text  # type: ignore[union-attr]
        with pytest.raises(MCPError, match="unknown tool"):
            await client.call_tool("delete_file", {"path": "/x"})


async def test_output_schemas_for_every_kind_of_return() -> None:
    async with Client(mcp_server(Toolset.from_path(OUTPUTS)), mode="legacy") as client:
        schemas = {t.name: t.output_schema for t in (await client.list_tools()).tools}
        assert schemas["report"] == {"type": "object", "properties": {"city": {"type": "string"},
                                     "temperature": {"type": "number"}}, "required": ["city", "temperature"]}
        assert schemas["tags"]["properties"]["result"] == {"type": "array", "items": {"type": "string"}}  # type: ignore[index]
        assert schemas["maybe"]["properties"]["result"]["anyOf"][1] == {"type": "null"}  # type: ignore[index]
        assert schemas["untyped"] is None
        tree = schemas["tree"]
        assert tree is not None and "Node" in tree["$defs"] and "$defs" not in tree["properties"]["result"]

        async def structured(name: str, arguments: dict[str, Any]) -> Any:
            result = await client.call_tool(name, arguments)  # validated by the SDK client against the schema
            assert not result.is_error, result.content
            return result.structured_content

        assert await structured("report", {"city": "Oslo"}) == {"city": "Oslo", "temperature": 21.5}
        assert await structured("tags", {"n": 2}) == {"result": ["t0", "t1"]}
        assert await structured("maybe", {"found": False}) == {"result": None}
        assert (await structured("tree", {"depth": 1}))["result"][0]["children"][0]["name"] == "leaf"
        assert await structured("untyped", {"text": "hi"}) is None


async def test_a_result_that_breaks_its_return_type_is_an_error() -> None:
    async with Client(mcp_server(Toolset.from_path(OUTPUTS)), mode="legacy") as client:
        result = await client.call_tool("liar", {"n": 3})
        assert result.is_error and result.structured_content is None
        assert "does not match its return type" in result.content[0].text  # type: ignore[union-attr]


async def test_approval_tools_only_when_asked() -> None:
    server = mcp_server(fixture_tools(), include_approval_tools=True)
    async with Client(server, mode="legacy") as client:
        names = [t.name for t in (await client.list_tools()).tools]
        assert "delete_file" in names
        result = await client.call_tool("delete_file", {"path": "/x"})
        assert result.content[0].text == "deleted /x"  # type: ignore[union-attr]
        assert result.structured_content == {"result": "deleted /x"}


async def test_sdk_client_to_agentfn_mcp_serve_over_stdio() -> None:
    params = StdioServerParameters(command=sys.executable, args=["-m", "agentfn.cli", "mcp", "serve", "--tools", FIXTURE],
                                   env=CHILD_ENV)
    async with Client(params) as client:
        listed = (await client.list_tools()).tools
        assert [t.name for t in listed] == ["get_weather", "word_count"]
        assert listed[1].output_schema is not None and listed[1].output_schema.get(WRAP_MARKER) is True
        result = await client.call_tool("word_count", {"text": "one two three"})
        assert result.content[0].text == "3" and result.structured_content == {"result": 3}  # type: ignore[union-attr]


@tool
def extra_tool(text: str) -> str:
    """An extra tool.

    Args:
        text: Any text.
    """
    return text


async def test_our_server_tells_2026_clients_on_their_listen_stream() -> None:
    toolset = fixture_tools()
    async with Client(mcp_server(toolset)) as client:
        assert client.server_capabilities.tools is not None and client.server_capabilities.tools.list_changed
        async with client.listen(tools_list_changed=True) as subscription:
            toolset.add(extra_tool)
            event = await asyncio.wait_for(anext(aiter(subscription)), 10)
            assert type(event).__name__ == "ToolsListChanged"
        names = [t.name for t in (await client.list_tools(cache_mode="refresh")).tools]
        assert names == ["get_weather", "word_count", "extra_tool"]


async def test_our_server_tells_handshake_era_clients_on_their_session() -> None:
    toolset = fixture_tools()
    changed = asyncio.Event()

    async def on_message(message: Any) -> None:
        if isinstance(message, types.ToolListChangedNotification):
            changed.set()

    async with Client(mcp_server(toolset), mode="legacy", message_handler=on_message) as client:
        assert client.server_capabilities.tools is not None and client.server_capabilities.tools.list_changed
        assert "word_count" in [t.name for t in (await client.list_tools()).tools]
        toolset.remove("word_count")  # from this thread, outside any request
        await asyncio.wait_for(changed.wait(), 10)
        assert [t.name for t in (await client.list_tools()).tools] == ["get_weather"]
        changed.clear()
        toolset.replace([*toolset, extra_tool])
        await asyncio.wait_for(changed.wait(), 10)
        assert [t.name for t in (await client.list_tools()).tools] == ["get_weather", "extra_tool"]


def test_toolset_changes_in_place_and_tells_listeners() -> None:
    toolset = fixture_tools()
    seen: list[list[str]] = []
    unsubscribe = toolset.on_change(lambda ts: seen.append(ts.names()))
    toolset.add(extra_tool)
    removed = toolset.remove("get_weather")
    toolset.replace([removed, extra_tool])
    unsubscribe()
    toolset.remove("extra_tool")
    assert seen == [["get_weather", "word_count", "delete_file", "extra_tool"],
                    ["word_count", "delete_file", "extra_tool"], ["get_weather", "extra_tool"]]
    with pytest.raises(KeyError):
        toolset.remove("nope")


def test_toolset_does_not_import_the_mcp_loader() -> None:
    # agentfn.mcp stands on agentfn.toolset (and registers "mcp:"), never the other way round.
    tree = ast.parse((ROOT / "agentfn" / "toolset.py").read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not {m for m in imported if m and m.startswith("agentfn.mcp")}


# -- our client talking to MCP servers ------------------------------------------------------------


@pytest.fixture(scope="module")
def sdk_toolset() -> Iterator[Toolset]:
    with toolset_from_mcp(SDK_SERVER, prefix="wx") as ts:
        yield ts


def test_our_client_lists_a_real_mcp_server(sdk_toolset: Toolset) -> None:
    assert sdk_toolset.names() == ["wx_get_forecast", "wx_add", "wx_forecast_record", "wx_fail", "wx_add_shout"]
    forecast = sdk_toolset["wx_get_forecast"]
    assert forecast.parameters["required"] == ["city"]
    assert "Forecast for a city" in forecast.description
    assert forecast.is_async
    # The server's outputSchema is the tool's return schema; its {"result": ...} wrapper is unwrapped.
    assert sdk_toolset["wx_add"].return_schema == {"type": "integer"}
    assert sdk_toolset["wx_add"].metadata["mcp_output_schema"]["title"] == "addOutput"
    record = sdk_toolset["wx_forecast_record"].return_schema
    assert record is not None and record["required"] == ["city", "days", "summary"]


async def test_our_client_calls_a_real_mcp_server(sdk_toolset: Toolset) -> None:
    assert await sdk_toolset["wx_get_forecast"].call({"city": "Oslo", "days": 2}) == "Oslo: sunny for 2 day(s)"
    assert await sdk_toolset["wx_add"].call('{"a": 2, "b": 40}') == 42  # the structured value, not "42"
    assert await sdk_toolset["wx_forecast_record"].call({"city": "Rome"}) == {"city": "Rome", "days": 1,
                                                                             "summary": "sunny"}
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
    assert sdk_toolset["wx_add"].call_sync({"a": 5, "b": 5}) == 10


def test_our_client_to_our_server_in_process() -> None:
    local = Toolset.from_path(OUTPUTS)
    with toolset_from_mcp(mcp_server(fixture_tools() + local)) as ts:
        assert ts.names() == ["get_weather", "word_count", "report", "tags", "maybe", "tree", "untyped", "liar"]
        assert ts["word_count"].side_effects == "read"
        for t in local:  # return schemas survive the trip: wrapped on the wire, unwrapped again here
            assert ts[t.name].return_schema == t.return_schema, t.name
        assert ts["word_count"].return_schema == {"type": "integer"}
        assert ts["get_weather"].call_sync({"city": "Rome"}) == {"city": "Rome", "temperature": 21.5}
        assert ts["tags"].call_sync({"n": 1}) == ["t0"]
        assert ts["untyped"].call_sync({"text": "plain"}) == "plain"  # no structured content: the text


@pytest.mark.parametrize("mode", ["auto", "legacy"])
@pytest.mark.parametrize("server", ["sdk", "agentfn"])
def test_our_client_follows_tools_list_changed(server: str, mode: str) -> None:
    command = SDK_SERVER if server == "sdk" else [*CHANGING, "stdio"]
    trigger, new = ("add_shout", "shout") if server == "sdk" else ("enable_double", "double")
    with toolset_from_mcp(command, env=CHILD_ENV, mode=mode) as ts:  # type: ignore[arg-type]
        changes: list[list[str]] = []
        ts.on_change(lambda t: changes.append(t.names()))
        assert new not in ts
        ts[trigger].call_sync({})
        assert wait_for(lambda: new in ts), f"{new} never appeared: {ts.names()}"
        assert changes and new in changes[-1]
        if server == "agentfn":
            assert ts["double"].call_sync({"x": 21}) == 42
            ts["disable_double"].call_sync({})
            assert wait_for(lambda: "double" not in ts)
        else:
            assert ts["shout"].call_sync({"text": "hi"}) == "HI"


def test_unreachable_servers_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="cannot connect to the MCP server"):
        toolset_from_mcp([sys.executable, "-c", "import sys; sys.exit(3)"], timeout=30)
    with pytest.raises(ConfigError, match="cannot connect"):
        toolset_from_mcp(f"http://127.0.0.1:{_free_port()}/mcp", timeout=10)
    with pytest.raises(ConfigError, match="only apply to an MCP server URL"):
        toolset_from_mcp(SDK_SERVER, headers={"Authorization": "Bearer x"})


def test_headers_for_a_url_come_from_the_longest_matching_prefix() -> None:
    env = {"AGENTFN_MCP_HEADERS": json.dumps({
        "https://mcp.example.com": {"Authorization": "Bearer all"},
        "https://mcp.example.com/team/": {"Authorization": "Bearer team"},
        "http://127.0.0.1:9000/mcp": {"X-Tenant": "t1"},
    })}
    assert headers_for("https://mcp.example.com/mcp", env) == {"Authorization": "Bearer all"}
    assert headers_for("https://mcp.example.com:443/team/mcp", env) == {"Authorization": "Bearer team"}
    assert headers_for("https://mcp.example.com.evil.net/mcp", env) == {}  # another host never gets the token
    assert headers_for("http://mcp.example.com/mcp", env) == {}  # nor another scheme
    assert headers_for("http://127.0.0.1:9001/mcp", env) == {}  # nor another port
    assert headers_for("http://127.0.0.1:9000/mcp", env) == {"X-Tenant": "t1"}
    assert headers_for("python server.py", env) == {}
    with pytest.raises(ConfigError, match="not JSON"):
        headers_for("https://a/mcp", {"AGENTFN_MCP_HEADERS": "Authorization: Bearer x"})
    with pytest.raises(ConfigError, match="URL prefix"):
        headers_for("https://a/mcp", {"AGENTFN_MCP_HEADERS": '{"Authorization": "Bearer x"}'})


def test_cli_mcp_tools_and_run_with_mcp_toolset() -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["mcp", "tools", shlex.join(SDK_SERVER), "--json"])
    assert listed.exit_code == 0, listed.output
    assert [s["function"]["name"] for s in json.loads(listed.output)] == [
        "get_forecast", "add", "forecast_record", "fail", "add_shout"]
    text = runner.invoke(app, ["mcp", "tools", shlex.join(SDK_SERVER)])
    assert 'add: Add two integers. -> {"type": "integer"}' in text.output
    args = ["run", "forecast", "--model", "test", "--tools", "mcp:" + shlex.join(SDK_SERVER),
            "--tool-choice", "get_forecast", "--json"]
    refused = runner.invoke(app, args)  # no annotations: may change the world, so it waits for approval
    assert refused.exit_code == 0, refused.output
    assert "refused get_forecast (write)" in refused.stderr
    assert json.loads(refused.stdout)["tool_results"][0]["is_error"]
    ran = runner.invoke(app, [*args, "--approve", "get_forecast"])
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.stdout)["tool_results"][0]["content"] == "a: sunny for 1 day(s)"


def test_mcp_annotations_map_to_policy_with_the_specification_defaults() -> None:
    """A hint a server leaves out takes the MCP default: not read-only, destructive, open-world."""
    with Toolset.from_mcp(SDK_SERVER) as ts:  # type: ignore[attr-defined]
        assert ts["get_forecast"].side_effects == "write"  # no annotations at all
        assert ts["add"].side_effects == "read"  # readOnlyHint
        assert ts["fail"].side_effects == "external"  # not destructive, open world by default


def test_toolset_from_mcp_and_load_mcp_spec() -> None:
    with Toolset.from_mcp(SDK_SERVER, prefix="m") as ts:  # type: ignore[attr-defined]
        assert "m_add" in ts and ts["m_add"].return_schema == {"type": "integer"}
    loaded = Toolset.load(f"mcp:{shlex.join(SDK_SERVER)}")
    try:
        assert "add" in loaded
    finally:
        loaded.close()  # type: ignore[attr-defined]


# -- streamable HTTP behind API keys --------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(argv: list[str], port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, **CHILD_ENV, **env})
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise AssertionError(proc.stderr.read().decode() if proc.stderr else "server did not start") from None
            time.sleep(0.1)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(10)
    if proc.stderr:
        proc.stderr.close()


@pytest.fixture(scope="module")
def http_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``agentfn mcp serve --transport http`` with a config: alice may use every tool, bob only word_count."""
    config = tmp_path_factory.mktemp("mcp") / "agentfn.toml"
    config.write_text(f'[[keys]]\nname = "alice"\nsha256 = "{hash_key(KEY)}"\n'
                      f'[[keys]]\nname = "bob"\nsha256 = "{hash_key(BOB_KEY)}"\ntools = ["word_count"]\n')
    port = _free_port()
    proc = _start([sys.executable, "-m", "agentfn.cli", "mcp", "serve", "--tools", FIXTURE, "--transport", "http",
                   "--port", str(port), "--config", str(config)], port, {"AGENTFN_API_KEYS": ""})
    try:
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        _stop(proc)


def _post_initialize(url: str, key: str | None) -> tuple[int, dict[str, str]]:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}}).encode()
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, body, headers), timeout=10) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}


def test_http_answers_401_without_a_valid_key_and_200_with_one(http_url: str) -> None:
    status, headers = _post_initialize(http_url, None)
    assert status == 401 and headers.get("www-authenticate") == "Bearer"
    assert _post_initialize(http_url, "sk-wrong")[0] == 401
    assert _post_initialize(http_url, KEY)[0] == 200


def test_our_client_sends_headers_to_an_http_server(http_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="401"):
        toolset_from_mcp(http_url, timeout=20)
    with toolset_from_mcp(http_url, headers={"Authorization": f"Bearer {KEY}"}) as ts:
        assert ts.names() == ["get_weather", "word_count"]
        assert ts["word_count"].call_sync({"text": "a b"}) == 2
        assert ts["get_weather"].return_schema == {"type": "object", "additionalProperties": True}
    monkeypatch.setenv("AGENTFN_MCP_HEADERS", json.dumps({http_url.rsplit("/", 1)[0]: {"Authorization": f"Bearer {KEY}"}}))
    loaded = Toolset.load(f"mcp:{http_url}")  # the --tools mcp:URL path
    try:
        assert loaded.names() == ["get_weather", "word_count"]
    finally:
        loaded.close()  # type: ignore[attr-defined]


def test_a_keys_tool_allow_list_limits_what_it_sees_and_calls(http_url: str) -> None:
    with toolset_from_mcp(http_url, headers={"Authorization": f"Bearer {BOB_KEY}"}) as ts:
        assert ts.names() == ["word_count"]

    async def call_hidden() -> str:
        import httpx2
        from mcp.client.streamable_http import streamable_http_client

        async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {BOB_KEY}"}) as http, Client(
                streamable_http_client(http_url, http_client=http)) as client:
            try:
                await client.call_tool("get_weather", {"city": "Paris"})
            except MCPError as exc:
                return str(exc)
        return "called"

    assert "unknown tool 'get_weather' (tools: word_count)" in asyncio.run(call_hidden())


def test_cli_mcp_tools_takes_headers(http_url: str) -> None:
    listed = CliRunner().invoke(app, ["mcp", "tools", http_url, "--header", f"Authorization: Bearer {KEY}", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [s["function"]["name"] for s in json.loads(listed.output)] == ["get_weather", "word_count"]


def test_http_list_changed_reaches_our_client() -> None:
    port = _free_port()
    proc = _start([*CHANGING, "http", str(port)], port, {"AGENTFN_API_KEYS": f"alice:{hash_key(KEY)}"})
    try:
        url = f"http://127.0.0.1:{port}/mcp"
        headers = {"Authorization": f"Bearer {KEY}"}
        # 2026-era: a subscriptions/listen stream; handshake era: the session's standalone SSE stream.
        with toolset_from_mcp(url, headers=headers) as ts, toolset_from_mcp(url, headers=headers, mode="legacy") as old:
            ts["enable_double"].call_sync({})
            assert wait_for(lambda: "double" in ts and "double" in old), (ts.names(), old.names())
            assert ts["double"].call_sync({"x": 4}) == 8
            old["disable_double"].call_sync({})
            assert wait_for(lambda: "double" not in ts and "double" not in old), (ts.names(), old.names())
    finally:
        _stop(proc)


@contextlib.contextmanager
def _serve_in_thread(asgi_app: Any) -> Iterator[str]:
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(asgi_app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        assert wait_for(lambda: server.started), "uvicorn did not start"
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        server.should_exit = True
        thread.join(10)


def test_http_rate_limits_keys_and_allows_no_auth_on_loopback_only() -> None:
    limited = ServeConfig.model_validate({"keys": [{"name": "alice", "sha256": hash_key(KEY)}],
                                          "limits": {"rate_per_minute": 1, "burst": 2}}).check()
    with _serve_in_thread(mcp_http_app(fixture_tools(), limited)) as url:
        answers = [_post_initialize(url, KEY) for _ in range(3)]
        assert [status for status, _ in answers] == [200, 200, 429]
        assert int(answers[2][1]["retry-after"]) >= 1
    with _serve_in_thread(mcp_http_app(fixture_tools(), ServeConfig.model_validate({"auth": "none"}).check())) as url:
        assert _post_initialize(url, None)[0] == 200
    with pytest.raises(ConfigError, match="loopback"):
        mcp_http_app(fixture_tools(), ServeConfig.model_validate({"auth": "none", "host": "0.0.0.0"}).check())


def test_http_needs_keys_and_binds_loopback_unless_told() -> None:
    runner = CliRunner()
    no_keys = runner.invoke(app, ["mcp", "serve", "--tools", FIXTURE, "--transport", "http"],
                            env={"AGENTFN_API_KEYS": None, "AGENTFN_AUTH": None, "AGENTFN_CONFIG": None})
    assert no_keys.exit_code == 2 and "AGENTFN_API_KEYS" in no_keys.output
    open_remote = runner.invoke(app, ["mcp", "serve", "--tools", FIXTURE, "--transport", "http", "--host", "0.0.0.0"],
                                env={"AGENTFN_AUTH": "none", "AGENTFN_API_KEYS": None, "AGENTFN_CONFIG": None})
    assert open_remote.exit_code == 2 and "loopback" in open_remote.output
    help_text = runner.invoke(app, ["mcp", "serve", "--help"]).output
    assert "127.0.0.1" in help_text
