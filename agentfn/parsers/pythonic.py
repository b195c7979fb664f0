"""Pythonic format: ``[get_weather(city="Paris"), add(a=1, b=2)]``.

Llama 3.2 (1B/3B), Llama 4 and several small models write calls as a Python
list of function calls. The list is parsed with :mod:`ast` and only literals
are accepted (strings, numbers, booleans, ``None``, lists, tuples, dicts with
string keys, and the JSON spellings ``true``/``false``/``null``); nothing is
ever evaluated.

Decisions:
* A call list is a ``[`` followed by a (dotted) name and ``(``; it ends at the
  matching ``]`` (brackets inside strings do not count). Every element must be
  a call with keyword arguments only, else the whole list is content.
* Calls are announced once the list is complete; a list cut off by the end of
  the output is content.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any, ClassVar

from agentfn.parsers.base import Call, Decided, Pending, Text, TextBuffer, ToolCallParser, text_until_marker

__all__ = ["PythonicParser"]

_START = re.compile(r"\[[ \t\n\r]*[A-Za-z_][A-Za-z0-9_.]*[ \t\n\r]*\(")
_START_PREFIX = re.compile(r"\[[ \t\n\r]*(?:[A-Za-z_][A-Za-z0-9_.]*[ \t\n\r]*)?\Z")
_CLOSERS = {"(": ")", "[": "]", "{": "}"}
_JSON_NAMES: dict[str, Any] = {"true": True, "false": False, "null": None}


class _NotLiteral(Exception):
    pass


def _string_end(text: str, i: int, final: bool) -> int | None:
    """End of the Python string literal whose quote is at ``i``: None unfinished, -1 invalid."""
    n = len(text)
    quote = text[i]
    if not final and n - i < 3 and text[i:] == quote * (n - i):
        return None  # could still become a triple quote
    delim = quote * 3 if text.startswith(quote * 3, i) else quote
    j = i + len(delim)
    while j < n:
        ch = text[j]
        if ch == "\\":
            j += 2
        elif text.startswith(delim, j):
            return j + len(delim)
        elif ch == "\n" and len(delim) == 1:
            return -1
        else:
            j += 1
    return None


def _matching_bracket(text: str, start: int, final: bool) -> int | None:
    """End (exclusive) of the bracket opened at ``start``: None unfinished, -1 mismatched."""
    stack: list[str] = []
    i, n = start, len(text)
    while i < n:
        ch = text[i]
        if ch in _CLOSERS:
            stack.append(_CLOSERS[ch])
        elif ch in ")]}":
            if not stack or stack.pop() != ch:
                return -1
            if not stack:
                return i + 1
        elif ch in "'\"":
            end = _string_end(text, i, final)
            if end is None or end < 0:
                return end
            i = end
            continue
        i += 1
    return None


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return _dotted(node.value) + "." + node.attr
    raise _NotLiteral


def _literal(node: ast.expr) -> Any:
    if isinstance(node, ast.Constant):
        value = node.value
        if value is None or isinstance(value, str | bool | int | float):
            return value  # pyright: ignore[reportUnknownVariableType]
        raise _NotLiteral
    if isinstance(node, ast.List | ast.Tuple):
        return [_literal(e) for e in node.elts]
    if isinstance(node, ast.Dict):
        out: dict[str, Any] = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                raise _NotLiteral
            out[key.value] = _literal(value)
        return out
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _literal(node.operand)
        if isinstance(operand, int | float) and not isinstance(operand, bool):
            return -operand if isinstance(node.op, ast.USub) else operand
        raise _NotLiteral
    if isinstance(node, ast.Name) and node.id in _JSON_NAMES:
        return _JSON_NAMES[node.id]
    raise _NotLiteral


def parse_call_list(source: str) -> list[tuple[str, str]] | None:
    """``(name, arguments)`` pairs of a Python call list, or None when it is not one."""
    try:
        tree = ast.parse(source.strip(), mode="eval")
        if not isinstance(tree.body, ast.List) or not tree.body.elts:
            return None
        calls: list[tuple[str, str]] = []
        for element in tree.body.elts:
            if not isinstance(element, ast.Call) or element.args:
                return None
            arguments: dict[str, Any] = {}
            for keyword in element.keywords:
                if keyword.arg is None:
                    return None
                arguments[keyword.arg] = _literal(keyword.value)
            calls.append((_dotted(element.func), json.dumps(arguments, ensure_ascii=False, allow_nan=False)))
        return calls
    except (_NotLiteral, SyntaxError, ValueError, TypeError, RecursionError, MemoryError):
        return None


class PythonicParser(ToolCallParser):
    """Python call lists such as ``[f(a=1), g(b="x")]`` (Llama 3.2/4)."""

    name: ClassVar[str] = "pythonic"
    markers: ClassVar[tuple[str, ...]] = ("[",)
    description: ClassVar[str] = 'Python call lists: [f(a=1), g(b="x")]'

    def step(self, buf: TextBuffer, pos: int, state: str) -> Decided | Pending:
        found = text_until_marker(buf, pos, ("[",))
        if not isinstance(found, int):
            return found
        text = buf.text
        literal = Decided([Text("[")], pos + 1)
        if not _START.match(text, pos):
            return Pending() if not buf.final and _START_PREFIX.match(text, pos) else literal
        end = _matching_bracket(text, pos, buf.final)
        if end is None:
            return literal if buf.final else Pending()
        if end < 0:
            return literal
        calls = parse_call_list(text[pos:end])
        if calls is None:
            return literal
        return Decided([Call(name, arguments, pos) for name, arguments in calls], end)
