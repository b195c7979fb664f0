"""Evaluation cases of expected tool calls, and how a run's calls are scored.

A case is one conversation and the calls it should produce::

    {"id": "weather-1",
     "messages": [{"role": "user", "content": "Is it raining in Paris?"}],   # or "prompt": "..."
     "expected": [{"name": "get_weather", "arguments": {"city": ["Paris", "Paris, France"], "unit": ["celsius", ""]}}],
     "order": "any"}                                                           # or "strict"

or several turns, each with the calls it should produce (``messages`` then is a preamble)::

    {"id": "trip", "order": "strict", "turns": [
      {"user": "What is the airport code of Paris?",
       "expected": [{"name": "airport_code", "arguments": {"city": ["Paris"]}, "result": {"code": "CDG"}}]},
      {"user": "Find me a flight from there to Rome on May 3.",
       "expected": [{"name": "search_flights", "arguments": {"origin": ["CDG"], "destination": ["FCO"]}}]}]}

``expected: []`` means no call should be made. Each argument lists its
acceptable values; ``""`` among them means the argument may be left out.
Strings compare case- and whitespace-insensitively, numbers numerically.
A turn passes when its calls' names and arguments all match (as a multiset
when ``order`` is ``any``); a run passes when every turn does. ``result`` on an
expected call is what the tool returns when the model calls it (instead of
running the tool). ``"draft": true`` marks a case that is not reviewed yet
(``agentfn eval generate`` writes drafts); drafts are skipped and counted.
How cases are run: :mod:`agentfn.evals.calls_run`.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any, Literal, cast

from pydantic import BaseModel, Field, model_validator

from agentfn.exceptions import ToolArgumentError
from agentfn.messages import Message, ToolCall, Usage, UserMessage, messages_from_openai
from agentfn.toolset import Toolset

__all__ = [
    "CallCase",
    "CaseResult",
    "EvalReport",
    "ExpectedCall",
    "RunScore",
    "Turn",
    "TurnScore",
    "check_calls",
    "load_cases",
    "match_arguments",
    "score_calls",
]


class ExpectedCall(BaseModel):
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict[str, Any])
    result: Any = None
    """What the tool returns when the model calls it during the eval; unset: the tool runs."""

    @property
    def has_result(self) -> bool:
        return "result" in self.model_fields_set


class Turn(BaseModel):
    """One user turn of a multi-turn case and the calls it should produce."""

    user: str | None = None
    messages: list[dict[str, Any]] = Field(default_factory=list[dict[str, Any]])
    """OpenAI-format messages of this turn (before ``user``), e.g. a tool result the user pastes."""
    expected: list[ExpectedCall]
    order: Literal["any", "strict"] | None = None
    """Default: the case's ``order``."""

    def conversation(self) -> list[Message]:
        msgs = messages_from_openai(self.messages) if self.messages else []
        if self.user:
            msgs.append(UserMessage(content=self.user))
        return msgs


class CallCase(BaseModel):
    id: str
    messages: list[dict[str, Any]] = Field(default_factory=list[dict[str, Any]])
    prompt: str | None = None
    expected: list[ExpectedCall] | None = None
    turns: list[Turn] | None = None
    """Several user turns, each with its expected calls (then ``messages`` is a preamble)."""
    order: Literal["any", "strict"] = "any"
    tools: list[str] | None = None
    """Offer only these tools (default: all)."""
    draft: bool = False
    """Not reviewed yet: skipped (and counted) unless drafts are included."""

    @model_validator(mode="after")
    def _shape(self) -> CallCase:
        if self.turns is None:
            if self.expected is None:
                raise ValueError("a case needs 'expected' (or 'turns')")
            if not self.messages and not self.prompt:
                raise ValueError("a case needs 'messages' or 'prompt'")
        elif self.expected is not None or self.prompt is not None:
            raise ValueError("a case with 'turns' puts 'expected' and the user's words in each turn")
        elif not self.turns or any(not t.user and not t.messages for t in self.turns):
            raise ValueError("every turn needs 'user' or 'messages'")
        return self

    def conversation(self) -> list[Message]:
        """The single-turn conversation (or the preamble of a multi-turn case)."""
        msgs = messages_from_openai(self.messages) if self.messages else []
        if self.prompt:
            msgs.append(UserMessage(content=self.prompt))
        return msgs

    def turn_list(self) -> tuple[list[Message], list[Turn]]:
        """(preamble, turns): a single-turn case is one turn holding its whole conversation."""
        if self.turns is not None:
            return (messages_from_openai(self.messages) if self.messages else []), list(self.turns)
        return [], [Turn(messages=self.messages, user=self.prompt, expected=self.expected or [], order=self.order)]


class TurnScore(BaseModel):
    passed: bool
    name_match: bool
    calls: list[dict[str, Any]]
    problems: list[str]


class RunScore(BaseModel):
    passed: bool
    name_match: bool
    calls: list[dict[str, Any]]
    problems: list[str]
    latency_s: float
    """Wall time of the whole run (every turn, tool calls included)."""
    usage: Usage = Field(default_factory=Usage)
    turns: list[TurnScore] = Field(default_factory=list[TurnScore])


