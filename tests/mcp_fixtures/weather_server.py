"""A real MCP server (the SDK's MCPServer, formerly FastMCP) over stdio, for client tests."""

from mcp.server.mcpserver import Context, MCPServer
from mcp.types import ToolAnnotations
from pydantic import BaseModel

server = MCPServer("weather-fixture")


class Forecast(BaseModel):
    city: str
    days: int
    summary: str


@server.tool()
def get_forecast(city: str, days: int = 1) -> str:
    """Forecast for a city.

    Args:
        city: City name.
        days: How many days.
    """
    return f"{city}: sunny for {days} day(s)"


@server.tool(annotations=ToolAnnotations(readOnlyHint=True))
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@server.tool()
def forecast_record(city: str) -> Forecast:
    """A structured forecast."""
    return Forecast(city=city, days=1, summary="sunny")


@server.tool(annotations=ToolAnnotations(readOnlyHint=False, destructiveHint=False))
def fail(reason: str) -> str:
    """Always fails."""
    raise ValueError(f"failed on purpose: {reason}")


def shout(text: str) -> str:
    """Upper-case a text."""
    return text.upper()


@server.tool()
async def add_shout(ctx: Context) -> str:
    """Add the `shout` tool and tell the client its tool list changed."""
    if "shout" not in [t.name for t in await server.list_tools()]:
        server.add_tool(shout)
    await ctx.notify_tools_changed()  # 2026-era clients, on their subscriptions/listen stream
    await ctx.request_context.session.send_tool_list_changed()  # handshake-era clients, on the session
    return "added"


if __name__ == "__main__":
    server.run("stdio")
