"""``agentfn mcp serve|tools``: serve a toolset over MCP, list an MCP server's tools.

``agentfn/cli.py`` calls :func:`register` with the root app.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["mcp_app", "register"]

mcp_app = typer.Typer(help="Model Context Protocol: serve toolsets, inspect servers.", no_args_is_help=True)


def _parse_headers(values: list[str] | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    for value in values or []:
        key, sep, rest = value.partition(":")
        if not sep or not key.strip():
            raise typer.BadParameter(f"expected 'Name: value', got {value!r}", param_hint="--header")
        headers[key.strip()] = rest.strip()
    return headers


@mcp_app.command("serve")
def mcp_serve_command(
    tools: Annotated[list[str] | None, typer.Option(
        "--tools", "-t", help="Toolsets (path, module, builtin, entry-points, mcp:...). Repeat to combine. "
        "Default: builtin.")] = None,
    transport: Annotated[str, typer.Option("--transport", help="stdio or http (streamable HTTP).")] = "stdio",
    host: Annotated[str, typer.Option("--host", help="Bind address for http.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port for http.")] = 8765,
    name: Annotated[str, typer.Option("--name", help="Server name reported to clients.")] = "agentfn",
    config: Annotated[Path | None, typer.Option(
        "--config", "-c", envvar="AGENTFN_CONFIG",
        help="An agentfn serve config file: its keys, auth and limits tables guard http.")] = None,
    allow_approval: Annotated[bool, typer.Option(
        "--allow-approval-tools", help="Expose requires_approval tools (the MCP client must ask its user).")] = False,
    allow_remote: Annotated[bool, typer.Option(
        "--allow-remote", hidden=True, help="Deprecated: http always requires API keys now.")] = False,
) -> None:
    """Expose a toolset as an MCP server over stdio or streamable HTTP (at http://HOST:PORT/mcp).

    HTTP requires API keys like `agentfn serve`: AGENTFN_API_KEYS=name:sha256 (see `agentfn serve hash-key`)
    or a keys table in --config; clients send Authorization: Bearer KEY. AGENTFN_AUTH=none is accepted on a
    loopback address only.
    """
    from agentfn.mcp import serve_toolset
    from agentfn.serve.agents import load_toolsets
    from agentfn.serve.config import load_config
    from agentfn.toolset import Toolset

    if transport not in ("stdio", "http"):
        raise typer.BadParameter("use stdio or http", param_hint="--transport")
    if allow_remote:
        typer.secho("warning: --allow-remote is no longer needed: http requires API keys", err=True,
                    fg=typer.colors.YELLOW)
    cfg = None
    if transport == "http":
        cfg = load_config(config, overrides={"host": host, "port": port})  # keys first: fail before loading tools
        typer.secho(f"MCP over streamable HTTP at http://{host}:{port}/mcp (auth: {cfg.auth})", err=True)
    wanted = tools or ["builtin"]
    toolset = Toolset.load(wanted[0]) if len(wanted) == 1 else load_toolsets(wanted)
    serve_toolset(toolset, transport="http" if transport == "http" else "stdio", host=host, port=port, name=name,
                  include_approval_tools=allow_approval, config=cfg)


@mcp_app.command("tools")
def mcp_tools_command(
    target: Annotated[str, typer.Argument(help="An MCP server: a URL (streamable HTTP) or a command line (stdio).")],
    header: Annotated[list[str] | None, typer.Option(
        "--header", "-H", help="An HTTP header for a URL server, 'Name: value'. Repeat for more. "
        "AGENTFN_MCP_HEADERS also applies.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print OpenAI-format specs as JSON instead of text.")] = False,
) -> None:
    """List the tools an MCP server offers, as agentfn sees them."""
    from agentfn.mcp import toolset_from_mcp

    with toolset_from_mcp(target, headers=_parse_headers(header) or None) as toolset:
        if as_json:
            typer.echo(json.dumps(toolset.specs(), ensure_ascii=False, indent=2))
            return
        for t in toolset:
            first = (t.description or "").strip().splitlines()[0] if (t.description or "").strip() else ""
            returns = f" -> {json.dumps(t.return_schema)}" if t.return_schema else ""
            typer.echo(f"{t.name}: {first}{returns}")


def register(app: typer.Typer) -> None:
    app.add_typer(mcp_app, name="mcp")