class CaseResult(BaseModel):
    id: str
    runs: list[RunScore]
    latency_s: float = 0.0
    """Mean wall time of a run."""
    input_tokens: float = 0.0
    """Mean input tokens of a run."""
    output_tokens: float = 0.0

    @property
    def pass_rate(self) -> float:
        return sum(r.passed for r in self.runs) / len(self.runs)

    @property
    def pass_all(self) -> bool:
        return all(r.passed for r in self.runs)


class EvalReport(BaseModel):
    model: str
    k: int
    cases: list[CaseResult]
    metrics: dict[str, float]
    settings: dict[str, Any] = Field(default_factory=dict[str, Any])
    """How the cases ran: router, tool choice, follow_route, concurrency."""


def load_cases(path: str | Path) -> tuple[list[CallCase], list[str]]:
    """Read cases from JSONL; bad lines are reported (``path:line: why``) and skipped."""
    cases: list[CallCase] = []
    errors: list[str] = []
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            data.setdefault("id", f"line-{lineno}")
            cases.append(CallCase.model_validate(data))
        except ValueError as exc:
            errors.append(f"{path}:{lineno}: {_first_error(exc)}")
    return cases, errors


_SPACE = re.compile(r"\s+")


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        return _SPACE.sub(" ", value.strip().casefold()).strip(" .!?,;:")
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in cast(dict[str, Any], value).items()}
    if isinstance(value, list | tuple):
        return [_norm(v) for v in cast(list[Any], value)]
    return value


def _acceptable(spec: Any) -> list[Any]:
    return list(cast(list[Any], spec)) if isinstance(spec, list) else [spec]


def match_arguments(expected: dict[str, Any], actual: dict[str, Any], defaults: dict[str, Any]) -> list[str]:
    """Problems with ``actual`` against the acceptable values; empty when it matches."""
    problems: list[str] = []
    for key, spec in expected.items():
        options = _acceptable(spec)
        if key not in actual:
            if "" not in options and None not in options:
                problems.append(f"missing argument {key!r}")
            continue
        accepted = [_norm(o) for o in options if o != ""]
        spelled_default = actual[key] == defaults.get(key, object()) and "" in options
        if _norm(actual[key]) not in accepted and not spelled_default:
            problems.append(f"{key}={actual[key]!r} not in {options!r}")
    for key, value in actual.items():
        if key not in expected and (key not in defaults or _norm(defaults[key]) != _norm(value)):
            problems.append(f"unexpected argument {key}={value!r}")
    return problems


def _defaults(toolset: Toolset, name: str) -> dict[str, Any]:
    tool = toolset.get(name)
    if tool is None:
        return {}
    props: dict[str, Any] = tool.parameters.get("properties", {})
    return {k: v["default"] for k, v in props.items() if isinstance(v, dict) and "default" in v}


def score_calls(
    expected: list[ExpectedCall], order: Literal["any", "strict"], calls: list[tuple[str, dict[str, Any] | None, str]],
    toolset: Toolset,
) -> tuple[bool, bool, list[str]]:
    """(passed, names matched, problems) for one turn's calls [(name, validated args or None, error)]."""
    if not expected:
        return (not calls, not calls, [f"unexpected call {n}" for n, _, _ in calls])
    want = [toolset.resolve(e.name) or e.name for e in expected]
    got = [n for n, _, _ in calls]
    names_ok = sorted(want) == sorted(got) if order == "any" else want == got
    if not names_ok:
        return False, False, [f"expected calls {want}, got {got}"]
    invalid = [f"{n}: {err}" for n, args, err in calls if args is None]
    if invalid:
        return False, True, invalid
    orders = itertools.permutations(range(len(calls))) if order == "any" and len(calls) <= 6 else [tuple(range(len(calls)))]
    best: list[str] | None = None
    for perm in orders:
        problems: list[str] = []
        for exp, wanted, idx in zip(expected, want, perm, strict=True):
            name, args, _ = calls[idx]
            if name != wanted:
                problems.append(f"call {idx} is {name}, expected {exp.name}")
                continue
            problems += [f"{name}: {p}" for p in match_arguments(exp.arguments, args or {}, _defaults(toolset, name))]
        if not problems:
            return True, True, []
        if best is None or len(problems) < len(best):
            best = problems
    return False, True, best or []


def check_calls(calls: list[ToolCall], toolset: Toolset) -> tuple[list[tuple[str, dict[str, Any] | None, str]], list[dict[str, Any]]]:
    """Validate calls the way the agent would: ([(name, arguments or None, error)], calls to show)."""
    from pydantic_core import to_jsonable_python

    checked: list[tuple[str, dict[str, Any] | None, str]] = []
    shown: list[dict[str, Any]] = []
    for c in calls:
        tool = toolset.get(c.name)
        args: dict[str, Any] | None = None
        error = "unknown tool"
        if tool is not None:
            try:
                args = cast(dict[str, Any], to_jsonable_python(tool.validate(c.arguments), fallback=repr))
                error = ""
            except ToolArgumentError as exc:
                error = str(exc).replace("\n", " ")
        checked.append((c.name, args, error))
        shown.append({"name": c.name, "arguments": args if args is not None else c.arguments})
    return checked, shown


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        items = cast(list[dict[str, Any]], errors())
        if items:
            where = ".".join(str(p) for p in items[0].get("loc", ()))
            msg = str(items[0].get("msg", "")).removeprefix("Value error, ")
            return f"{where}: {msg}" if where else msg
    return str(exc).splitlines()[0]
