"""Mount the tools of any MCP server as a :class:`~agentfn.toolset.Toolset`.

:func:`toolset_from_mcp` (also ``Toolset.from_mcp`` and ``--tools mcp:...``) connects to
a command line run over stdio or a streamable-HTTP URL and returns an
:class:`MCPToolset` of async tools, so the router and agents use them like local ones:

- a server tool's ``outputSchema`` becomes ``tool.return_schema`` (unwrapped when the
  server wrapped a non-object result, see :mod:`agentfn.mcp.outputs`), and a call
  returns the ``structuredContent`` value when the server sends one, else the text;
- HTTP servers get extra headers (``headers=``, or ``AGENTFN_MCP_HEADERS`` scoped by
  URL, see :func:`headers_for`), e.g. ``Authorization: Bearer ...``;
- when the server says ``notifications/tools/list_changed`` (on a
  ``subscriptions/listen`` stream with 2026-era servers, on the session with
  handshake-era ones) the toolset re-lists and replaces its tools in place, so
  ``toolset.on_change`` callbacks (an MCP server built over it) hear about it.

One connection per server lives on a background thread with its own event loop, so
the tools work from any event loop (the CLI's, a server's, a test's) and from sync code.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import logging
import shlex
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from agentfn.exceptions import ConfigError, ToolExecutionError, ToolRetry
from agentfn.mcp.headers import headers_for
from agentfn.mcp.outputs import return_schema_from_output, unwrap_result
from agentfn.mcp.server import require_mcp
from agentfn.tool import Tool
from agentfn.toolset import Toolset

if TYPE_CHECKING:
    from mcp import Client, StdioServerParameters

__all__ = ["MCPConnection", "MCPToolset", "toolset_from_mcp"]

T = TypeVar("T")
log = logging.getLogger("agentfn.mcp")

class MCPConnection:
    """One live client session to an MCP server, on its own thread and event loop.

    Args:
        target: a streamable-HTTP URL, a command line (run over stdio), ``StdioServerParameters``,
            or an in-process ``Server``/``MCPServer`` (tests).
        env: extra environment for a stdio server.
        cwd: working directory for a stdio server.
        timeout: seconds to wait for connecting and for each call.
        headers: extra HTTP headers for a URL target (authentication, tenancy...).
        mode: ``"auto"`` (the SDK negotiates the newest protocol) or ``"legacy"`` (the
            initialize handshake only, for servers that mishandle discovery).
    """

    def __init__(
        self,
        target: str | Sequence[str] | StdioServerParameters | Any,
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
        timeout: float = 60.0,
        headers: Mapping[str, str] | None = None,
        mode: Literal["auto", "legacy"] = "auto",
    ) -> None:
        require_mcp()
        self.target = target
        self.timeout = timeout
        self.mode = mode
        if isinstance(target, str):
            self.label = target
        elif isinstance(target, Sequence):
            self.label = shlex.join(str(a) for a in cast(Sequence[Any], target))
        else:
            self.label = type(target).__name__
        self._server: Any = _server_spec(cast(Any, target), env=env, cwd=cwd)
        if headers and not isinstance(self._server, str):
            raise ConfigError(f"HTTP headers only apply to an MCP server URL, not to {self.label}")
        self.headers = dict(headers or {})
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="agentfn-mcp", daemon=True)
        self._client: Client | None = None
        self._closing: asyncio.Event | None = None
        self._done: concurrent.futures.Future[None] | None = None
        self._lock = threading.Lock()
        self._watchers: list[Callable[[list[Any]], None]] = []
        self._refreshing = False
        self._dirty = False
        self._tasks: set[asyncio.Task[Any]] = set()

    def start(self) -> MCPConnection:
        """Connect (blocking); raises :class:`ConfigError` when the server cannot be reached."""
        self._thread.start()
        ready: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._done = asyncio.run_coroutine_threadsafe(self._hold(ready), self._loop)
        try:
            ready.result(self.timeout)
        except BaseException as exc:
            self.close()
            raise ConfigError(f"cannot connect to the MCP server {self.label}: {_describe(exc)}") from None
        return self

    async def _hold(self, ready: concurrent.futures.Future[None]) -> None:
        # The client's context must be entered and exited in the same task.
        from mcp import Client

        self._closing = asyncio.Event()
        try:
            async with contextlib.AsyncExitStack() as stack:
                server = self._server
                if isinstance(server, str) and self.headers:
                    import httpx2
                    from mcp.client.streamable_http import streamable_http_client

                    http = await stack.enter_async_context(
                        httpx2.AsyncClient(headers=self.headers, timeout=httpx2.Timeout(30.0, read=300.0)))
                    server = streamable_http_client(server, http_client=http)
                client = await stack.enter_async_context(Client(
                    server, read_timeout_seconds=self.timeout, message_handler=self._on_message, mode=self.mode))
                self._client = client
                listener = self._spawn(self._listen(client)) if _listens(client) else None
                ready.set_result(None)
                await self._closing.wait()
                if listener is not None:
                    listener.cancel()
                    with contextlib.suppress(BaseException):
                        await listener
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
        """Every tool the server lists (all pages, fetched afresh)."""
        return self.submit(lambda client: _list_all(client, refresh=True)).result(self.timeout)

    async def call(self, name: str, arguments: dict[str, Any], *, wrapped: bool = False) -> Any:
        """Call a tool from any event loop: its structured value when the server sends one, else its text.

        ``wrapped``: the tool's output schema wraps its value as ``{"result": value}``.
        """
        future = self.submit(lambda client: client.call_tool(name, arguments))
        try:
            result = await asyncio.wrap_future(future)
        except Exception as exc:
            raise ToolExecutionError(f"MCP call {name!r} to {self.label} failed: {_describe(exc)}", tool_name=name) from exc
        text = _result_text(result.content)
        if result.is_error:
            raise ToolRetry(text or f"the MCP tool {name!r} reported an error")
        if result.structured_content is not None:
            return unwrap_result(result.structured_content, wrapped)
        return text

    # -- tools/list_changed -------------------------------------------------------------

    def watch_tools(self, callback: Callable[[list[Any]], None]) -> None:
        """Call ``callback(tools)`` (on the connection's thread) with the new listing after each change."""
        self._watchers.append(callback)

    def _spawn(self, coro: Awaitable[Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _on_message(self, message: Any) -> None:
        import mcp.types as types

        if isinstance(message, types.ToolListChangedNotification):  # handshake-era servers
            self._spawn(self._refresh())

    async def _listen(self, client: Client) -> None:
        """Hold a ``subscriptions/listen`` stream for tool changes (2026-era servers), re-opening it if lost."""
        delay = 0.5
        while self._closing is not None and not self._closing.is_set():
            try:
                async with client.listen(tools_list_changed=True) as subscription:
                    delay = 0.5
                    self._spawn(self._refresh())  # whatever changed before the stream was acknowledged
                    async for _event in subscription:
                        await self._refresh()
                return  # the server closed the stream on purpose
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.debug("MCP %s: tools/list_changed stream lost (%s); retrying in %.1fs", self.label, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    async def _refresh(self) -> None:
        if not self._watchers:
            return
        if self._refreshing:  # one re-list at a time; changes meanwhile cause one more
            self._dirty = True
            return
        self._refreshing = True
        try:
            while True:
                self._dirty = False
                client = self._client
                if client is None:
                    return
                tools = await _list_all(client, refresh=True)
                for callback in list(self._watchers):
                    callback(tools)
                if not self._dirty:
                    return
        except Exception as exc:  # a failed re-list keeps the tools we have
            log.warning("MCP %s: could not re-list tools after a change: %s", self.label, _describe(exc))
        finally:
            self._refreshing = False

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


def _listens(client: Client) -> bool:
    """Whether the server offers tool-change events on a ``subscriptions/listen`` stream."""
    from mcp_types.version import MODERN_PROTOCOL_VERSIONS

    tools = client.server_capabilities.tools
    return client.protocol_version in MODERN_PROTOCOL_VERSIONS and tools is not None and bool(tools.list_changed)


async def _list_all(client: Client, refresh: bool = False) -> list[Any]:
    tools: list[Any] = []
    cursor: str | None = None
    for _ in range(1000):
        page = await client.list_tools(cursor=cursor, cache_mode="refresh" if refresh else "use")
        tools.extend(page.tools)
        cursor = page.next_cursor
        if not cursor:
            break
    return tools


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


def _server_spec(target: str | Sequence[str] | Any, *, env: Mapping[str, str] | None, cwd: str | None) -> Any:
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
    """A toolset backed by a live MCP connection; follows the server's tool list; ``close()`` (or ``with``) disconnects."""

    connection: MCPConnection

    def __init__(
        self,
        connection: MCPConnection,
        *,
        name: str,
        prefix: str | None = None,
        requires_approval: bool | Callable[[str], bool] = False,
    ) -> None:
        super().__init__(name=name)
        self.connection = connection
        self.prefix = prefix
        self._requires_approval = requires_approval

    def refresh(self) -> None:
        """Re-list the server's tools now and replace this toolset's tools (the server also triggers this)."""
        self.sync(self.connection.list_tools())

    def sync(self, remote: Sequence[Any]) -> None:
        """Replace the tools with these MCP tool definitions (``tools/list`` entries), in one step."""
        self.replace([self._build(item) for item in remote], source=f"mcp {self.connection.label}")

    def _build(self, item: Any) -> Tool[..., Any]:
        schema: dict[str, Any] = dict(item.input_schema or {"type": "object", "properties": {}})
        spec = {"name": item.name, "description": item.description or "", "parameters": schema}
        ask = self._requires_approval
        needs_approval = ask(item.name) if callable(ask) else ask
        raw_output = getattr(item, "output_schema", None)
        returns, wrapped = return_schema_from_output(raw_output, item.name)
        built = Tool.from_schema(spec, function=_bind(self.connection, item.name, wrapped),
                                 requires_approval=needs_approval, _return_schema=returns,
                                 **_policy(item.annotations))
        built.metadata["mcp_server"] = self.connection.label
        if raw_output is not None:
            built.metadata["mcp_output_schema"] = dict(raw_output)
        return built.with_name(f"{self.prefix}_{built.name}") if self.prefix else built

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> MCPToolset:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _bind(connection: MCPConnection, remote_name: str, wrapped: bool) -> Callable[..., Awaitable[Any]]:
    async def call_remote(**arguments: Any) -> Any:
        return await connection.call(remote_name, arguments, wrapped=wrapped)

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
    headers: Mapping[str, str] | None = None,
    mode: Literal["auto", "legacy"] = "auto",
) -> MCPToolset:
    """Connect to an MCP server and return its tools as a :class:`Toolset` that follows the server's changes.

    Args:
        command_or_url: ``http(s)://...`` (streamable HTTP), a command line string or argv list
            (launched and spoken to over stdio), ``StdioServerParameters``, or an in-process server.
        name: the toolset's name (default: the target).
        prefix: prefix every tool name (``prefix_name``) to avoid clashes between servers.
        env: extra environment variables for a stdio server.
        cwd: working directory for a stdio server.
        timeout: seconds for connecting and for each call.
        requires_approval: mark the tools (or those a predicate picks by name) as needing approval.
        headers: extra HTTP headers for a URL (e.g. ``{"Authorization": "Bearer ..."}``); they
            win over the ones ``AGENTFN_MCP_HEADERS`` gives that URL (:func:`headers_for`).
        mode: protocol negotiation, see :class:`MCPConnection`.

    Tool annotations map to policy: ``readOnlyHint`` → ``side_effects="read"``,
    ``destructiveHint`` → ``"write"``, ``openWorldHint`` → ``"external"``, with the MCP
    specification's defaults for hints left out: a tool without annotations is ``"write"``
    (it needs approval in ``run``/``chat`` and is not served unless allowed). A tool
    result with ``isError`` becomes a :class:`ToolRetry` (the model sees the message).

    Raises:
        ConfigError: the server cannot be started or reached (or refuses the credentials).
        MissingExtraError: the ``mcp`` package is missing.
    """
    merged = {**headers_for(command_or_url), **(headers or {})} if isinstance(command_or_url, str) else headers
    connection = MCPConnection(command_or_url, env=env, cwd=cwd, timeout=timeout, headers=merged, mode=mode).start()
    try:
        out = MCPToolset(connection, name=name or f"mcp {connection.label}", prefix=prefix,
                         requires_approval=requires_approval)
        out.refresh()
        connection.watch_tools(out.sync)
    except BaseException:
        connection.close()
        raise
    atexit.register(connection.close)
    return out


def _policy(annotations: Any) -> dict[str, Any]:
    """Policy from MCP tool annotations, with the specification's defaults for hints a server leaves out.

    The MCP specification defaults ``readOnlyHint`` to false, ``destructiveHint`` to true and
    ``openWorldHint`` to true: a tool that says nothing about itself may change the world, so it is
    ``"write"`` (approval needed) until its server says it only reads.
    """
    def hint(name: str, default: bool) -> bool:
        value = None if annotations is None else getattr(annotations, name, None)
        return default if value is None else bool(value)

    if hint("read_only_hint", False):
        side_effects = "read"
    elif hint("destructive_hint", True):
        side_effects = "write"
    elif hint("open_world_hint", True):
        side_effects = "external"
    else:
        side_effects = "write"
    policy: dict[str, Any] = {"side_effects": side_effects}
    idempotent = getattr(annotations, "idempotent_hint", None)
    if idempotent is not None:
        policy["idempotent"] = bool(idempotent)
    return policy
