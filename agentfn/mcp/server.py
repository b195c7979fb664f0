"""An MCP server over any :class:`~agentfn.toolset.Toolset` (``agentfn mcp serve``).

- Tools are listed with their JSON Schemas, their policy as MCP tool annotations and,
  for tools with a return type, an ``outputSchema`` (see :mod:`agentfn.mcp.outputs`);
  their results carry ``structuredContent`` beside the text. A result that does not
  match the tool's own return schema is an error result, not a broken promise.
- ``requires_approval`` tools are left out unless asked for: the server cannot ask anyone.
- The listing follows the toolset: after ``add``/``remove``/``replace`` (or an
  ``MCPToolset`` that refreshed), every connected client is told
  ``notifications/tools/list_changed`` -- on a ``subscriptions/listen`` stream for
  2026-era clients, on the session for handshake-era ones.
- With a :class:`~agentfn.serve.security.Principal` on the HTTP request (see
  :mod:`agentfn.mcp.http`), a key's tool allow-list limits what it sees and calls.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from agentfn.exceptions import MissingExtraError, ToolArgumentError, ToolError, ToolRetry
from agentfn.mcp.outputs import output_schema, wrap_result
from agentfn.tool import Tool
from agentfn.toolset import Toolset

if TYPE_CHECKING:
    from mcp.server.lowlevel import Server

    from agentfn.serve.security import Principal

__all__ = ["PRINCIPAL_SCOPE_KEY", "mcp_server"]

PRINCIPAL_SCOPE_KEY = "agentfn.principal"
"""Where :mod:`agentfn.mcp.http` puts the authenticated caller in the ASGI scope."""


def require_mcp() -> None:
    """Raise :class:`MissingExtraError` when the ``mcp`` SDK is not installed."""
    try:
        import mcp  # noqa: F401  # pyright: ignore[reportUnusedImport]
    except ImportError as exc:
        raise MissingExtraError("MCP support", "serve", "mcp") from exc


def _annotations(t: Tool[..., Any]) -> Any:
    from mcp.types import ToolAnnotations

    return ToolAnnotations(
        read_only_hint=t.side_effects in ("none", "read"),
        destructive_hint=t.side_effects == "write",
        idempotent_hint=t.idempotent,
        open_world_hint=t.side_effects == "external",
    )


class _Fanout:
    """Tells every connected client that the tool list changed, from any thread.

    Also the ``SubscriptionBus`` of the server's ``subscriptions/listen`` handler: each
    listener is remembered with the event loop it subscribed on, and events reach it
    there. Handshake-era sessions are remembered from their ``tools/list`` requests
    (the last 1,024 connections). Changes made in one loop iteration are told once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: dict[object, tuple[asyncio.AbstractEventLoop, Callable[[Any], None]]] = {}
        self._sessions: OrderedDict[int, tuple[object, Any, asyncio.AbstractEventLoop]] = OrderedDict()
        self._pending: set[asyncio.AbstractEventLoop] = set()

    # SubscriptionBus protocol --------------------------------------------------------

    async def publish(self, event: Any) -> None:
        self._deliver(asyncio.get_running_loop(), event)

    def subscribe(self, listener: Callable[[Any], None]) -> Callable[[], None]:
        token = object()
        with self._lock:
            self._listeners[token] = (asyncio.get_running_loop(), listener)

        def unsubscribe() -> None:
            with self._lock:
                self._listeners.pop(token, None)

        return unsubscribe

    # ----------------------------------------------------------------------------------

    def remember(self, ctx: Any) -> None:
        """Keep a handshake-era session (the only kind that takes unrequested notifications)."""
        from mcp_types.version import MODERN_PROTOCOL_VERSIONS

        if ctx.protocol_version in MODERN_PROTOCOL_VERSIONS:
            return
        identity: object = ctx.session.client_params or ctx.session  # one object per connection
        with self._lock:
            self._sessions[id(identity)] = (identity, ctx.session, asyncio.get_running_loop())
            self._sessions.move_to_end(id(identity))
            while len(self._sessions) > 1024:
                self._sessions.popitem(last=False)

    def changed(self) -> None:
        """Schedule one notification per loop; safe from any thread."""
        with self._lock:
            loops = {loop for loop, _ in self._listeners.values()} | {s[2] for s in self._sessions.values()}
            loops -= self._pending
            self._pending |= loops
        for loop in loops:
            try:
                loop.call_soon_threadsafe(self._flush, loop)
            except RuntimeError:  # that loop is closed: forget what lived on it
                self._forget(loop)

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        from mcp.server.subscriptions import ToolsListChanged

        with self._lock:
            self._pending.discard(loop)
        self._deliver(loop, ToolsListChanged())
        with self._lock:
            sessions = [s for _, s, owner in self._sessions.values() if owner is loop]
        for session in sessions:  # best effort: a session that went away drops it
            loop.create_task(session.send_tool_list_changed())

    def _deliver(self, loop: asyncio.AbstractEventLoop, event: Any) -> None:
        with self._lock:
            targets = list(self._listeners.values())
        for owner, listener in targets:
            if owner is loop:
                listener(event)
            elif not owner.is_closed():
                owner.call_soon_threadsafe(listener, event)

    def _forget(self, loop: asyncio.AbstractEventLoop) -> None:
        with self._lock:
            self._pending.discard(loop)
            self._listeners = {k: v for k, v in self._listeners.items() if v[0] is not loop}
            for key in [k for k, s in self._sessions.items() if s[2] is loop]:
                del self._sessions[key]


