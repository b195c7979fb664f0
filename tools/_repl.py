"""REPL semantics for ``run_python``: a program's final bare expression shows its value.

"run sum(range(1, 101))" gave a program that printed nothing: a script discards the value of a bare
expression, where Python's interactive prompt shows it (``5050``). :func:`show_last_expression`
rewrites a program whose last top-level statement is an expression so that its value, when not None,
is printed with ``repr`` after everything else, as the prompt's display hook does. Every other program
is returned unchanged; line numbers never move (tracebacks still name the user's lines), and only the
last statement is touched (a bare expression earlier in the program stays silent, as in a script).
"""

from __future__ import annotations

import ast
import re

__all__ = ["show_last_expression"]

_VALUE = "__agentfn_value__"
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")


def _offset(lines: list[str], line: int, byte_col: int) -> int:
    """The character offset of ``ast``'s (1-based line, UTF-8 byte column) position."""
    before = sum(len(text) for text in lines[: line - 1])
    return before + len(lines[line - 1].encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))


def show_last_expression(code: str) -> str:
    """``code`` with its final top-level bare expression's value printed (see the module docstring)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return code
    last = tree.body[-1] if tree.body else None
    if not isinstance(last, ast.Expr) or last.end_lineno is None or last.end_col_offset is None:
        return code
    lines = _LINES.findall(code)
    start = _offset(lines, last.lineno, last.col_offset)
    end = _offset(lines, last.end_lineno, last.end_col_offset)
    return (f"{code[:start]}{_VALUE} = ({code[start:end]}\n){code[end:]}\n"
            f"if {_VALUE} is not None:\n    print(repr({_VALUE}))\n")
