"""Reading ``{"name": ..., "arguments": ...}`` call objects out of JSON scans.

Shared by every JSON-based format. Rules: the first ``name`` member must be a
non-empty string; the first ``arguments`` or ``parameters`` member holds the
arguments (first wins, so provisional streaming and the final result agree);
``null`` or absent arguments are ``{}``; a string that holds a JSON object is
decoded once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from agentfn.parsers._json import OK, WS_RE, JsonScan, Member, normalize_json_text, run_end, scan_complete

__all__ = [
    "LENIENT",
    "STRICT",
    "CallRules",
    "array_elements",
    "call_from_scan",
    "partial_call",
    "partial_value",
    "value_arguments",
]

ARG_KEYS = ("arguments", "parameters")


@dataclass(frozen=True)
class CallRules:
    """How strict a format is about the shape of a call object.

    Attributes:
        require_arguments: an object without ``arguments``/``parameters`` is not a call.
        object_arguments: the arguments must be a JSON object (or a string holding one).
        allowed_keys: when set, any other key makes the object not a call.
        nested_function: also accept OpenAI's ``{"type": "function", "function": {...}}`` shape.
    """

    require_arguments: bool = False
    object_arguments: bool = False
    allowed_keys: frozenset[str] | None = None
    nested_function: bool = False


LENIENT = CallRules()
STRICT = CallRules(
    require_arguments=True,
    object_arguments=True,
    allowed_keys=frozenset({"name", "arguments", "parameters", "type", "id"}),
)


def _arguments_text(scan: JsonScan, member: Member) -> str:
    text = scan.normalized(member.norm_start, member.norm_end)
    if member.first_char == '"' and isinstance(member.decoded, str):
        inner = normalize_json_text(member.decoded)
        if inner is not None and inner.startswith("{"):
            return inner
    return "{}" if text == "null" else text


def call_from_scan(scan: JsonScan, rules: CallRules = LENIENT) -> tuple[str, str] | None:
    """``(name, arguments)`` when the scanned value is a call object under ``rules``, else None."""
    if scan.status != OK or scan.top_kind != "{":
        return None
    if rules.nested_function:
        fn = scan.member("function")
        if fn is not None and fn.first_char == "{" and scan.member("name") is None:
            if rules.allowed_keys is not None and any(
                m.key not in ("type", "id", "function") for m in scan.members
            ):
                return None
            inner = scan_complete(scan.normalized(fn.norm_start, fn.norm_end))
            return call_from_scan(
                inner, CallRules(rules.require_arguments, rules.object_arguments, rules.allowed_keys)
            )
    name = scan.member("name")
    if (
        name is None
        or name.first_char != '"'
        or not isinstance(name.decoded, str)
        or not name.decoded.strip()
    ):
        return None
    if rules.allowed_keys is not None and any(m.key not in rules.allowed_keys for m in scan.members):
        return None
    args = scan.member(*ARG_KEYS)
    if args is None:
        return None if rules.require_arguments else (name.decoded, "{}")
    text = _arguments_text(scan, args)
    if rules.object_arguments and not text.startswith("{"):
        return None
    return name.decoded, text


def partial_call(scan: JsonScan, text: str) -> tuple[str, str | Callable[[int], str]] | None:
    """Name and arguments (text, or a function giving the text from an offset) of a call still being written."""
    name = scan.member("name")
    if (
        name is None
        or name.first_char != '"'
        or not isinstance(name.decoded, str)
        or not name.decoded.strip()
    ):
        return None
    args = scan.member(*ARG_KEYS)
    if args is not None:
        return name.decoded, _arguments_text(scan, args)
    open_member = scan.open_member
    # Only an object or array streams: a string may be decoded once, and a bare `null` becomes "{}".
    if open_member is None or open_member.key not in ARG_KEYS or open_member.first_char not in ("{", "["):
        return name.decoded, ""
    norm_start = open_member.norm_start
    return name.decoded, lambda offset: scan.tail(text, norm_start + offset)


def array_elements(text: str, scan: JsonScan) -> list[JsonScan] | None:
    """Scans of each element of a complete JSON array (None when the value is not an array)."""
    if scan.status != OK or scan.top_kind != "[":
        return None
    region = text[: scan.end]
    out: list[JsonScan] = []
    pos = run_end(WS_RE, region, scan.start + 1)
    if region[pos] == "]":
        return out
    while True:
        element = scan_complete(region, pos)
        if element.status != OK:  # cannot happen for a valid array; stay safe
            return None
        out.append(element)
        pos = run_end(WS_RE, region, element.end)
        if region[pos] == "]":
            return out
        pos = run_end(WS_RE, region, pos + 1)


def value_arguments(scan: JsonScan) -> str | None:
    """Arguments text of a whole scanned value: an object, or a string that holds one."""
    if scan.status != OK:
        return None
    text = scan.normalized()
    if scan.top_kind == "{":
        return text
    if scan.top_kind == '"':
        inner = normalize_json_text(json.loads(text))
        if inner is not None and inner.startswith("{"):
            return inner
    return None


def partial_value(scan: JsonScan, text: str) -> str | Callable[[int], str]:
    """A certain prefix of :func:`value_arguments` while the value is still being written."""
    if scan.top_kind != "{":
        return ""
    return lambda offset: scan.tail(text, offset)
