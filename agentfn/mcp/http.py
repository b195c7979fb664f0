"""The MCP server over streamable HTTP, behind the same API keys as ``agentfn serve``.

Keys are configured exactly as for ``agentfn serve`` (:mod:`agentfn.serve.config`):
``AGENTFN_API_KEYS=name:sha256,...`` and/or ``[[keys]]`` in a config file; only
their sha256 digests are stored (``agentfn serve hash-key``). A request without a
valid ``Authorization: Bearer KEY`` gets 401, one over its key's rate 429 with
``Retry-After``; a key's ``tools`` allow-list limits what it lists and calls.
``auth = "none"`` (``AGENTFN_AUTH=none``) is accepted on a loopback address only,
and the server binds 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from agentfn.mcp.server import PRINCIPAL_SCOPE_KEY, mcp_server
from agentfn.serve.config import ServeConfig, load_config
from agentfn.serve.security import KeyRing, RateLimiter
from agentfn.toolset import Toolset

__all__ = ["mcp_http_app", "serve_http"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class _KeyGuard:
    """ASGI middleware: API key (401), then rate limit (429), then the MCP app."""

    def __init__(self, app: ASGIApp, config: ServeConfig) -> None:
        self.app = app
        self.keys = KeyRing(config)
        self.limiter = RateLimiter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan
            await self.app(scope, receive, send)
            return
        authorization: str | None = None
        headers: list[tuple[bytes, bytes]] = scope.get("headers") or []
        for key, value in headers:
            if key.lower() == b"authorization":
                authorization = value.decode("latin-1")
        client = scope.get("client")
        principal = self.keys.authenticate(authorization, str(client[0]) if client else "unknown")
        if principal is None:
            await _reply(send, 401, "missing or invalid API key (send Authorization: Bearer KEY)", "invalid_api_key",
                         [(b"www-authenticate", b"Bearer")])
            return
        retry_after = self.limiter.check(principal)
        if retry_after:
            await _reply(send, 429, f"rate limit exceeded for {principal.name}; retry in {retry_after}s",
                         "rate_limit_exceeded", [(b"retry-after", str(retry_after).encode())])
            return
        scope = dict(scope)
        scope[PRINCIPAL_SCOPE_KEY] = principal  # the MCP handlers read the caller's tool allow-list here
        await self.app(scope, receive, send)


async def _reply(send: Send, status: int, message: str, code: str, headers: list[tuple[bytes, bytes]]) -> None:
    # A JSON-RPC error body: MCP clients show its message (the SDK's does) instead of a bare status.
    body = json.dumps({"jsonrpc": "2.0", "id": None, "error": {
        "code": -32001, "message": f"HTTP {status}: {message}", "data": {"status": status, "code": code}}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": body})


def mcp_http_app(
    toolset: Toolset,
    config: ServeConfig | None = None,
    *,
    name: str = "agentfn",
    include_approval_tools: bool = False,
) -> ASGIApp:
    """An ASGI app serving the toolset over streamable HTTP at ``/mcp``, guarded by API keys.

    Args:
        toolset: the tools (see :func:`agentfn.mcp.mcp_server`).
        config: keys, auth mode, limits and host as for ``agentfn serve``; default: read
            from ``AGENTFN_*`` environment variables for host 127.0.0.1.
        name: the server name clients see.
        include_approval_tools: also expose ``requires_approval`` tools.

    Raises:
        ConfigError: keys are required and none are configured, or ``auth = "none"``
            on a non-loopback host.
    """
    cfg = config if config is not None else load_config(overrides={"host": "127.0.0.1"})
    server = mcp_server(toolset, name=name, include_approval_tools=include_approval_tools)
    inner: Any = server.streamable_http_app(host=cfg.host, max_request_body_size=cfg.limits.max_body_bytes)
    return _KeyGuard(inner, cfg)


def serve_http(
    toolset: Toolset,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    config: ServeConfig | None = None,
    name: str = "agentfn",
    include_approval_tools: bool = False,
) -> None:
    """Serve :func:`mcp_http_app` with uvicorn until interrupted; ``host``/``port`` win over the config's."""
    import uvicorn

    base = config if config is not None else load_config(overrides={"host": host})
    cfg = ServeConfig.model_validate({**base.model_dump(), "host": host, "port": port}).check()
    app = mcp_http_app(toolset, cfg, name=name, include_approval_tools=include_approval_tools)
    uvicorn.run(app, host=host, port=port, log_level="warning")
