"""Answers a person can read: chat markup never reaches the user, and small models answer from tool results.

Three uses:

* :func:`readable_answer` cleans any model's final text: ``<tool_call>``/``<tool_response>``
  tags and special tokens (``<|im_end|>``...) are removed, and a text that only echoes a tool's
  output (what a 135M model's final turn mostly is) is replaced by :func:`grounded_answer`.
* :func:`grounded_answer` writes the answer from the tool results of the current turn: the last
  successful result, rendered by the answer template of its tool (``prompts/answers/<tool>.jinja``,
  given ``result``, the call's ``args`` and the user's ``question``) or, for tools without a
  template, generically (text as is, numbers and records as short readable lines). Backends
  whose model is too small to phrase an answer (``answer_mode="grounded"``) use it instead of
  generating the final turn.
* :func:`failure_answer` says plainly what failed when a run ended without an answer (a tool
  that kept failing, a step limit): what ``agentfn run`` prints instead of nothing.

Templates render in a sandbox with filters ``num`` (a number with at most five significant
decimals, no float noise), ``when`` (an ISO date-time as ``YYYY-MM-DD HH:MM (UTC+hh:mm)``),
``weekday``, ``bare`` (a phrase without its question framing: "What is 2 + 2?" -> "2 + 2"), ``shown``
(``bare``, or empty for a sentence around its numbers: a word problem's answer is its result) and
``counted`` (the letters a question asks to count: :func:`agentfn._counted.asked_letters`).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from datetime import datetime
from importlib import resources
from typing import Any, cast

import jinja2
import jinja2.sandbox

from agentfn._bare_input import CHAT_TAGS
from agentfn._counted import asked_letters
from agentfn._executor import RETRY_HINT
from agentfn._values import spell_out_numbers
from agentfn.messages import AssistantMessage, Message, ToolCall, ToolMessage, UserMessage

__all__ = [
    "echoes_tool_output", "failure_answer", "format_number", "grounded_answer", "readable_answer", "render_result",
    "strip_markup",
]

_BLOCKS = re.compile(r"<tool_call>.*?(?:</tool_call>|$)", re.S)
_MAX_CHARS = 4_000


def strip_markup(text: str) -> str:
    """``text`` without tool-call blocks, tool-response tags and special tokens."""
    return CHAT_TAGS.sub("", _BLOCKS.sub("", text)).strip()


def format_number(value: Any) -> str:
    """A number for people: integers as such, others with at most five significant decimals."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int) or (value.is_integer() and abs(value) < 1e15):
        return str(int(value))
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    if abs(value) < 1:
        return f"{value:.4g}"
    digits = len(str(int(abs(value))))
    return f"{value:.{max(2, 5 - digits)}f}".rstrip("0").rstrip(".")


def _format_when(value: Any) -> str:
    """Raises ValueError for a value that is no ISO date (the template then does not fit)."""
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if len(str(value).strip()) == 10:
        return f"{moment.date().isoformat()} ({moment.strftime('%A')})"
    text = f"{moment.date().isoformat()} {moment.strftime('%H:%M')}"
    offset = moment.strftime("%z")
    if offset:
        text += f" (UTC{offset[:3]}:{offset[3:]})"
    return text


_QUESTION = re.compile(
    r"\b(?:(?:wh?at|how much|how many)(?:'s|\s+is|\s+are)?|wh?ats|compute|calculate|evaluate|work out|tell me)\b[\s,:]*",
    re.I,
)
_TRAILING_VERB = re.compile(r"\s+(?:is|are|equals|comes to)$", re.I)
_MATH_WORDS = frozenset(
    "plus minus times multiplied divided by over of percent percentage square squared cube cubed root roots power "  # noqa: SIM905
    "powers to the a an and sum product difference quotient average mean total remainder mod modulo factorial log "
    "logarithm sin cos tan sqrt cbrt pi e round rounded decimal decimals places place is what which or bigger "
    "smaller larger greater less than prime x half quarter third degrees radians from add subtract multiply divide "
    "exp abs min max floor ceil gcd lcm".split()
)


def _bare(text: Any) -> str:
    """A request's phrase without its question framing ("What is 2 + 2?" -> "2 + 2").

    The framing is whatever precedes the last question phrase before the first digit
    ("hey, could you tell me what 23% of 1,850 is" -> "23% of 1,850").
    """
    s = str(text).strip()
    digit = re.search(r"\d", s)
    frames = list(_QUESTION.finditer(s[: digit.start()] if digit else s))
    if frames:
        s = s[frames[-1].end():]
    return _TRAILING_VERB.sub("", s.strip().rstrip("?!.").strip()).strip()


def _shown(text: Any) -> str:
    """What a calculation answer shows before its result: the arithmetic the request asked ("17.5% of 2480",
    "seven times six"), or nothing when the request is a sentence around its numbers ("I bought 4 tickets at
    12.50 each, how much did I spend?": the answer is the number, not that sentence with "= 50")."""
    phrase = _bare(text)
    words = re.findall(r"[A-Za-z]+", spell_out_numbers(phrase, lone_one=True))
    return "" if sum(w.lower() not in _MATH_WORDS for w in words) >= 2 else phrase


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.sandbox.SandboxedEnvironment(
        undefined=jinja2.StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True
    )
    env.filters["num"] = format_number  # pyright: ignore[reportUnknownMemberType]
    env.filters["when"] = _format_when  # pyright: ignore[reportUnknownMemberType]
    env.filters["bare"] = _bare  # pyright: ignore[reportUnknownMemberType]
    env.filters["shown"] = _shown  # pyright: ignore[reportUnknownMemberType]
    env.filters["counted"] = asked_letters  # pyright: ignore[reportUnknownMemberType]
    env.filters["weekday"] = lambda v: _format_when(str(v)[:10]).split(" ")[-1].strip("()")  # pyright: ignore[reportUnknownMemberType, reportUnknownLambdaType, reportUnknownArgumentType]
    return env