@dataclass
class _Listed:
    tool: Tool[..., Any]
    entry: Any  # mcp.types.Tool
    wrapped: bool
    validator: Any = None


class _Catalogue:
    """The exposed tools, rebuilt lazily after the toolset changes."""

    def __init__(self, toolset: Toolset, include_approval_tools: bool) -> None:
        self.toolset = toolset
        self.include_approval_tools = include_approval_tools
        self._items: dict[str, _Listed] | None = None

    def invalidate(self) -> None:
        self._items = None

    def items(self) -> dict[str, _Listed]:
        items = self._items
        if items is None:
            import mcp.types as types

            items = {}
            for t in list(self.toolset):
                if t.requires_approval and not self.include_approval_tools:
                    continue
                schema, wrapped = output_schema(t.return_schema)
                entry = types.Tool(name=t.name, description=t.description or None, input_schema=t.parameters,
                                   output_schema=schema, annotations=_annotations(t))
                items[t.name] = _Listed(t, entry, wrapped)
            self._items = items
        return items


def _allowed(ctx: Any) -> frozenset[str] | None:
    request = getattr(ctx, "request", None)
    scope: Any = getattr(request, "scope", None)
    principal: Principal | None = (
        cast("Principal | None", cast(Mapping[str, Any], scope).get(PRINCIPAL_SCOPE_KEY))
        if isinstance(scope, Mapping) else None
    )
    return principal.tools if principal is not None else None


