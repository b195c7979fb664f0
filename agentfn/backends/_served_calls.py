"""Forced calls on a served model: the tool schema sent is the constraint, and a failed call is retried differently.

An OpenAI-compatible server that constrains calls (vLLM with ``--tool-strict-level parameter``, or
any tool marked ``"strict": true``) builds a forced call's grammar from the ``parameters`` schema of
the tools in the request. So for a *forced* call (``tool_choice`` a tool name, or ``"required"``),
:class:`~agentfn.backends.openai_compat.OpenAIModel` sends each forced tool's parameters
(:func:`forced_call_tools`):

* **narrowed** by :func:`agentfn.backends._extract.extractive_spec` when extraction is on: numbers to the
  numbers the request writes, text to spans of it, dates, enums and zones to those it names...
  (:func:`extraction_applies`: ``None`` is *auto*, on for a call forced by name, the ``follow_route``
  path small models take, on a server other than OpenAI's own API);
* **bounded**: ``maxLength`` on free strings, ``maxItems`` on arrays
  (:func:`agentfn.backends._constrain.bounded_schema`), so greedy decoding cannot repeat inside a
  string or a list until the token limit;
* marked ``"strict": true``, so a server that enforces only strict tools enforces these;
* **compacted** (:mod:`agentfn.backends._compact`): the server renders the schema into the prompt, so a
  narrowed schema keeps at most a few dozen options per parameter and stays within a fixed size of
  the original; past that, or past ``max_request_tokens`` for the whole request, the wider schema
  (the original, bounded) is sent instead: a request that fits without narrowing is never made to overflow.

The server renders the same schemas into the prompt (a request has one schema per tool); only the
forced tools are changed, the other offered tools are sent as they are.

A forced call that did not complete (:func:`call_failure`: cut off by the token limit, the raw
``<tool_call>{...`` left in the text, arguments that are not JSON) is repeated with a *different*
request (:func:`retry_overrides`): sampled with a seed instead of greedy (greedy decoding writes the
same loop again), a repetition penalty (vLLM's ``repetition_penalty``, not sent to OpenAI's API,
which rejects unknown fields), and tighter bounds (:data:`RETRY_MAX_STRING_LENGTH`,
:data:`RETRY_MAX_ITEMS`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, cast
from urllib.parse import urlsplit

from agentfn.backends._compact import compact_parameters, estimate_tokens
from agentfn.backends._constrain import bounded_schema, is_call_forced
from agentfn.backends._decoding import retry_sampling_temperature
from agentfn.backends._extract import ExtractionSources, extractive_spec
from agentfn.messages import Message, ToolCall

__all__ = [
    "DEFAULT_RETRY_REPETITION_PENALTY",
    "RETRY_MAX_ITEMS",
    "RETRY_MAX_STRING_LENGTH",
    "call_failure",
    "extraction_applies",
    "forced_call_tools",
    "is_openai_api",
    "retry_overrides",
]

RETRY_MAX_STRING_LENGTH = 48
"""``maxLength`` of free strings in the schema of a repeated forced call (at most the configured bound)."""
RETRY_MAX_ITEMS = 4
"""``maxItems`` of arrays in the schema of a repeated forced call (at most the configured bound)."""
DEFAULT_RETRY_REPETITION_PENALTY = 1.3
"""vLLM's ``repetition_penalty`` on the first repeat of a failed forced call; each further repeat adds 0.2."""

_RAW_CALL = re.compile(r"<tool_call>|\[TOOL_CALLS\]|<\|python_tag\|>|<function=")


def is_openai_api(base_url: str | None) -> bool:
    """True for OpenAI's own API (no base URL, or an ``openai.com`` host): strict tools there need
    every property required, and unknown request fields are rejected."""
    if not base_url:
        return True
    host = (urlsplit(base_url).hostname or "").lower()
    return host == "openai.com" or host.endswith(".openai.com")


def extraction_applies(setting: bool | None, tool_choice: str, base_url: str | None) -> bool:
    """Whether a request's forced tools are narrowed: ``setting`` when it is a bool; ``None`` (auto) is on
    for a call forced by name on a server other than OpenAI's API."""
    if setting is not None:
        return setting and is_call_forced(tool_choice)
    return tool_choice not in ("auto", "none", "required") and not is_openai_api(base_url)


