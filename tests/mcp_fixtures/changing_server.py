"""An agentfn MCP server whose toolset grows when a tool is called: for tools/list_changed tests.

Usage: changing_server.py stdio | changing_server.py http PORT (keys from AGENTFN_API_KEYS).
"""

import sys

from agentfn import Toolset, tool
from agentfn.mcp import serve_toolset

toolset = Toolset(name="changing")


@tool
def double(x: int) -> int:
    """Double a number.

    Args:
        x: The number.
    """
    return 2 * x


@tool
def enable_double() -> str:
    """Add the `double` tool to this server."""
    if "double" not in toolset:
        toolset.add(double)
    return "enabled"


@tool
def disable_double() -> str:
    """Remove the `double` tool from this server."""
    if "double" in toolset:
        toolset.remove("double")
    return "disabled"


toolset.add(enable_double)
toolset.add(disable_double)

if __name__ == "__main__":
    if sys.argv[1] == "http":
        serve_toolset(toolset, transport="http", port=int(sys.argv[2]))
    else:
        serve_toolset(toolset)