def mcp_server(
    toolset: Toolset,
    *,
    name: str = "agentfn",
    include_approval_tools: bool = False,
    max_result_chars: int = 100_000,
) -> Server[Any]:
    """A low-level MCP ``Server`` that lists and calls the toolset's tools, and follows its changes.

    Args:
        toolset: the tools to expose (their JSON Schemas are sent as they are).
        name: the server name clients see.
        include_approval_tools: also expose ``requires_approval`` tools; the MCP host
            is then the one that must ask its user before calling them.
        max_result_chars: longer text results are truncated with a marker
            (``structuredContent`` is sent whole).

    Tool failures (bad arguments, exceptions, timeouts, ``ToolRetry``, a result that does
    not match the return type) come back as results with ``isError`` so the calling model
    can react; an unknown tool name is a protocol error.
    """
    require_mcp()
    import mcp.types as types
    from mcp.server.lowlevel import NotificationOptions, Server
    from mcp.server.subscriptions import ListenHandler
    from mcp.shared.exceptions import MCPError

    catalogue = _Catalogue(toolset, include_approval_tools)
    fanout = _Fanout()

    def on_change(_toolset: Toolset) -> None:
        catalogue.invalidate()
        fanout.changed()

    toolset.on_change(on_change)

    async def list_tools(ctx: Any, _params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        fanout.remember(ctx)
        allowed = _allowed(ctx)
        return types.ListToolsResult(
            tools=[item.entry for n, item in catalogue.items().items() if allowed is None or n in allowed]
        )

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        allowed = _allowed(ctx)
        item = catalogue.items().get(params.name)
        if item is None or (allowed is not None and params.name not in allowed):
            visible = [n for n in catalogue.items() if allowed is None or n in allowed]
            raise MCPError(types.INVALID_PARAMS, f"unknown tool {params.name!r} (tools: {', '.join(visible)})")
        text, structured, is_error = await _run_tool(item, params.arguments or {})
        if len(text) > max_result_chars:
            text = f"{text[:max_result_chars]}\n[... truncated {len(text) - max_result_chars} characters]"
        return types.CallToolResult(content=[types.TextContent(text=text)], structured_content=structured,
                                    is_error=is_error)

    class _ToolsServer(Server[Any]):
        # Handshake-era clients learn from initialize that tools/list_changed may come (2026-era clients
        # from server/discover, where serving subscriptions/listen is what says so).
        def create_initialization_options(
            self,
            notification_options: NotificationOptions | None = None,
            experimental_capabilities: dict[str, dict[str, Any]] | None = None,
            extensions: dict[str, dict[str, Any]] | None = None,
        ) -> Any:
            return super().create_initialization_options(
                notification_options or NotificationOptions(tools_changed=True), experimental_capabilities, extensions
            )

    return _ToolsServer(name, on_list_tools=list_tools, on_call_tool=call_tool,
                        on_subscriptions_listen=ListenHandler(fanout))


async def _run_tool(item: _Listed, arguments: Mapping[str, Any]) -> tuple[str, dict[str, Any] | None, bool]:
    """The text, the structured content (tools with a return schema) and whether it is an error."""
    t = item.tool
    try:
        coro = t.call(dict(arguments), in_thread=True)
        result = await (asyncio.wait_for(coro, t.timeout) if t.timeout else coro)
    except ToolArgumentError as exc:
        return exc.model_message(), None, True
    except ToolRetry as exc:
        return exc.message, None, True
    except ToolError as exc:
        return exc.model_message(), None, True
    except TimeoutError:
        return f"tool {t.name!r} timed out after {t.timeout}s", None, True
    except Exception as exc:  # the tool's own failure is a result the model can see, not a crash
        return f"tool {t.name!r} failed: {type(exc).__name__}: {exc}", None, True
    text = Tool.to_content(result)
    if item.entry.output_schema is None:
        return text, None, False
    value: Any = result if isinstance(result, str) else json.loads(text)  # the text's JSON, as data
    structured = wrap_result(value, item.wrapped)
    problem = _check(item, structured)
    if problem is not None:
        return f"tool {t.name!r} returned a value that does not match its return type: {problem}", None, True
    return text, structured, False


def _check(item: _Listed, structured: Any) -> str | None:
    """Why ``structured`` breaks the tool's output schema, or None (no validator installed: None)."""
    try:
        from jsonschema import Draft202012Validator
        from jsonschema.exceptions import best_match  # pyright: ignore[reportUnknownVariableType]
    except ImportError:  # the MCP SDK brings jsonschema; without it the client still validates
        return None
    if not isinstance(structured, dict):
        return "structured content must be a JSON object"
    if item.validator is None:
        item.validator = Draft202012Validator(item.entry.output_schema)
    error = cast("Exception | None", best_match(item.validator.iter_errors(structured)))
    return None if error is None else str(getattr(error, "message", error))