def _function(spec: Mapping[str, Any]) -> dict[str, Any]:
    fn = spec.get("function")
    return dict(cast("Mapping[str, Any]", fn)) if isinstance(fn, Mapping) else {}


def forced_call_tools(
    tools: Sequence[Mapping[str, Any]],
    tool_choice: str,
    messages: Sequence[Message],
    *,
    extractive: bool,
    max_string_length: int | None,
    max_items: int | None,
    today: str | None = None,
    max_request_tokens: int | None = None,
) -> tuple[list[dict[str, Any]], bool]:
    """The tool specs to send for a forced call, and whether any was changed.

    The forced tools (all for ``required``, the named one otherwise) are narrowed (``extractive``) and
    compacted, bounded (unless both bounds are None) and marked strict; the others are sent unchanged.
    With ``max_request_tokens``, a narrowed tool whose request (messages and tools, :func:`estimate_tokens`)
    would pass it is sent with its original schema (bounded) instead.
    """
    out: list[dict[str, Any]] = []
    changed = False
    bound = max_string_length is not None or max_items is not None
    if not is_call_forced(tool_choice) or not (extractive or bound):
        return [dict(t) for t in tools], False
    day = today or dt.date.today().isoformat()
    sources: ExtractionSources | None = None
    wide: list[dict[str, Any]] = []
    for spec in tools:
        fn = _function(spec)
        if tool_choice != "required" and fn.get("name") != tool_choice:
            out.append(dict(spec))
            wide.append(dict(spec))
            continue
        original: Any = fn.get("parameters") or {"type": "object", "properties": {}}
        params = original
        if extractive:  # a retry of a failed call avoids its values
            sources = ExtractionSources.from_messages(messages, day, str(fn.get("name", "")))
            narrowed: Any = _function(extractive_spec(dict(spec), sources)).get("parameters") or original
            params, _ = compact_parameters(narrowed, original, sources.request)
        if bound:
            params = bounded_schema(params, max_string_length=max_string_length, max_items=max_items)
            original = bounded_schema(original, max_string_length=max_string_length, max_items=max_items)
        new_fn = {**fn, "parameters": params, "strict": True}
        if new_fn != _function(spec):
            changed = True
        out.append({**spec, "function": new_fn})
        wide.append({**spec, "function": {**fn, "parameters": original, "strict": True}})
    if max_request_tokens is not None and sources is not None and out != wide:
        sent = [m.model_dump(mode="json") for m in messages]
        if estimate_tokens([sent, out]) > max_request_tokens:
            out = wide  # the narrowed request would not fit: the wider schema
            changed = any(w != dict(t) for w, t in zip(wide, tools, strict=True))
    return out, changed


def _arguments_complete(arguments: str) -> bool:
    if not arguments.strip():
        return True
    try:
        value: Any = json.loads(arguments, strict=False)
    except ValueError:
        return False
    return isinstance(value, dict)


def call_failure(
    tool_choice: str, content: str | None, calls: Sequence[ToolCall], finish_reason: str | None
) -> str | None:
    """Why a forced call did not complete, or None when it did (or no call was forced).

    A forced call failed when it was cut off by the token limit, when the server left raw call markup
    in the text without a parsed call, or when its arguments are not a JSON object.
    """
    if not is_call_forced(tool_choice):
        return None
    if not calls:
        if finish_reason == "length":
            return "the call was cut off by the token limit"
        if content and _RAW_CALL.search(content):
            return "the raw call was left in the text, unparsed"
        return None
    if any(not _arguments_complete(c.arguments) for c in calls):
        if finish_reason == "length":
            return "the call's arguments were cut off by the token limit"
        return "the call's arguments are not a JSON object"
    return None


def retry_overrides(
    attempt: int,
    *,
    temperature: float | None,
    seed: int | None,
    repetition_penalty: float | None,
    base_url: str | None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Request fields and ``extra_body`` fields of the ``attempt``-th repeat (1, 2...) of a failed forced call.

    A greedy request is sampled (rising temperature, a seed that changes with the attempt); a
    repetition penalty is added where the server is not OpenAI's API.
    """
    fields: dict[str, Any] = {"seed": (seed or 0) + attempt}
    if not temperature:
        fields["temperature"] = retry_sampling_temperature(attempt)
    extra: dict[str, Any] = {}
    if repetition_penalty is not None and not is_openai_api(base_url):
        extra["repetition_penalty"] = round(repetition_penalty + 0.2 * (attempt - 1), 3)
    return fields, extra
