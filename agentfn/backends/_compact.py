"""Compact narrowed schemas for a served model, whose prompt carries every schema sent.

A server (vLLM) renders the tool schemas of a request into the prompt *and* compiles the forced
tool's grammar from them. :func:`agentfn.backends._extract.extractive_spec` can list hundreds of
request spans as a text parameter's ``enum`` (a 60-word tau2 task gives ~800), and
:mod:`agentfn.backends._extract`'s ``anyOf`` branches repeat them: such a prompt overflows a small
model's context (SmolLM2: 2048 tokens) and its grammar takes minutes to compile. So before a
narrowed schema is sent, :func:`compact_parameters`:

1. cuts each long list of string options to :data:`MAX_SERVED_OPTIONS`, by preference: quoted text
   and identifier-shaped tokens, then spans of two or three words, one word, four to
   :data:`MAX_SERVED_SPAN_WORDS` words (longer spans are dropped), each case-insensitively once
   and in the order of the request;
2. keeps the narrowed schema within :data:`EXTRA_SCHEMA_CHARS` characters of the original's (the
   request that fits without narrowing still fits with it): the longest option lists are halved
   (down to :data:`MIN_SERVED_OPTIONS`), alternatives (``anyOf`` branches that repeat the lists: two
   parameters that must differ) are merged into one object first, then each parameter in turn falls back to its original
   schema, and at last the whole original schema is sent (the wider schema: no narrowing);
3. with a token budget (:func:`estimate_tokens` of everything sent, ``max_request_tokens``),
   :func:`agentfn.backends._served_calls.forced_call_tools` sends the wider schema when the narrowed
   request would not fit, and never a request past the budget that it could have kept under.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from typing import Any, cast

__all__ = [
    "EXTRA_SCHEMA_CHARS",
    "MAX_SERVED_OPTIONS",
    "MAX_SERVED_SPAN_WORDS",
    "MIN_SERVED_OPTIONS",
    "compact_options",
    "compact_parameters",
    "estimate_tokens",
    "schema_chars",
]

MAX_SERVED_OPTIONS = 40
"""The most string options one parameter's ``enum`` keeps in a served forced call."""
MIN_SERVED_OPTIONS = 6
"""An option list is not halved below this many to fit the size budget (the parameter falls back instead)."""
MAX_SERVED_SPAN_WORDS = 6
"""Spans of more words are dropped from a served option list (quoted text and whole phrasings aside)."""
EXTRA_SCHEMA_CHARS = 1600
"""How many characters a narrowed parameters schema may add over the original (about 450 tokens)."""
CHARS_PER_TOKEN = 3.0
"""The conservative characters-per-token ratio of :func:`estimate_tokens` (JSON and English text)."""

_ID_SHAPED = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_.@+-]{3,}$|^[A-Z]{4,}\d*$|^\d{2,}$|^[\w.+-]+@[\w-]+\.[\w.]+$")


def schema_chars(schema: Any) -> int:
    """The length of ``schema`` as compact JSON (what a server renders into its prompt, roughly)."""
    return len(json.dumps(schema, separators=(",", ":"), ensure_ascii=False, default=str))


def estimate_tokens(payload: Any) -> int:
    """A conservative token count of ``payload`` (a request's messages and tools) from its JSON length."""
    return int(schema_chars(payload) / CHARS_PER_TOKEN) + 1


def _rank(option: str, quoted: set[str]) -> int | None:
    """The preference class of one option (lower first), or None to drop it."""
    words = option.split()
    if option in quoted or _ID_SHAPED.match(option.strip("'\".,;:!?")):
        return 0
    n = len(words)
    if n > MAX_SERVED_SPAN_WORDS:
        return None
    return {2: 1, 3: 1, 1: 2}.get(n, 3)


def compact_options(options: list[Any], request: str, limit: int = MAX_SERVED_OPTIONS) -> list[Any]:
    """At most ``limit`` of ``options`` (strings ranked as in the module docstring; other values kept first)."""
    quoted = {q for pair in re.findall(r"'([^']+)'|\"([^\"]+)\"|“([^”]+)”", request) for q in pair if q}
    seen: set[str] = set()
    ranked: list[tuple[int, int, Any]] = []
    for i, option in enumerate(options):
        if not isinstance(option, str):
            ranked.append((-1, i, option))
            continue
        key = " ".join(option.casefold().split())
        if key in seen:
            continue
        seen.add(key)
        rank = _rank(option, quoted)
        if rank is not None:
            ranked.append((rank, i, option))
    kept = sorted(ranked)[:limit]
    return [option for _, _, option in sorted(kept, key=lambda r: r[1])]


