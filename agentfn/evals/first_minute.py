"""The first-minute sweep: what a new user types that is not a clean tool request, and how to judge a reply.

Data: ``agentfn/evals/data/first_minute.jsonl``, one case a line, ``{"id", "class", "prompt", "max_s",
"expect"?, "calls"?, "note"?}``. ``class`` groups the cases (chit-chat, missing tools, empty input,
pasted code or JSON, prompt injection, markup in the input, non-English, typos...). ``expect`` is a
checker tree of :func:`agentfn.evals.everyday.check_answer` with two more leaves, judged here:

* ``{"refuses": true}``: the reply says plainly that it cannot do this (no tool, no access...).
* ``{"usage_error": true}``: the CLI refused the input in one line (exit 2), not a run.

``calls`` names tools of which a good run calls at least one. ``max_s`` is how long a reply may take.

:func:`judge` turns what one ``agentfn run --json`` invocation left (exit code, stdout, stderr,
seconds, whether it was killed at the time limit) into flags: ``crash`` (a traceback in what the user
reads, an "unexpected" error line, or an exit code the CLI does not document; a program's traceback inside
a tool result the answer does not show is not one), ``markup`` (chat markup or special tokens
in the answer), ``loop`` (killed at the time limit, or an answer that repeats one short piece over
and over), ``slow`` (over ``max_s``), ``plain`` (a readable reply: not empty, no markup, not a raw
JSON dump) and ``good`` (plain, passes ``expect`` and ``calls``). Nothing here runs a model.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, cast

from pydantic import BaseModel, Field

from agentfn.evals.everyday import check_answer, has_markup

__all__ = ["FirstMinuteCase", "is_looping", "judge", "load_first_minute", "says_cannot"]

_CANNOT = re.compile(
    r"\b(?:can(?:no|')t|can not|unable|not able|(?:do|does)(?: no|n')t have|no (?:tool|access|way)|"
    r"(?:is|are)(?: no|n')t available|not available|no live|offline|outside what)\b",
    re.I,
)
_TRACEBACK = "Traceback (most recent call last)"
_DOCUMENTED_EXITS = (0, 1, 2)
"""``agentfn run``: 0 answered, 1 not answered (one line says why), 2 a usage error. 3 (model unavailable)
cannot happen with the embedded model installed, so it counts as a crash here."""


class FirstMinuteCase(BaseModel):
    """One first-minute input and what a good reply must satisfy."""

    id: str
    cls: str = Field(alias="class")
    prompt: str
    max_s: float = 60.0
    expect: dict[str, Any] = Field(default_factory=dict[str, Any])
    calls: list[str] | None = None
    note: str = ""


def load_first_minute(path: str | Path | None = None) -> list[FirstMinuteCase]:
    """The cases of ``first_minute.jsonl`` (or of ``path``)."""
    source = Path(path) if path is not None else Path(str(resources.files("agentfn.evals") / "data"
                                                         / "first_minute.jsonl"))
    lines = source.read_text(encoding="utf-8").splitlines()
    return [FirstMinuteCase.model_validate_json(line) for line in lines if line.strip()]


def says_cannot(text: str | None) -> bool:
    """Whether a reply says plainly that it cannot do what was asked."""
    return bool(text) and _CANNOT.search((text or "").replace("’", "'")) is not None


def is_looping(text: str | None) -> bool:
    """Whether an answer is one short piece repeated over and over (``1.1.1.1...``, a line 10 times)."""
    body = (text or "").strip()
    if len(body) < 40:
        return False
    if re.search(r"(.{1,12}?)\1{11,}", body, re.S):
        return True
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    return len(lines) >= 8 and len(set(lines)) * 4 <= len(lines)


def _check(expect: dict[str, Any], answer: str | None, exit_code: int, at: datetime) -> bool:
    if "all" in expect:
        return all(_check(e, answer, exit_code, at) for e in expect["all"])
    if "any" in expect:
        return any(_check(e, answer, exit_code, at) for e in expect["any"])
    if "not" in expect:
        return not _check(expect["not"], answer, exit_code, at)
    if "refuses" in expect:
        return says_cannot(answer)
    if "usage_error" in expect:
        return exit_code == 2
    return check_answer(expect, answer, now=at)


def _parse(stdout: str) -> dict[str, Any]:
    start = stdout.find("{")
    if start < 0:
        return {}
    try:
        parsed: Any = json.loads(stdout[start:])
    except ValueError:
        return {}
    return cast("dict[str, Any]", parsed) if isinstance(parsed, dict) else {}


def _raw_json(text: str) -> bool:
    body = text.strip()
    if not body.startswith(("{", "[")):
        return False
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def judge(case: FirstMinuteCase, record: dict[str, Any]) -> dict[str, Any]:
    """Flags for one run of ``case``; ``record`` holds ``exit_code``, ``stdout``, ``stderr``, ``latency_s``,
    ``at`` (ISO time) and ``timed_out``."""
    stdout, stderr = str(record.get("stdout") or ""), str(record.get("stderr") or "")
    exit_code = int(record.get("exit_code", -1))
    timed_out = bool(record.get("timed_out"))
    parsed = _parse(stdout)
    output = parsed.get("output")
    text = output if isinstance(output, str) else ""
    if exit_code == 2 and not text:
        text = stderr.strip()  # a usage error: what the user reads is the one line on stderr
    crash = not timed_out and (
        _TRACEBACK in text + stderr + ("" if parsed else stdout) or "error: unexpected" in stderr
        or exit_code not in _DOCUMENTED_EXITS)
    markup = has_markup(text)
    loop = timed_out or is_looping(output if isinstance(output, str) else "")  # not the CLI's usage box
    calls = cast("list[Any]", parsed.get("tool_calls") or [])
    called = [str(cast("dict[str, Any]", c).get("name")) for c in calls if isinstance(c, dict)]
    plain = bool(text.strip()) and not markup and not crash and not loop and not _raw_json(text)
    at = datetime.fromisoformat(str(record["at"]))
    passes = _check(case.expect, text, exit_code, at) if case.expect else True
    calls_ok = case.calls is None or any(name in called for name in case.calls)
    return {
        "id": case.id, "class": case.cls, "prompt": case.prompt[:120], "exit_code": exit_code,
        "crash": crash, "markup": markup, "loop": loop, "slow": float(record.get("latency_s", 0)) > case.max_s,
        "plain": plain, "good": plain and passes and calls_ok, "calls": called,
        "latency_s": float(record.get("latency_s", 0)), "output": text[:300],
        "error": stderr.strip().splitlines()[-1][:300] if stderr.strip() else None,
    }
