"""Serving conformance probe: what does this OpenAI-compatible server get right?

Servers differ in how well they turn a model's output into ``tool_calls``: a
parser that does not match the model's format leaves calls in the text,
parallel calls get dropped, streamed arguments arrive broken, calls vanish
into reasoning blocks, structured output is ignored. :func:`probe` sends a
small fixed battery over plain HTTP (so nothing is repaired on the way),
records what the server did natively and what client-side handling recovers,
and recommends settings for :class:`~agentfn.backends.openai_compat.OpenAIModel`
and :class:`~agentfn.Agent`. Reports are cached per server and model.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import httpx
import jsonschema
from pydantic import BaseModel, Field

from agentfn.exceptions import ModelUnavailableError
from agentfn.parsers import available_parsers, get_parser

__all__ = ["CheckResult", "ProbeReport", "Recommendation", "probe", "probe_cached"]

CheckStatus = Literal["native", "recovered", "failed", "error"]

_WEATHER: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name", "maxLength": 40},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}
_TIME: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_time",
        "description": "Current local time in an IANA time zone.",
        "parameters": {
            "type": "object",
            "properties": {"timezone": {"type": "string", "description": "e.g. Europe/Paris", "maxLength": 40}},
            "required": ["timezone"],
            "additionalProperties": False,
        },
    },
}
_EVENT: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "create_event",
        "description": "Create a calendar event with attendees.",
        "parameters": {
            "type": "object",
            "properties": {
                "title": {"type": "string", "maxLength": 60},
                "when": {
                    "type": "object",
                    "properties": {
                        "date": {"type": "string", "description": "YYYY-MM-DD", "maxLength": 10},
                        "time": {"type": "string", "description": "HH:MM", "maxLength": 5},
                    },
                    "required": ["date", "time"],
                    "additionalProperties": False,
                },
                "attendees": {
                    "type": "array",
                    "maxItems": 4,
                    "items": {
                        "type": "object",
                        "properties": {"name": {"type": "string", "maxLength": 30}},
                        "required": ["name"],
                        "additionalProperties": False,
                    },
                },
            },
            "required": ["title", "when", "attendees"],
            "additionalProperties": False,
        },
    },
}
_TOOLS: list[dict[str, Any]] = [_WEATHER, _TIME, _EVENT]
_SCHEMAS: dict[str, dict[str, Any]] = {t["function"]["name"]: t["function"]["parameters"] for t in _TOOLS}
_ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"city": {"type": "string", "maxLength": 40}, "country": {"type": "string", "maxLength": 40}},
    "required": ["city", "country"],
    "additionalProperties": False,
}


class CheckResult(BaseModel):
    """One probe check: what the server returned and whether we could use it."""

    name: str
    status: CheckStatus
    detail: str = ""
    calls: int = 0
    recovered_with: str | None = None
    """The client-side parser that found the calls the server left in text."""
    latency_s: float = 0.0


class Recommendation(BaseModel):
    """Client-side handling that makes the failing checks work."""

    parser: str | None = None
    """Parse calls out of text with this parser (None: the server's parsing is fine)."""
    force_constrained: bool = False
    """Calls only come out reliably when forced (tool_choice required/named, constrained)."""
    split_parallel: bool = False
    """The server drops parallel calls: ask for one call per step (parallel_tool_calls=False)."""
    structured_outputs: Literal["response_format", "structured_outputs"] | None = "response_format"
    streaming: bool = True

    def model_options(self) -> dict[str, Any]:
        """Keyword arguments for ``OpenAIModel``."""
        options: dict[str, Any] = {"parser": self.parser or "auto"}
        if self.structured_outputs is not None:
            options["structured_outputs"] = self.structured_outputs
        if self.force_constrained:
            options["strict_tools"] = True
        return options

    def agent_options(self) -> dict[str, Any]:
        """Keyword arguments for ``Agent``."""
        return {"parallel_tool_calls": not self.split_parallel}


class ProbeReport(BaseModel):
    base_url: str
    model: str
    time: float = Field(default_factory=time.time)
    checks: list[CheckResult]
    recommendation: Recommendation

    def passed(self) -> int:
        return sum(c.status in ("native", "recovered") for c in self.checks)


def _valid(name: str, arguments: Any) -> str | None:
    """None when ``arguments`` fit the tool's schema, else the reason."""
    if name not in _SCHEMAS:
        return f"unknown tool {name!r}"
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except ValueError as exc:
            return f"arguments are not JSON ({exc})"
    try:
        jsonschema.validate(arguments, _SCHEMAS[name])
    except jsonschema.ValidationError as exc:
        return f"arguments do not fit the schema: {exc.message}"
    return None


def _recover(text: str) -> tuple[str, list[tuple[str, str]]] | None:
    """Find calls left in text with our parsers: (parser name, [(name, arguments)])."""
    for parser_name in available_parsers():
        result = get_parser(parser_name).parse(text)
        if result.tool_calls:
            return parser_name, [(c.name, c.arguments) for c in result.tool_calls]
    return None


class _Client:
    def __init__(self, base_url: str, model: str | None, api_key: str | None, timeout: float,
                 transport: httpx.BaseTransport | None) -> None:
        url = base_url.rstrip("/")
        self.base_url = url if url.endswith("/v1") else url + "/v1"
        headers = {"Authorization": f"Bearer {api_key or os.environ.get('OPENAI_API_KEY') or 'EMPTY'}"}
        self.http = httpx.Client(timeout=timeout, headers=headers, transport=transport)
        self.model = model or self._first_model()

    def _first_model(self) -> str:
        try:
            data = self.http.get(f"{self.base_url}/models").json()
            return str(data["data"][0]["id"])
        except (httpx.HTTPError, KeyError, IndexError, ValueError) as exc:
            raise ModelUnavailableError(f"cannot list models at {self.base_url}: {exc}") from exc

    def chat(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self.http.post(f"{self.base_url}/chat/completions", json={"model": self.model, "temperature": 0, **body})
        if response.status_code >= 400:
            raise RuntimeError(f"HTTP {response.status_code}: {response.text[:300]}")
        return response.json()

    def chat_stream(self, body: dict[str, Any]) -> dict[str, Any]:
        """Assemble a streamed reply into one message (content, reasoning, tool_calls)."""
        content: list[str] = []
        reasoning: list[str] = []
        calls: dict[int, dict[str, str]] = {}
        payload = {"model": self.model, "stream": True, "temperature": 0, **body}
        with self.http.stream("POST", f"{self.base_url}/chat/completions", json=payload) as response:
            if response.status_code >= 400:
                raise RuntimeError(f"HTTP {response.status_code}: {response.read()[:300]!r}")
            for line in response.iter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                chunk: dict[str, Any] = json.loads(data)
                choices: list[dict[str, Any]] = chunk.get("choices") or []
                for choice in choices:
                    delta: dict[str, Any] = choice.get("delta") or {}
                    content.append(str(delta.get("content") or ""))
                    reasoning.append(str(delta.get("reasoning_content") or delta.get("reasoning") or ""))
                    tool_deltas: list[dict[str, Any]] = delta.get("tool_calls") or []
                    for tc in tool_deltas:
                        slot = calls.setdefault(int(tc.get("index", 0)), {"name": "", "arguments": ""})
                        fn: dict[str, Any] = tc.get("function") or {}
                        slot["name"] += str(fn.get("name") or "")
                        slot["arguments"] += str(fn.get("arguments") or "")
        message = {
            "content": "".join(content) or None,
            "reasoning_content": "".join(reasoning) or None,
            "tool_calls": [{"function": calls[i]} for i in sorted(calls)],
        }
        return {"choices": [{"message": message}]}


def _message(reply: dict[str, Any]) -> dict[str, Any]:
    choices: list[dict[str, Any]] = reply.get("choices") or [{}]
    message: dict[str, Any] = choices[0].get("message") or {}
    return message


def _judge_calls(reply: dict[str, Any], expect_name: str | None, min_calls: int = 1) -> CheckResult:
    message = _message(reply)
    raw_calls: list[dict[str, Any]] = message.get("tool_calls") or []
    native: list[tuple[str, str]] = [
        (str(c["function"]["name"]), str(c["function"].get("arguments", "{}"))) for c in raw_calls
    ]
    problems = [p for name, args in native if (p := _valid(name, args))]
    named_ok = expect_name is None or any(n == expect_name for n, _ in native)
    if native and not problems and named_ok and len(native) >= min_calls:
        return CheckResult(name="", status="native", calls=len(native))
    text = "\n".join(t for t in (message.get("reasoning_content") or message.get("reasoning"), message.get("content")) if t)
    found = _recover(text) if text else None
    if found is not None:
        parser_name, recovered = found
        bad = [p for name, args in recovered if (p := _valid(name, args))]
        if not bad and len(recovered) >= min_calls and (expect_name is None or any(n == expect_name for n, _ in recovered)):
            return CheckResult(name="", status="recovered", calls=len(recovered), recovered_with=parser_name,
                               detail=f"calls left in text; the {parser_name} parser recovers them")
    if native and len(native) < min_calls and not problems:
        return CheckResult(name="", status="failed", calls=len(native), detail=f"{len(native)} of {min_calls} calls returned")
    detail = "; ".join(problems) or ("no tool call" if not native else f"expected {expect_name}")
    return CheckResult(name="", status="failed", calls=len(native), detail=detail)


def _battery() -> list[tuple[str, Callable[[_Client], CheckResult]]]:
    def user(text: str) -> list[dict[str, Any]]:
        return [{"role": "user", "content": text}]

    def single(c: _Client) -> CheckResult:
        body = {"messages": user("What is the weather in Paris right now?"), "tools": _TOOLS, "tool_choice": "auto", "max_tokens": 200}
        return _judge_calls(c.chat(body), "get_weather")

    def parallel(c: _Client) -> CheckResult:
        body = {"messages": user("Get the weather in Paris and, separately, the weather in Tokyo: two get_weather calls."),
                "tools": _TOOLS, "tool_choice": "required", "parallel_tool_calls": True, "max_tokens": 300}
        return _judge_calls(c.chat(body), "get_weather", min_calls=2)

    def nested(c: _Client) -> CheckResult:
        body = {"messages": user("Create an event 'Sync' on 2025-03-01 at 10:00 with Ann and Bob."),
                "tools": _TOOLS, "tool_choice": {"type": "function", "function": {"name": "create_event"}}, "max_tokens": 300}
        return _judge_calls(c.chat(body), "create_event")

    def streaming(c: _Client) -> CheckResult:
        body = {"messages": user("What time is it in Tokyo?"), "tools": _TOOLS,
                "tool_choice": {"type": "function", "function": {"name": "get_time"}}, "max_tokens": 200}
        return _judge_calls(c.chat_stream(body), "get_time")

    def after_reasoning(c: _Client) -> CheckResult:
        messages = [
            {"role": "system", "content": "First think step by step inside <think></think>, then call a tool."},
            {"role": "user", "content": "Which tool tells me the weather in Oslo? Use it."},
        ]
        return _judge_calls(c.chat({"messages": messages, "tools": _TOOLS, "tool_choice": "auto", "max_tokens": 300}), "get_weather")

    def required(c: _Client) -> CheckResult:
        body = {"messages": user("Weather in Rome please."), "tools": _TOOLS, "tool_choice": "required", "max_tokens": 200}
        return _judge_calls(c.chat(body), None)

    def named(c: _Client) -> CheckResult:
        body = {"messages": user("What time is it in Berlin?"), "tools": _TOOLS,
                "tool_choice": {"type": "function", "function": {"name": "get_time"}}, "max_tokens": 200}
        return _judge_calls(c.chat(body), "get_time")

    def structured(c: _Client) -> CheckResult:
        msgs = user("Name a city in Japan and its country as JSON.")
        attempts: list[tuple[str, dict[str, Any]]] = [
            ("response_format", {"response_format": {"type": "json_schema", "json_schema": {"name": "answer", "schema": _ANSWER_SCHEMA, "strict": True}}}),
            ("structured_outputs", {"structured_outputs": {"json": _ANSWER_SCHEMA}}),
        ]
        failures: list[str] = []
        http_errors = 0
        for mode, extra in attempts:
            try:
                text = _message(c.chat({"messages": msgs, "max_tokens": 100, **extra})).get("content") or ""
                jsonschema.validate(json.loads(text), _ANSWER_SCHEMA)
            except (ValueError, jsonschema.ValidationError, RuntimeError) as exc:
                http_errors += isinstance(exc, RuntimeError)
                failures.append(f"{mode}: {str(exc).splitlines()[0][:80]}")
                continue
            return CheckResult(name="", status="native" if mode == "response_format" else "recovered",
                               recovered_with=None if mode == "response_format" else mode, detail=f"works via {mode}")
        status: CheckStatus = "error" if http_errors == len(attempts) else "failed"
        return CheckResult(name="", status=status, detail="; ".join(failures))

    return [
        ("single_call", single), ("parallel_calls", parallel), ("nested_arguments", nested),
        ("streaming_call", streaming), ("call_after_reasoning", after_reasoning),
        ("tool_choice_required", required), ("tool_choice_named", named), ("structured_output", structured),
    ]


def _recommend(checks: Sequence[CheckResult]) -> Recommendation:
    by = {c.name: c for c in checks}
    parsers = [c.recovered_with for c in checks if c.status == "recovered" and c.name != "structured_output" and c.recovered_with]
    rec = Recommendation(parser=max(set(parsers), key=parsers.count) if parsers else None)
    single_ok = by["single_call"].status in ("native", "recovered")
    forced_ok = by["tool_choice_required"].status in ("native", "recovered")
    rec.force_constrained = not single_ok and forced_ok
    rec.split_parallel = by["parallel_calls"].status == "failed" and (single_ok or forced_ok)
    so = by["structured_output"]
    rec.structured_outputs = None if so.status in ("failed", "error") else ("structured_outputs" if so.recovered_with else "response_format")
    rec.streaming = by["streaming_call"].status in ("native", "recovered")
    return rec


def probe(
    base_url: str,
    model: str | None = None,
    *,
    api_key: str | None = None,
    timeout: float = 120.0,
    transport: httpx.BaseTransport | None = None,
) -> ProbeReport:
    """Run the battery against a server and recommend client-side handling.

    Raises:
        ModelUnavailableError: the server cannot be reached at all.
    """
    client = _Client(base_url, model, api_key, timeout, transport)
    checks: list[CheckResult] = []
    try:
        for name, check in _battery():
            t0 = time.perf_counter()
            try:
                result = check(client)
            except httpx.TransportError as exc:
                raise ModelUnavailableError(f"{client.base_url}: {exc}") from exc
            except (RuntimeError, ValueError, KeyError, TypeError, httpx.HTTPError) as exc:
                result = CheckResult(name=name, status="error", detail=f"{type(exc).__name__}: {exc}"[:300])
            result.name = name
            result.latency_s = time.perf_counter() - t0
            checks.append(result)
    finally:
        client.http.close()
    return ProbeReport(base_url=client.base_url, model=client.model, checks=checks, recommendation=_recommend(checks))


def _cache_path() -> Path:
    home = Path(os.environ.get("AGENTFN_HOME", Path.home() / ".agentfn"))
    return home / "probe_cache.json"


def probe_cached(base_url: str, model: str | None = None, *, max_age_s: float = 7 * 24 * 3600,
                 refresh: bool = False, **kwargs: Any) -> ProbeReport:
    """:func:`probe`, with reports cached per server and model in ``$AGENTFN_HOME/probe_cache.json``."""
    path = _cache_path()
    cache: dict[str, Any] = {}
    if path.exists():
        try:
            cache = json.loads(path.read_text())
        except ValueError:
            cache = {}
    key = f"{base_url.rstrip('/')}|{model or ''}"
    entry = cache.get(key)
    if entry and not refresh and time.time() - float(entry.get("time", 0)) < max_age_s:
        return ProbeReport.model_validate(entry)
    report = probe(base_url, model, **kwargs)
    cache[key] = report.model_dump(mode="json")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(cache, indent=1))
    tmp.replace(path)
    return report
