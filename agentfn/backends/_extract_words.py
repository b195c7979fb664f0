"""Which words of a request belong to which parameter: numbers a parameter name cues, and the spans left free.

Two rules of :func:`agentfn.backends._extract.extractive_spec` read the request this way:

* ``named_numbers``: a number parameter whose name is written next to a number of the request
  ("a triangle with *base* 10 and *height* 5", "10 *minutes* and 30 *seconds*", "a *radius* of 4")
  takes that number (and only it); the other number parameters take the numbers no name claims.
  A name of several words (``start_seconds``) cues a number when its last word is next to it and
  its other words are in the request.
* ``optional_text_spans``: an optional text parameter without a default (the tool sees its absence,
  so leaving it out is not neutral: Home Assistant's ``area``, ``name``), of a tool with no required
  text parameter (when there is one, the request's words are most likely its), is narrowed to spans of the
  request built of *free* words (:func:`free_spans`): no number, no word that names another
  parameter or the tool, and no word naming one of another parameter's enum options
  ("the *lights*" is ``domain: light``, not a name). Without the rule such a parameter is left out.

Both rules are on by default; :func:`extraction_rules` turns them off for a block (benchmarks compare
the arms side by side in one run).
"""

from __future__ import annotations

import contextlib
import contextvars
import re
from collections.abc import Generator, Iterable, Mapping, Sequence
from typing import Any, cast

__all__ = [
    "EXTRACTION_RULES",
    "active_rules",
    "extraction_rules",
    "free_spans",
    "name_words",
    "named_numbers",
    "used_words",
]

EXTRACTION_RULES: tuple[str, ...] = ("named_numbers", "optional_text_spans")
"""The rules :func:`extraction_rules` can turn off (all are on by default)."""

_RULES: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar(
    "agentfn_extraction_rules", default=frozenset(EXTRACTION_RULES)
)


def active_rules() -> frozenset[str]:
    """The extraction rules on in this context."""
    return _RULES.get()


@contextlib.contextmanager
def extraction_rules(rules: Iterable[str]) -> Generator[None]:
    """Within the block (and the tasks and threads it starts), only ``rules`` of :data:`EXTRACTION_RULES` are on.

    Raises:
        ValueError: a rule that is not one of :data:`EXTRACTION_RULES`.
    """
    chosen = frozenset(rules)
    unknown = chosen - set(EXTRACTION_RULES)
    if unknown:
        raise ValueError(f"unknown extraction rules {sorted(unknown)}; known: {', '.join(EXTRACTION_RULES)}")
    token = _RULES.set(chosen)
    try:
        yield
    finally:
        _RULES.reset(token)


_TOKEN = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?%?|[A-Za-z]+")
_GLUE = frozenset({"of", "is", "to", "=", "equal", "equals", "at", "with", "be", "as"})


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def name_words(name: str) -> list[str]:
    """The lower-case singular words of a parameter or tool name (``start_seconds`` -> ``start``, ``second``)."""
    parts = re.split(r"[_\W]+|(?<=[a-z])(?=[A-Z])", name)
    return [_singular(p.lower()) for p in parts if len(p) > 1]


def _value(token: str) -> float | None:
    try:
        return float(token.rstrip("%").replace(",", ""))
    except ValueError:
        return None


def named_numbers(request: str, names: Sequence[str]) -> dict[str, list[float]]:
    """Per parameter of ``names``, the numbers of ``request`` its name is written next to (see the module docstring).

    "next to": the name's last word right after the number ("10 minutes"), or else before it, up to one
    glue word apart ("base 10", "radius of 4", "height = 5"), when that word is not itself the unit of an
    earlier number ("1 hour 10 minutes": 10 is the minutes').
    """
    tokens = [m.group() for m in _TOKEN.finditer(request)]
    words = [_singular(t.lower()) for t in tokens]
    is_number = [t[:1].isdigit() or (t[:1] == "-" and len(t) > 1) for t in tokens]
    present = set(words)
    lasts: dict[str, str] = {}
    for name in names:
        parts = name_words(name)
        if parts and all(p in present for p in parts[:-1]):
            lasts[name] = parts[-1]
    units = set(lasts.values())
    out: dict[str, list[float]] = {}
    for i, token in enumerate(tokens):
        value = _value(token) if is_number[i] else None
        if value is None:
            continue
        after = words[i + 1] if i + 1 < len(words) else ""
        j = i - 1
        if j >= 0 and words[j] in _GLUE:
            j -= 1
        before = words[j] if j >= 0 and not is_number[j] and not (j > 0 and is_number[j - 1]) else ""
        cue = after if after in units else before
        for name, last in lasts.items():
            if last == cue:
                out.setdefault(name, [])
                if value not in out[name]:
                    out[name].append(value)
    return out


def used_words(tool_name: str, parameter: str, properties: Mapping[str, Any]) -> set[str]:
    """Words that belong to something other than ``parameter``: the tool's name, other parameters' names,
    and the enum options of other parameters."""
    used = set(name_words(tool_name.rsplit("__", 1)[-1]))
    for other, schema in properties.items():
        if other == parameter:
            continue
        used.update(name_words(other))
        enum: Any = cast("Mapping[str, Any]", schema).get("enum") if isinstance(schema, Mapping) else None
        for option in cast("list[Any]", enum) if isinstance(enum, list) else []:
            if isinstance(option, str):
                used.update(name_words(option))
    return used


def free_spans(spans: Iterable[str], used: set[str]) -> list[str]:
    """The ``spans`` none of whose words is a number or in ``used`` (singular, lower case)."""
    out: list[str] = []
    for span in spans:
        words = [w.strip(".,;:!?()[]{}\"'") for w in span.split()]
        if any(_BARE_NUMBER.fullmatch(w) for w in words if w):
            continue  # a number belongs to a number parameter; an identifier such as "US1330..." is text
        if any(_singular(t.lower()) in used for t in re.findall(r"[A-Za-z]+", span)):
            continue
        out.append(span)
    return out


_BARE_NUMBER = re.compile(r"[-+]?[\d.,%]+")
