"""Model Context Protocol, both ways, with the official ``mcp`` SDK (2.x).

- :func:`mcp_server` / :func:`serve_toolset`: expose any :class:`~agentfn.toolset.Toolset`
  as an MCP server (``agentfn mcp serve``, stdio or streamable HTTP behind API keys).
  Tool policy travels as MCP tool annotations, return types as ``outputSchema`` with
  ``structuredContent`` results, and changes to the toolset as
  ``notifications/tools/list_changed`` (:mod:`agentfn.mcp.server`, :mod:`agentfn.mcp.http`).
- :func:`toolset_from_mcp` (also ``Toolset.from_mcp`` and ``--tools mcp:...``): mount the
  tools of any MCP server, with their output schemas as ``return_schema``, extra HTTP
  headers, and the tool list kept current (:mod:`agentfn.mcp.client`).

Importing this package registers the ``mcp:`` toolset source with
:meth:`Toolset.register_source`; the ``mcp`` SDK itself is imported only when used.
"""

from __future__ import annotations

from typing import Literal

from agentfn.mcp.client import MCPConnection, MCPToolset, toolset_from_mcp
from agentfn.mcp.headers import HEADERS_ENV, headers_for
from agentfn.mcp.http import mcp_http_app
from agentfn.mcp.server import mcp_server
from agentfn.serve.config import ServeConfig
from agentfn.toolset import Toolset

__all__ = [
    "HEADERS_ENV",
    "MCPConnection",
    "MCPToolset",
    "headers_for",
    "mcp_http_app",
    "mcp_server",
    "serve_toolset",
    "toolset_from_mcp",
]


def serve_toolset(
    toolset: Toolset,
    *,
    transport: Literal["stdio", "http"] = "stdio",
    host: str = "127.0.0.1",
    port: int = 8765,
    name: str = "agentfn",
    include_approval_tools: bool = False,
    config: ServeConfig | None = None,
) -> None:
    """Run an MCP server for the toolset until stdin closes (stdio) or it is interrupted (http).

    Streamable HTTP is served at ``http://HOST:PORT/mcp`` and requires API keys as
    ``agentfn serve`` does (``config``, default from ``AGENTFN_*`` variables; see
    :mod:`agentfn.mcp.http`).

    Raises:
        ConfigError: http without keys (unless ``auth = "none"`` on a loopback host).
    """
    if transport == "http":
        from agentfn.mcp.http import serve_http

        serve_http(toolset, host=host, port=port, config=config, name=name,
                   include_approval_tools=include_approval_tools)
        return
    import anyio
    from mcp.server.stdio import stdio_server

    server = mcp_server(toolset, name=name, include_approval_tools=include_approval_tools)

    async def run_stdio() -> None:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())

    anyio.run(run_stdio)


Toolset.register_source("mcp", toolset_from_mcp)