@functools.cache
def _template(name: str) -> jinja2.Template | None:
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        return None
    entry = resources.files("agentfn.prompts").joinpath("answers", f"{name}.jinja")
    if not entry.is_file():
        return None
    return _environment().from_string(entry.read_text(encoding="utf-8"))


def _decode(content: str) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return content


def _generic(value: Any, depth: int = 0) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return format_number(value)
    if value is None:
        return "nothing"
    if isinstance(value, list):
        items = [_generic(v, depth + 1) for v in cast("list[Any]", value)[:50]]
        if not items:
            return "nothing found"
        inline = all("\n" not in i and len(i) < 60 for i in items)
        return ", ".join(items) if inline else "\n".join(f"- {i}" for i in items)
    if isinstance(value, dict):
        pairs = [(str(k).replace("_", " "), _generic(v, depth + 1)) for k, v in cast("dict[Any, Any]", value).items()]
        if depth:
            return ", ".join(f"{k}: {v}" for k, v in pairs)
        return "\n".join(f"{k}: {v}" for k, v in pairs)
    return str(value)


def render_result(name: str, content: str, arguments: dict[str, Any] | None = None, question: str = "") -> str:
    """One tool result as readable text: its tool's answer template, else a generic rendering."""
    value = _decode(content)
    template = _template(name)
    if template is not None:
        try:
            text = template.render(result=value, args=dict(arguments or {}), question=question).strip()
        except (jinja2.TemplateError, TypeError, ValueError, KeyError, AttributeError):
            text = ""  # a result of another shape (a foreign tool of the same name): render generically
        if text:
            return text[:_MAX_CHARS]
    return _generic(value)[:_MAX_CHARS]


def _turn(messages: Sequence[Message]) -> tuple[str, list[tuple[ToolCall | None, ToolMessage]]]:
    """The last user question and the tool results after it, each with its call."""
    start = max((i for i, m in enumerate(messages) if isinstance(m, UserMessage)), default=-1)
    question = str(messages[start].content) if start >= 0 else ""
    calls: dict[str, ToolCall] = {}
    results: list[tuple[ToolCall | None, ToolMessage]] = []
    for message in messages[start + 1 :]:
        if isinstance(message, AssistantMessage):
            calls.update({c.id: c for c in message.tool_calls})
        elif isinstance(message, ToolMessage):
            results.append((calls.get(message.tool_call_id), message))
    return question, results


def _arguments(call: ToolCall | None) -> dict[str, Any]:
    if call is None:
        return {}
    raw: Any = call.arguments
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    return cast("dict[str, Any]", raw) if isinstance(raw, dict) else {}


def grounded_answer(messages: Sequence[Message]) -> str | None:
    """The answer written from this turn's tool results; None when no tool was called.

    Uses the last successful result; when every call failed, says so with the last error.
    """
    question, results = _turn(messages)
    if not results:
        return None
    ok = [(c, m) for c, m in results if not m.is_error]
    if not ok:
        call, failed = results[-1]
        return f"I could not get an answer: {failed.name} failed ({_error_text(failed)})."
    call, message = ok[-1]
    return render_result(message.name, message.content, _arguments(call), question) or "(the tool returned nothing)"


def _error_text(message: ToolMessage) -> str:
    """A failed call's error for a person: no markup, and not the hint to call again that is meant for the model."""
    return strip_markup(message.content.replace(RETRY_HINT, ""))[:300]


_OFFLINE = re.compile(r"raised NotSupportedOffline: (.+)", re.S)


def failure_answer(messages: Sequence[Message], reason: str | None) -> str:
    """What a run that ended without an answer tells the user, in plain words (never empty).

    A built-in tool that said it cannot answer offline (``NotSupportedOffline``: the embedded model's
    rules lack it) gives that sentence, from the first such call; else names the tool that failed
    and its last error when a call of this turn failed, else the reason the run stopped (``reason``,
    e.g. ``max_steps``).
    """
    _, results = _turn(messages)
    failed = [m for _, m in results if m.is_error]
    why = f" ({reason})" if reason else ""
    for message in failed:  # the first call's arguments are the model's best reading; later ones drift
        offline = _OFFLINE.search(strip_markup(message.content))
        if offline:
            return f"I can't answer that offline: {' '.join(offline.group(1).split())[:300].rstrip('.')}."
    if failed:
        last = failed[-1]
        return f"I could not answer{why}: the {last.name} tool failed: {' '.join(_error_text(last).split())}"
    return f"I could not answer{why}."


def _squash(text: str) -> str:
    return re.sub(r"[\s\"'{}\[\],:]+", "", text).lower()


def echoes_tool_output(text: str, messages: Sequence[Message]) -> bool:
    """Whether ``text`` is (a piece of) a tool result of this turn and nothing else."""
    squashed = _squash(strip_markup(text))
    if not squashed:
        return False
    _, results = _turn(messages)
    structured = [m for _, m in results if isinstance(_decode(m.content), dict | list)]
    return any(squashed in _squash(m.content) for m in structured)


def readable_answer(text: str | None, messages: Sequence[Message]) -> str:
    """The final text with markup removed; the grounded answer when nothing readable is left."""
    raw = text or ""
    cleaned = strip_markup(raw)
    if cleaned and not echoes_tool_output(raw, messages):
        return cleaned
    return grounded_answer(messages) or cleaned
