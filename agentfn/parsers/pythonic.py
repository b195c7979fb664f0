"""Pythonic format: ``[get_weather(city="Paris"), add(a=1, b=2)]``.

Llama 3.2 (1B/3B), Llama 4 and several small models write calls as a Python
list of function calls. The list is parsed with :mod:`ast` and only literals
are accepted (strings, numbers, booleans, ``None``, lists, tuples, dicts with
string keys, and the JSON spellings ``true``/``false``/``null``); nothing is
ever evaluated.

Decisions:
* A call list is a ``[`` followed by a (dotted) name and ``(``; it ends at the
  matching ``]`` (brackets inside strings do not count). Every element must be
  a call with keyword arguments only, else the whole list is content (and is
  not searched for calls further in). Mismatched brackets make the text up to
  the mismatch content.
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


_PLAIN = re.compile(r"[^()\[\]{}'\"]*")
_IN_SHORT_STRING = re.compile(r"[^\\\n'\"]*")
_IN_LONG_STRING = re.compile(r"[^\\'\"]*")


class _Brackets:
    """Resumable search for the bracket that closes the one at ``start`` (strings skipped).

    :meth:`advance` returns the end offset (exclusive), None while the text may
    still close it, or ``-(fail + 1)`` at a mismatched closer or a line break in
    a one-line string. It resumes where it stopped, so a growing text costs
    linear time.
    """

    def __init__(self, start: int) -> None:
        self.i = start
        self.stack: list[str] = []
        self.delim = ""  # the open string's quote, while inside one
        self.result: int | None = None

    def advance(self, text: str, final: bool) -> int | None:
        if self.result is not None:
            return self.result
        n, i = len(text), self.i
        while i < n:
            if self.delim:
                run = _IN_SHORT_STRING if len(self.delim) == 1 else _IN_LONG_STRING
                match = run.match(text, i)
                i = match.end() if match else i
                if i >= n:
                    break
                ch = text[i]
                if ch == "\\":
                    if i + 1 >= n:
                        break
                    i += 2
                elif text.startswith(self.delim, i):
                    i += len(self.delim)
                    self.delim = ""
                elif ch == "\n":
                    self.result = -(i + 1)
                    return self.result
                elif len(self.delim) == 3 and not final and n - i < 3 and text[i:] == ch * (n - i):
                    break  # could be the closing triple quote
                else:
                    i += 1
                continue
            match = _PLAIN.match(text, i)
            i = match.end() if match else i
            if i >= n:
                break
            ch = text[i]
            if ch in _CLOSERS:
                self.stack.append(_CLOSERS[ch])
                i += 1
            elif ch in ")]}":
                if not self.stack or self.stack.pop() != ch:
                    self.result = -(i + 1)
                    return self.result
                i += 1
                if not self.stack:
                    self.result = i
                    return i
            else:  # a quote
                if not final and n - i < 3 and text[i:] == ch * (n - i):
                    break  # could still become a triple quote
                self.delim = ch * 3 if text.startswith(ch * 3, i) else ch
                i += len(self.delim)
        self.i = i
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
        brackets = buf.states.get(("pythonic", pos))
        if not isinstance(brackets, _Brackets):
            brackets = buf.states["pythonic", pos] = _Brackets(pos)
        end = brackets.advance(text, buf.final)
        if end is None:  # cut off by the end of the output: content to the end
            return Decided([Text(text[pos:])], len(text)) if buf.final else Pending()
        if end < 0:
            # Skip to the mismatch: rescanning from every bracket inside would take quadratic time.
            end = max(-end - 1, pos + 1)
            return Decided([Text(text[pos:end])], end)
        calls = parse_call_list(text[pos:end])
        if calls is None:
            return Decided([Text(text[pos:end])], end)
        return Decided([Call(name, arguments, pos) for name, arguments in calls], end)
