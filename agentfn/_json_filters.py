"""JSONPath filters a request states in words: "which items have qty above 5" over a JSON document.

:func:`json_filters` reads comparisons of a key to a number ("*qty above 5*", "*price* of at most
10", "*age* < 30") and writes them as filters on each list of objects in the document that has that
key: ``$.items[?(@.qty > 5)]``, and ``$.items[?(@.qty > 5)].name`` when the request also names
another key of the items ("the *names* of the items with qty above 5"). An item the request names by one of its text
values is selected too: "how many goals did *Lu* score" -> ``$.team[?(@.name == 'Lu')].goals``. Only keys and texts the
document holds and numbers the request writes are used,
so every expression is a copy of the request's values; none when the request compares nothing.
"""

from __future__ import annotations

import json
import re
from typing import Any, cast

__all__ = ["json_filters"]

_OPERATORS = (
    (r"(?:more|greater|higher|larger|bigger|over|above|exceeds?|exceeding|>)(?:\s+than)?", ">"),
    (r"(?:less|fewer|lower|smaller|below|under|<)(?:\s+than)?", "<"),
    (r"(?:at\s+least|no\s+less\s+than|>=)", ">="),
    (r"(?:at\s+most|no\s+more\s+than|<=)", "<="),
    (r"(?:equal\s+to|equals?|of\s+exactly|exactly|==?)", "=="),
)


def _object_lists(node: Any, path: str, found: dict[str, set[str]], texts: dict[str, set[tuple[str, str]]]) -> None:
    """Paths of the lists of objects in ``node``, the keys their items have and their ``(key, text value)`` pairs."""
    if isinstance(node, dict):
        for key, child in cast("dict[str, Any]", node).items():
            _object_lists(child, f"{path}.{key}" if re.fullmatch(r"\w+", key) else f"{path}['{key}']", found, texts)
    elif isinstance(node, list):
        items = cast("list[Any]", node)
        objects = [cast("dict[str, Any]", item) for item in items if isinstance(item, dict)]
        keys = {k for item in objects for k in item}
        if keys:
            where = f"{path}[*]" if path != "$" else "$[*]"
            found.setdefault(where, set()).update(keys)
            texts.setdefault(where, set()).update((k, v) for item in objects for k, v in item.items() if isinstance(v, str))
        for item in items[:1]:
            _object_lists(item, f"{path}[*]", found, texts)


def _selections(base: str, keys: set[str], texts: set[tuple[str, str]], rest: str) -> list[str]:
    """Filters selecting the items whose text value the request names ("how many goals did *Lu* score"),
    with the other keys the request names."""
    out: list[str] = []
    for key, text in sorted(texts):
        if len(text) < 2 or "'" in text or not re.fullmatch(r"[A-Za-z_]\w*", key):
            continue
        if re.search(rf"(?<!\w){re.escape(text)}(?!\w)", rest, re.I):
            expression = f"{base}[?(@.{key} == '{text}')]"
            asked = [k for k in keys if k != key and re.search(rf"\b{re.escape(k)}s?\b", rest, re.I)]
            out += [*(f"{expression}.{k}" for k in asked), expression]
    return out


def json_filters(document: str, request: str) -> list[str]:
    """Filter expressions for the comparisons ``request`` states on keys of ``document``'s lists of objects."""
    try:
        value: Any = json.loads(document)
    except ValueError:
        return []
    lists: dict[str, set[str]] = {}
    texts: dict[str, set[tuple[str, str]]] = {}
    _object_lists(value, "$", lists, texts)
    rest = request.replace(document, " ")
    out: list[str] = []
    for path, keys in lists.items():
        base = path[:-3]  # "$.items[*]" -> "$.items"
        out += _selections(base, keys, texts.get(path, set()), rest)
        for key in sorted(keys, key=len, reverse=True):
            if not re.fullmatch(r"[A-Za-z_]\w*", key):
                continue
            for words, op in _OPERATORS:
                pattern = rf"\b{re.escape(key)}s?\b(?:\s+(?:is|are|of|was|were))?\s+{words}\s+(-?\d+(?:\.\d+)?)(?![\w.])"
                for n in re.findall(pattern, rest, re.I):
                    expression = f"{base}[?(@.{key} {op} {n})]"
                    asked = [k for k in keys if k != key and re.search(rf"\b{re.escape(k)}s?\b", rest, re.I)]
                    out += [*(f"{expression}.{k}" for k in asked), expression]  # "the names of ...": that key
    return list(dict.fromkeys(out))
