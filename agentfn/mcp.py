"""Model Context Protocol, both ways, with the official ``mcp`` SDK (2.x).

- :func:`mcp_server` / :func:`serve_toolset`: expose any :class:`Toolset` as an MCP
  server (``agentfn mcp serve``, stdio or streamable HTTP). Tool policy travels as
  MCP tool annotations; ``requires_approval`` tools are left out unless asked for,
  because the server cannot ask anyone.
- :func:`toolset_from_mcp`: mount the tools of any MCP server (a command line run
  over stdio, or a streamable-HTTP URL) as a :class:`Toolset` of async tools, so the
  router and agents use them like local ones.

The client keeps one connection per server on a background thread with its own
event loop, so the tools work from any event loop (the CLI's, the server's, a
test's) and from synchronous code.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import shlex
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from agentfn.exceptions import (
    ConfigError,
    MissingExtraError,
    ToolArgumentError,
    ToolError,
    ToolExecutionError,
    ToolRetry,
)
from agentfn.tool import Tool
from agentfn.toolset import Toolset

if TYPE_CHECKING:
    from mcp import Client, StdioServerParameters
    from mcp.server.lowlevel import Server

__all__ = ["MCPConnection", "MCPToolset", "mcp_server", "serve_toolset", "toolset_from_mcp"]

T = TypeVar("T")


def _require_mcp() -> None:
    try:
        import mcp  # noqa: F401  # pyright: ignore[reportUnusedImport]
    except ImportError as exc:
        raise MissingExtraError("MCP support", "serve", "mcp") from exc


# -- server -----------------------------------------------------------------------------


def _annotations(t: Tool[..., Any]) -> Any:
    from mcp.types import ToolAnnotations

    return ToolAnnotations(
        read_only_hint=t.side_effects in ("none", "read"),
        destructive_hint=t.side_effects == "write",
        idempotent_hint=t.idempotent,
        open_world_hint=t.side_effects == "external",
    )


def mcp_server(
    toolset: Toolset,
    *,
    name: str = "agentfn",
    include_approval_tools: bool = False,
    max_result_chars: int = 100_000,
) -> Server[Any]:
    """A low-level MCP ``Server`` that lists and calls the toolset's tools.

    Args:
        toolset: the tools to expose (their JSON Schemas are sent as they are).
        name: the server name clients see.
        include_approval_tools: also expose ``requires_approval`` tools; the MCP host
            is then the one that must ask its user before calling them.
        max_result_chars: longer results are truncated with a marker.

    Tool failures (bad arguments, exceptions, timeouts, ``ToolRetry``) come back as
    results with ``isError`` so the calling model can react; an unknown tool name is
    a protocol error.
    """
    _require_mcp()
    import mcp.types as types
    from mcp.server.lowlevel import Server
    from mcp.shared.exceptions import MCPError

    exposed = toolset if include_approval_tools else toolset.filtered(lambda t: not t.requires_approval)
    listing = [
        types.Tool(name=t.name, description=t.description or None, input_schema=t.parameters,
                   annotations=_annotations(t))
        for t in exposed
    ]

    async def list_tools(_ctx: Any, _params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        return types.ListToolsResult(tools=listing)

    async def call_tool(_ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        t = exposed.get(params.name)
        if t is None:
            raise MCPError(types.INVALID_PARAMS, f"unknown tool {params.name!r} (tools: {', '.join(exposed.names())})")
        text, is_error = await _run_tool(t, params.arguments or {})
        if len(text) > max_result_chars:
            text = f"{text[:max_result_chars]}\n[... truncated {len(text) - max_result_chars} characters]"
        return types.CallToolResult(content=[types.TextContent(text=text)], is_error=is_error)

    return Server(name, on_list_tools=list_tools, on_call_tool=call_tool)


async def _run_tool(t: Tool[..., Any], arguments: Mapping[str, Any]) -> tuple[str, bool]:
    try:
        coro = t.call(dict(arguments), in_thread=True)
        result = await (asyncio.wait_for(coro, t.timeout) if t.timeout else coro)
    except ToolArgumentError as exc:
        return exc.model_message(), True
    except ToolRetry as exc:
        return exc.message, True
    except ToolError as exc:
        return exc.model_message(), True
    except TimeoutError:
        return f"tool {t.name!r} timed out after {t.timeout}s", True
    except Exception as exc:  # the tool's own failure is a result the model can see, not a crash
        return f"tool {t.name!r} failed: {type(exc).__name__}: {exc}", True
    return Tool.to_content(result), False


def serve_toolset(
    toolset: Toolset,
    *,
    transport: Literal["stdio", "http"] = "stdio",
    host: str = "127.0.0.1",
    port: int = 8765,
    name: str = "agentfn",
    include_approval_tools: bool = False,
) -> None:
    """Run an MCP server for the toolset until stdin closes (stdio) or it is interrupted (http).

    Streamable HTTP is served at ``http://HOST:PORT/mcp``.
    """
    server = mcp_server(toolset, name=name, include_approval_tools=include_approval_tools)
    if transport == "stdio":
        import anyio
        from mcp.server.stdio import stdio_server

        async def run_stdio() -> None:
            async with stdio_server() as (read, write):
                await server.run(read, write, server.create_initialization_options())

        anyio.run(run_stdio)
        return
    import uvicorn

    app = server.streamable_http_app(host=host)
    uvicorn.run(app, host=host, port=port, log_level="warning")


# -- client -----------------------------------------------------------------------------


class MCPConnection:
    """One live client session to an MCP server, on its own thread and event loop.

    Args:
        target: a streamable-HTTP URL, a command line (run over stdio), ``StdioServerParameters``,
            or an in-process ``Server``/``MCPServer`` (tests).
        env: extra environment for a stdio server.
        cwd: working directory for a stdio server.
        timeout: seconds to wait for connecting and for each call.
    """

    def __init__(
        self,
        target: str | Sequence[str] | StdioServerParameters | Any,
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
        timeout: float = 60.0,
    ) -> None:
        _require_mcp()
        self.target = target
        self.timeout = timeout
        if isinstance(target, str):
            self.label = target
        elif isinstance(target, Sequence):
            self.label = shlex.join(str(a) for a in cast(Sequence[Any], target))
        else:
            self.label = type(target).__name__
        self._server: Any = _server_spec(cast(Any, target), env=env, cwd=cwd)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="agentfn-mcp", daemon=True)
        self._client: Client | None = None
        self._closing: asyncio.Event | None = None
        self._done: concurrent.futures.Future[None] | None = None
        self._lock = threading.Lock()

    def start(self) -> MCPConnection:
        """Connect (blocking); raises :class:`ConfigError` when the server cannot be reached."""
        self._thread.start()
        ready: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._done = asyncio.run_coroutine_threadsafe(self._hold(ready), self._loop)
        try:
            ready.result(self.timeout)
        except BaseException as exc:
            self.close()
            detail = _describe(exc)
            raise ConfigError(f"cannot connect to the MCP server {self.label}: {detail}") from None
        return self

    async def _hold(self, ready: concurrent.futures.Future[None]) -> None:
        # The client's context must be entered and exited in the same task.
        from mcp import Client

        self._closing = asyncio.Event()
        try:
            async with Client(self._server, read_timeout_seconds=self.timeout) as client:
                self._client = client
                ready.set_result(None)
                await self._closing.wait()
        except BaseException as exc:
            if not ready.done():
                ready.set_exception(exc)
            else:
                raise
        finally:
            self._client = None

    def submit(self, coro_factory: Callable[[Client], Awaitable[T]]) -> concurrent.futures.Future[T]:
        client = self._client
        if client is None:
            raise ToolExecutionError(f"the MCP connection to {self.label} is closed")

        async def run() -> T:
            return await coro_factory(client)

        return asyncio.run_coroutine_threadsafe(run(), self._loop)

    def list_tools(self) -> list[Any]:
        """Every tool the server lists (all pages)."""

        async def fetch(client: Client) -> list[Any]:
            tools: list[Any] = []
            cursor: str | None = None
            for _ in range(1000):
                page = await client.list_tools(cursor=cursor)
                tools.extend(page.tools)
                cursor = page.next_cursor
                if not cursor:
                    break
            return tools

        return self.submit(fetch).result(self.timeout)

    async def call(self, name: str, arguments: dict[str, Any]) -> Any:
        """Call a tool from any event loop; returns its result as JSON-able data or text."""
        future = self.submit(lambda client: client.call_tool(name, arguments))
        try:
            result = await asyncio.wrap_future(future)
        except Exception as exc:
            raise ToolExecutionError(f"MCP call {name!r} to {self.label} failed: {_describe(exc)}", tool_name=name) from exc
        text = _result_text(result.content)
        if result.is_error:
            raise ToolRetry(text or f"the MCP tool {name!r} reported an error")
        if not result.content and result.structured_content is not None:
            return result.structured_content
        return text

    def close(self) -> None:
        """Disconnect and stop the thread (stops a stdio server). Safe to call twice."""
        with self._lock:
            if not self._thread.is_alive():
                return
            closing = self._closing
            if closing is not None:
                self._loop.call_soon_threadsafe(closing.set)
            if self._done is not None:
                # Errors were reported at start, or come from a server that died: nothing to add.
                with contextlib.suppress(BaseException):
                    self._done.result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            if not self._loop.is_running():
                self._loop.close()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        group = cast(BaseExceptionGroup[BaseException], exc)
        return "; ".join(_describe(e) for e in group.exceptions)
    if isinstance(exc, TimeoutError | concurrent.futures.TimeoutError):
        return "timed out"
    return f"{type(exc).__name__}: {exc}"


def _result_text(content: Sequence[Any]) -> str:
    parts: list[str] = []
    for block in content:
        kind = getattr(block, "type", "")
        if kind == "text":
            parts.append(str(block.text))
        elif kind in ("image", "audio"):
            parts.append(f"[{kind}: {getattr(block, 'mime_type', 'unknown type')}]")
        elif kind == "resource":
            resource = getattr(block, "resource", None)
            parts.append(str(getattr(resource, "text", None) or f"[resource {getattr(resource, 'uri', '')}]"))
        else:
            parts.append(f"[{kind or 'content'}]")
    return "\n".join(parts)


def _server_spec(
    target: str | Sequence[str] | Any, *, env: Mapping[str, str] | None, cwd: str | None
) -> Any:
    from mcp import StdioServerParameters

    if isinstance(target, str):
        if target.startswith(("http://", "https://")):
            return target
        parts = shlex.split(target)
        if not parts:
            raise ConfigError("empty MCP server command")
        target = parts
    if isinstance(target, Sequence) and not isinstance(target, str):
        argv = [str(a) for a in cast(Sequence[Any], target)]
        return StdioServerParameters(command=argv[0], args=argv[1:], env=dict(env) if env else None, cwd=cwd)
    return target


class MCPToolset(Toolset):
    """A toolset backed by a live MCP connection; ``close()`` (or ``with``) disconnects."""

    connection: MCPConnection

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> MCPToolset:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _bind(connection: MCPConnection, remote_name: str) -> Callable[..., Awaitable[Any]]:
    async def call_remote(**arguments: Any) -> Any:
        return await connection.call(remote_name, arguments)

    call_remote.__name__ = remote_name
    return call_remote


def toolset_from_mcp(
    command_or_url: str | Sequence[str] | StdioServerParameters | Any,
    *,
    name: str | None = None,
    prefix: str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
    timeout: float = 60.0,
    requires_approval: bool | Callable[[str], bool] = False,
) -> MCPToolset:
    """Connect to an MCP server and return its tools as a :class:`Toolset`.

    Args:
        command_or_url: ``http(s)://...`` (streamable HTTP), a command line string or argv list
            (launched and spoken to over stdio), ``StdioServerParameters``, or an in-process server.
        name: the toolset's name (default: the target).
        prefix: prefix every tool name (``prefix_name``) to avoid clashes between servers.
        env: extra environment variables for a stdio server.
        cwd: working directory for a stdio server.
        timeout: seconds for connecting and for each call.
        requires_approval: mark the tools (or those a predicate picks by name) as needing approval.

    Tool annotations map to policy: ``readOnlyHint`` → ``side_effects="read"``,
    ``destructiveHint`` → ``"write"``, ``openWorldHint`` → ``"external"``. A tool
    result with ``isError`` becomes a :class:`ToolRetry` (the model sees the message).

    Raises:
        ConfigError: the server cannot be started or reached.
        MissingExtraError: the ``mcp`` package is missing.
    """
    connection = MCPConnection(command_or_url, env=env, cwd=cwd, timeout=timeout).start()
    try:
        remote = connection.list_tools()
        out = MCPToolset(name=name or f"mcp {connection.label}")
        out.connection = connection
        for item in remote:
            schema: dict[str, Any] = dict(item.input_schema or {"type": "object", "properties": {}})
            spec = {"name": item.name, "description": item.description or "", "parameters": schema}
            needs_approval = requires_approval(item.name) if callable(requires_approval) else requires_approval
            built = Tool.from_schema(spec, function=_bind(connection, item.name), requires_approval=needs_approval,
                                     **_policy(item.annotations))
            built.metadata["mcp_server"] = connection.label
            out.add(built, source=f"mcp {connection.label}")
        if prefix:
            prefixed = MCPToolset(name=out.name)
            prefixed.connection = connection
            for t in out.prefixed(prefix):
                prefixed.add(t, source=out.source_of(t.metadata.get("original_name", t.name)))
            out = prefixed
    except BaseException:
        connection.close()
        raise
    atexit.register(connection.close)
    return out


def _policy(annotations: Any) -> dict[str, Any]:
    if annotations is None:
        return {}
    side_effects = "none"
    if getattr(annotations, "destructive_hint", None):
        side_effects = "write"
    elif getattr(annotations, "open_world_hint", None):
        side_effects = "external"
    elif getattr(annotations, "read_only_hint", None):
        side_effects = "read"
    policy: dict[str, Any] = {"side_effects": side_effects}
    idempotent = getattr(annotations, "idempotent_hint", None)
    if idempotent is not None:
        policy["idempotent"] = bool(idempotent)
    return policy
