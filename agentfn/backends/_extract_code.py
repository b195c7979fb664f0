"""Code a request writes inline, read whole: "run print(', '.join(str(n) for n in range(3)))".

A call with quoted strings inside it ("', '") is cut by a reader that stops at quotes or looks for a call
pattern only (``join(str(n) for n in range(3))`` was run, and failed). :func:`whole_calls` reads each call
the request writes from its name to its matching closing parenthesis, skipping what is inside string
literals, so a parenthesis or a quote inside a string does not end it; a call inside another is part of
the outer one. Attribute calls (``math.sqrt(2)``) keep their dotted name.

Guarantees: a pure function of the text; only balanced calls are returned (an unclosed one is none).
"""

from __future__ import annotations

import re

__all__ = ["whole_calls"]

_NAME = re.compile(r"(?<![\w.'\"])[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*\(")


def _close(text: str, start: int) -> int | None:
    """The index after the parenthesis closing the one at ``start``, or None."""
    depth = 0
    quote = ""
    i = start
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def whole_calls(text: str) -> list[str]:
    """Each outermost call ``text`` writes, whole (see the module docstring), in order."""
    out: list[str] = []
    position = 0
    while (m := _NAME.search(text, position)) is not None:
        end = _close(text, m.end() - 1)
        if end is None:
            position = m.end()
            continue
        out.append(text[m.start() : end])
        position = end
    return out
