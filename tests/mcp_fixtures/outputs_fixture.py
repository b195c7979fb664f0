"""Tools with every kind of return type, for MCP outputSchema / structuredContent tests."""

from __future__ import annotations

from pydantic import BaseModel

from agentfn import tool


class Report(BaseModel):
    city: str
    temperature: float


class Node(BaseModel):
    name: str
    children: list[Node] = []


@tool
def report(city: str) -> Report:
    """A weather report (an object)."""
    return Report(city=city, temperature=21.5)


@tool
def tags(n: int) -> list[str]:
    """Some tags (a list, wrapped)."""
    return [f"t{i}" for i in range(n)]


@tool
def maybe(found: bool) -> str | None:
    """A string or nothing (wrapped)."""
    return "here" if found else None


@tool
def tree(depth: int) -> list[Node]:
    """A recursive structure: its $defs travel at the root of the wrapper."""
    node = Node(name="leaf")
    for i in range(depth):
        node = Node(name=f"n{i}", children=[node])
    return [node]


@tool
def untyped(text: str):  # no return annotation: no outputSchema
    """Echo without a declared return type."""
    return text


@tool
def liar(n: int) -> int:
    """Declares an int, returns text: the server must not pass it off as structured data."""
    return f"{n} apples"  # type: ignore[return-value]