def _enum_lists(node: Any, out: list[dict[str, Any]]) -> None:
    """Every schema node under ``node`` holding an ``enum`` of more than one string (depth first)."""
    if isinstance(node, list):
        for item in cast("list[Any]", node):
            _enum_lists(item, out)
    elif isinstance(node, dict):
        schema = cast("dict[str, Any]", node)
        enum = schema.get("enum")
        if isinstance(enum, list) and len(cast("list[Any]", enum)) > 1:
            out.append(schema)
        for value in schema.values():
            if isinstance(value, dict | list):
                _enum_lists(value, out)


def _merged(schema: Any) -> dict[str, Any] | None:
    """An ``anyOf`` of object schemas as one object: each property's options the union of the branches',
    required what every branch requires; None when ``schema`` is not such an ``anyOf``."""
    branches: Any = cast("dict[str, Any]", schema).get("anyOf") if isinstance(schema, dict) else None
    if not isinstance(branches, list) or not branches:
        return None
    objects: list[dict[str, Any]] = [cast("dict[str, Any]", b) for b in cast("list[Any]", branches)
                                     if isinstance(b, dict) and isinstance(cast("dict[str, Any]", b).get("properties"), dict)]
    if len(objects) != len(cast("list[Any]", branches)):
        return None
    props: dict[str, Any] = {}
    for branch in objects:
        for name, sub in cast("dict[str, Any]", branch["properties"]).items():
            if name not in props:
                props[name] = copy.deepcopy(sub)
                continue
            mine, theirs = cast("dict[str, Any]", props[name]).get("enum"), cast("dict[str, Any]", sub).get("enum")
            if isinstance(mine, list) and isinstance(theirs, list):
                known = cast("list[Any]", mine)
                known += [v for v in cast("list[Any]", theirs) if v not in known]
    required = set(cast("list[str]", objects[0].get("required") or []))
    for branch in objects[1:]:
        required &= set(cast("list[str]", branch.get("required") or []))
    return {"type": "object", "properties": props, "required": [n for n in props if n in required],
            "additionalProperties": False}


def compact_parameters(
    narrowed: dict[str, Any], original: dict[str, Any], request: str, *, extra_chars: int = EXTRA_SCHEMA_CHARS
) -> tuple[dict[str, Any], bool]:
    """``narrowed`` made small enough to send (see the module docstring), and whether it is still narrowed.

    ``original`` is the schema before narrowing; when nothing else fits, it is returned (``False``).
    """
    budget = schema_chars(original) + extra_chars
    result: dict[str, Any] = copy.deepcopy(narrowed)
    if schema_chars(result) > budget and (merged := _merged(result)) is not None:
        result = merged  # alternatives that repeat the option lists: one object, each list once
    lists: list[dict[str, Any]] = []
    _enum_lists(result, lists)
    for schema in lists:
        enum = cast("list[Any]", schema["enum"])
        if len(enum) > MAX_SERVED_OPTIONS or any(isinstance(o, str) and len(o.split()) > MAX_SERVED_SPAN_WORDS for o in enum):
            schema["enum"] = compact_options(enum, request) or enum[:MIN_SERVED_OPTIONS]
    while schema_chars(result) > budget:
        longest = max(lists, key=lambda s: len(cast("list[Any]", s["enum"])), default=None)
        if longest is None or len(longest["enum"]) <= MIN_SERVED_OPTIONS:
            break
        longest["enum"] = compact_options(longest["enum"], request, max(MIN_SERVED_OPTIONS, len(longest["enum"]) // 2))
    if schema_chars(result) <= budget:
        return result, True
    props_any, before_any = result.get("properties"), original.get("properties")
    if isinstance(props_any, dict) and isinstance(before_any, Mapping):
        props, before = cast("dict[str, Any]", props_any), cast("Mapping[str, Any]", before_any)
        for name in sorted(props, key=lambda n: -schema_chars(props[n])):  # the biggest first
            if name in before:
                props[name] = copy.deepcopy(before[name])
                if schema_chars(result) <= budget:
                    return result, True
    return copy.deepcopy(original), False
