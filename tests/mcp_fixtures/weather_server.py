"""A real MCP server (the SDK's MCPServer, formerly FastMCP) over stdio, for client tests."""

from mcp.server.mcpserver import MCPServer

server = MCPServer("weather-fixture")


@server.tool()
def get_forecast(city: str, days: int = 1) -> str:
    """Forecast for a city.

    Args:
        city: City name.
        days: How many days.
    """
    return f"{city}: sunny for {days} day(s)"


@server.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@server.tool()
def fail(reason: str) -> str:
    """Always fails."""
    raise ValueError(f"failed on purpose: {reason}")


if __name__ == "__main__":
    server.run("stdio")
