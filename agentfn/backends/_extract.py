"""Extractive constraints: argument values a small model must copy from the conversation.

A 135M model under a plain JSON-schema constraint writes schema-valid but invented values
("3 miles" became ``from_unit: "m"``; "17.5%" became ``0.2486``). Most arguments of everyday
requests are *in* the request. :func:`extractive_spec` narrows, for the grammar only (the
prompt keeps the tool's own schema), each top-level parameter to the values the
conversation offers, by the parameter's kind (:func:`agentfn._values.parameter_kind`):

==========  ===========================================================================
number      the numbers written in the request or in this turn's tool results, their
            negatives, and the default
date        ISO dates and date-times in the request, today and this turn's results, each
            date also with every clock time of the request, and date parts of date-times
timezone    the IANA zone names of this machine
url, file,  the URLs, file names (for files also single words and ``.``), JSON documents,
json, csv,  the pasted table, or the code of the request; unconstrained when there is none
code
text        spans of the request (up to 12 words, end punctuation trimmed), quoted text,
            the text after the first colon, the whole request, and this turn's string results
math        the text spans that hold a number (the calculator reads English arithmetic);
            unconstrained when this turn's tool results hold numbers to combine
enum        the options the request names (or the default), when it names some
==========  ===========================================================================

Arrays of strings take text spans as items. Enums, booleans, objects, expressions (formulas,
query languages, glob patterns) and parameters with no candidates stay as they are.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from agentfn._values import (
    code_spans,
    dates_in,
    json_documents,
    numbers_in_request,
    parameter_kind,
    quoted_spans,
    times_in,
)
from agentfn.messages import Message, ToolMessage, UserMessage

__all__ = ["ExtractionSources", "extractive_spec", "text_spans"]

MAX_SPAN_WORDS = 12
MAX_CANDIDATES = 800
_TRIM = " \t\n.,;:!?()[]{}\"'“”‘’`"


def text_spans(text: str, max_words: int = MAX_SPAN_WORDS) -> list[str]:
    """Word spans of ``text`` up to ``max_words`` words, with end punctuation trimmed."""
    words = [m for m in re.finditer(r"\S+", text)]
    spans: list[str] = []
    for i in range(len(words)):
        for j in range(i, min(len(words), i + max_words)):
            span = text[words[i].start() : words[j].end()].strip(_TRIM)
            if span:
                spans.append(span)
    return list(dict.fromkeys(spans))


def _leaves(value: Any) -> Iterable[Any]:
    if isinstance(value, dict):
        for v in cast("dict[str, Any]", value).values():
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in cast("list[Any]", value):
            yield from _leaves(v)
    else:
        yield value


@functools.cache
def _time_zones() -> list[str]:
    try:
        import zoneinfo

        zones = sorted(zoneinfo.available_timezones())
    except Exception:  # no tz database: leave time zones unconstrained
        return []
    return zones if "UTC" in zones else ["UTC", *zones]


class ExtractionSources:
    """What arguments may be copied from: the request, today's date and this turn's tool results."""

    def __init__(self, request: str, today: str | None = None, results: Sequence[str] = ()) -> None:
        self.request = request
        self.today = today
        self.results = list(results)
        decoded: list[Any] = []
        for r in self.results:
            try:
                decoded.append(json.loads(r))
            except ValueError:
                decoded.append(r)
        self.result_leaves = [leaf for d in decoded for leaf in _leaves(d)]

    @classmethod
    def from_messages(cls, messages: Sequence[Message], today: str | None = None) -> ExtractionSources:
        start = max((i for i, m in enumerate(messages) if isinstance(m, UserMessage)), default=-1)
        request = str(messages[start].content) if start >= 0 else ""
        results = [m.content for m in messages[start + 1 :] if isinstance(m, ToolMessage) and not m.is_error]
        return cls(request, today, results)

    def numbers(self, integer: bool) -> list[int | float]:
        found = numbers_in_request(self.request)
        found += [float(v) for v in self.result_leaves if isinstance(v, int | float) and not isinstance(v, bool)]
        out: list[int | float] = []
        for v in found:
            for signed in (v, -v):
                if signed.is_integer():
                    out.append(int(signed))
                elif not integer:
                    out.append(signed)
        return list(dict.fromkeys(out))

    def dates(self) -> list[str]:
        texts = [self.request, *(v for v in self.result_leaves if isinstance(v, str))]
        found = [d for t in texts for d in dates_in(t)]
        if self.today:
            found.append(self.today)
        out: list[str] = []
        times = times_in(self.request)
        for d in found:
            out.append(d)
            day = d[:10]
            out.append(day)
            out += [f"{day}T{t}:00" for t in times]
        return list(dict.fromkeys(out))

    def strings(self) -> list[str]:
        request = self.request
        spans = quoted_spans(request)
        after = re.split(r":\s*", request, maxsplit=1)
        if len(after) == 2 and after[1].strip():
            spans.append(after[1].strip().strip(_TRIM))
        spans.append(request.strip())
        spans += [r for r in self.result_leaves if isinstance(r, str) and r.strip()]
        spans += text_spans(request.splitlines()[0] if request else "")
        return list(dict.fromkeys(s for s in spans if s))[:MAX_CANDIDATES]

    def of_kind(self, kind: str) -> list[str]:
        request = self.request
        if kind == "url":
            return re.findall(r"https?://[^\s'\"<>]+[^\s'\"<>.,;:!?)]", request)
        if kind == "file":
            files = re.findall(r"(?<![\w/.:-])[\w-]+(?:/[\w.-]+)*\.[A-Za-z][A-Za-z0-9]{0,4}(?![\w.])", request)
            words = [w.strip(_TRIM) for w in request.split() if len(w.strip(_TRIM)) > 1]
            return list(dict.fromkeys([*files, *words, "."])) if files or words else []
        if kind == "json":
            return json_documents(request)
        if kind == "csv":
            lines = request.splitlines()
            return ["\n".join(lines[1:]).strip()] if len(lines) > 2 else []
        if kind == "code":
            return code_spans(request)
        return []


def _mentioned(options: Sequence[Any], request: str) -> list[Any]:
    """The enum options the request names (whole words, plural or stem)."""
    words = {w.lower() for w in re.findall(r"[A-Za-z]+", request)}
    stems = {w[:5] for w in words if len(w) >= 5}
    found: list[Any] = []
    for option in options:
        text = str(option).lower()
        if text in words or text + "s" in words or text.rstrip("s") in words or (len(text) >= 5 and text[:5] in stems):
            found.append(option)
    return found


def _narrow_enum(schema: Mapping[str, Any], sources: ExtractionSources) -> dict[str, Any] | None:
    options = cast("list[Any]", schema.get("enum") or [])
    if len(options) < 2 or not all(isinstance(o, str) for o in options):
        return None
    named = _mentioned(options, sources.request)
    if not named and "default" in schema:
        named = [schema["default"]]
    return {**schema, "enum": named} if named and len(named) < len(options) else None


def _narrow(schema: Mapping[str, Any], kind: str, sources: ExtractionSources) -> dict[str, Any] | None:
    """The narrowed schema of one parameter, or None to leave it as it is."""
    default = schema.get("default")
    values: list[Any]
    if "enum" in schema:
        return _narrow_enum(schema, sources)
    if kind == "math":
        if any(isinstance(v, int | float) and not isinstance(v, bool) for v in sources.result_leaves):
            return None  # combines earlier results: written freely
        values = [s for s in sources.strings() if re.search(r"\d|\bpi\b", s)]
    elif kind == "number":
        values = list(sources.numbers(integer=schema.get("type") == "integer"))
    elif kind == "date":
        values = sources.dates()
    elif kind == "timezone":
        values = list(_time_zones())
    elif kind in ("url", "file", "json", "csv", "code"):
        values = sources.of_kind(kind)
    elif kind == "text":
        values = sources.strings()
    else:
        return None
    if not values:
        return None
    if default is not None and default not in values:
        values.append(default)
    narrowed = {k: v for k, v in schema.items() if k not in ("maxLength", "minLength", "pattern", "format")}
    narrowed["enum"] = values
    return narrowed


def extractive_spec(spec: Mapping[str, Any], sources: ExtractionSources) -> dict[str, Any]:
    """A copy of an OpenAI-format tool spec whose parameters only admit values from ``sources``."""
    out = copy.deepcopy(dict(spec))
    fn = cast("dict[str, Any]", out.get("function", out))
    params = cast("dict[str, Any]", fn.get("parameters") or {})
    props = cast("dict[str, Any]", params.get("properties") or {})
    for name, raw in list(props.items()):
        schema = cast("dict[str, Any]", raw)
        if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
            items = cast("dict[str, Any]", schema["items"])
            if parameter_kind(name, items) == "text" and "enum" not in items:
                narrowed_items = _narrow(items, "text", sources)
                if narrowed_items is not None:
                    props[name] = {**schema, "items": narrowed_items}
            continue
        options = schema.get("anyOf")
        if isinstance(options, list) and len(cast("list[Any]", options)) == 2:
            branches = cast("list[dict[str, Any]]", options)
            kept = [b for b in branches if b.get("type") != "null"]
            if len(kept) == 1:  # Optional[X]: narrow X, keep null
                inner = {**kept[0], "description": schema.get("description", "")}
                narrowed = _narrow(inner, parameter_kind(name, inner), sources)
                if narrowed is not None:
                    narrowed.pop("description", None)
                    props[name] = {**schema, "anyOf": [narrowed, {"type": "null"}]}
            continue
        narrowed = _narrow(schema, parameter_kind(name, schema), sources)
        if narrowed is not None:
            props[name] = narrowed
    return out
