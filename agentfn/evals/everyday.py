"""The everyday benchmark of the embedded default: requests a user would type, with answer checkers.

Data (package files under ``agentfn/evals/data/``):

* ``everyday.jsonl``: one case a line, ``{"id", "family", "tools", "prompt", "expect"}``. ``tools``
  are the built-in tools a good run calls (in order); ``prompt`` may contain ``{http}``, the base
  URL of the local fixture server.
* ``everyday_fixtures.json``: the files of the file tools' root and the pages of the HTTP server.

``expect`` is a checker tree, judged against the answer text a user reads:

==============================  ========================================================
``{"number": x, "rel", "abs"}``  a number in the answer within tolerance (default rel 0.005)
``{"text": [...]}``              any of the strings (case- and accent-insensitive)
``{"word": [...]}``              any of the words, as whole words
``{"date": "YYYY-MM-DD"}``       the date, as ISO or spelled out ("March 1, 2024", "1 March 2024")
``{"today": "date|year|weekday"}``  today's date, year or weekday (UTC)
``{"today_plus_days": n}``       the date n days after today
``{"next_weekday": name}``       the date of the next such weekday ("next friday": the first one after
                                today, or the one a week later, as people read it both ways)
``{"until": d, "since": d, "unit", "abs"}``  the time from now to ``d`` (or from ``d`` to now)
``{"time_in": zone, "minutes"}``  the current clock time in that zone (HH:MM, default ±20 min)
``{"min_words": n}`` / ``{"max_words": n}``  answer length in words
``{"file": path, "contains": s}``  after the run, the file in the files root contains ``s``
``{"number_near": x, "near": [...]}``  the number appears right after one of the words
``{"declines": true}``           an honest no-tool reply: it says it cannot (no tool, no live data...)
                                and writes no number (a live fact it has no tool for is never invented)
``{"all": [...]}``, ``{"any": [...]}``, ``{"not": {...}}``  combinations
==============================  ========================================================

:func:`has_markup` flags answers that show chat markup or special tokens to the user.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

__all__ = [
    "EverydayCase",
    "check_answer",
    "has_markup",
    "load_everyday_cases",
    "load_everyday_fixtures",
    "numbers_in",
]

_MARKUP = re.compile(r"</?tool_(?:call|response)>|<\|[a-z_]+\|>|<\|?(?:endoftext|im_start|im_end)\|?>|</?tools>", re.I)
_NUMBER = re.compile(r"(?<![\w.])[-−]?\d+(?:,\d{3})*(?:\.\d+)?(?:[eE][-+]?\d+)?|(?<![\w.])[-−]?\.\d+")
_DECLINES = re.compile(
    r"\b(?:can(?:no|')t|can not|unable|not able|(?:do|does)(?: no|n')t have|no (?:tool|access|way)|"
    r"(?:is|are)(?: no|n')t available|not available|no live|offline)\b",
    re.I,
)
_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"]


class EverydayCase(BaseModel):
    """One request with the tools a good run calls and the checker of its answer."""

    id: str
    family: str
    tools: list[str]
    prompt: str
    expect: dict[str, Any] = Field(default_factory=dict[str, Any])


def _data_file(name: str) -> Path:
    return Path(str(resources.files("agentfn.evals") / "data" / name))


def load_everyday_cases(path: str | Path | None = None) -> list[EverydayCase]:
    """The cases of ``everyday.jsonl`` (or of ``path``)."""
    source = Path(path) if path is not None else _data_file("everyday.jsonl")
    lines = source.read_text(encoding="utf-8").splitlines()
    return [EverydayCase.model_validate_json(line) for line in lines if line.strip()]


def load_everyday_fixtures(path: str | Path | None = None) -> dict[str, Any]:
    """``{"files": {path: text}, "http": {path: {"status", "content_type", "body"}}}``."""
    source = Path(path) if path is not None else _data_file("everyday_fixtures.json")
    return cast("dict[str, Any]", json.loads(source.read_text(encoding="utf-8")))


def has_markup(text: str | None) -> bool:
    """Whether an answer shows tool-call/response tags or chat special tokens."""
    return bool(text) and _MARKUP.search(text or "") is not None


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def numbers_in(text: str) -> list[float]:
    """Every number written in ``text`` (thousands separators and a leading minus understood)."""
    found: list[float] = []
    for match in _NUMBER.finditer(text):
        raw = match.group().replace(",", "").replace("−", "-")
        try:
            found.append(float(raw))
        except ValueError:
            continue
    return found


def _close(value: float, target: float, spec: dict[str, Any]) -> bool:
    if "abs" in spec:
        return abs(value - target) <= float(spec["abs"]) + 1e-9
    rel = float(spec.get("rel", 0.005))
    return abs(value - target) <= max(rel * abs(target), 1e-9)


def _date_forms(day: date) -> list[str]:
    month = _MONTHS[day.month - 1]
    return [day.isoformat(), f"{month} {day.day}, {day.year}", f"{month} {day.day} {day.year}",
            f"{day.day} {month} {day.year}", f"{month[:3]} {day.day}, {day.year}", f"{day.day} {month[:3]} {day.year}"]


def _has_date(answer: str, day: date) -> bool:
    folded = _fold(answer)
    return any(form in folded for form in _date_forms(day))


def _has_time(answer: str, zone: str, minutes: float, now: datetime) -> bool:
    local = now.astimezone(ZoneInfo(zone))
    for match in re.finditer(r"(?<!\d)(\d{1,2}):(\d{2})(?::\d{2})?\s*([ap]\.?m\.?)?", answer, re.I):
        hour, minute = int(match.group(1)), int(match.group(2))
        suffix = (match.group(3) or "").lower().replace(".", "")
        if suffix == "pm" and hour < 12:
            hour += 12
        elif suffix == "am" and hour == 12:
            hour = 0
        if hour > 23 or minute > 59:
            continue
        for day_shift in (-1, 0, 1):
            candidate = local.replace(hour=hour, minute=minute, second=0, microsecond=0) + timedelta(days=day_shift)
            if abs((candidate - local).total_seconds()) <= minutes * 60:
                return True
    return False


_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_UNIT_SECONDS = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0, "days": 86400.0, "weeks": 604800.0}


def check_answer(
    expect: dict[str, Any], answer: str | None, *, now: datetime | None = None, files_root: Path | None = None
) -> bool:
    """Whether ``answer`` satisfies the checker tree ``expect`` (see the module docstring).

    Args:
        expect: the checker.
        answer: the text the user reads (None when the run gave no answer).
        now: the moment the request was answered (default: the current time), for relative dates.
        files_root: the file tools' root after the run, for ``file`` checks.
    """
    text = answer or ""
    moment = now or datetime.now(UTC)
    today = moment.astimezone(UTC).date()
    if "all" in expect:
        return all(check_answer(e, answer, now=moment, files_root=files_root) for e in expect["all"])
    if "any" in expect:
        return any(check_answer(e, answer, now=moment, files_root=files_root) for e in expect["any"])
    if "not" in expect:
        return not check_answer(expect["not"], answer, now=moment, files_root=files_root)
    if "number" in expect:
        return any(_close(v, float(expect["number"]), expect) for v in numbers_in(text))
    if "text" in expect:
        folded = _fold(text)
        return any(_fold(s) in folded for s in expect["text"])
    if "word" in expect:
        folded = _fold(text)
        return any(re.search(rf"(?<!\w){re.escape(_fold(w))}(?!\w)", folded) for w in expect["word"])
    if "date" in expect:
        return _has_date(text, date.fromisoformat(expect["date"]))
    if "today_plus_days" in expect:
        return _has_date(text, today + timedelta(days=int(expect["today_plus_days"])))
    if "next_weekday" in expect:
        ahead = (_WEEKDAYS.index(str(expect["next_weekday"]).lower()) - today.weekday() - 1) % 7 + 1
        return any(_has_date(text, today + timedelta(days=ahead + shift)) for shift in (0, 7))
    if "today" in expect:
        kind = expect["today"]
        if kind == "year":
            return str(today.year) in text
        if kind == "weekday":
            return today.strftime("%A").lower() in text.lower()
        return _has_date(text, today)
    if "until" in expect or "since" in expect:
        target = datetime.fromisoformat(expect.get("until") or expect["since"]).replace(tzinfo=UTC)
        seconds = (target - moment).total_seconds() if "until" in expect else (moment - target).total_seconds()
        wanted = seconds / _UNIT_SECONDS[expect.get("unit", "days")]
        return any(abs(v - wanted) <= float(expect.get("abs", 1.0)) for v in numbers_in(text))
    if "time_in" in expect:
        return _has_time(text, expect["time_in"], float(expect.get("minutes", 20)), moment)
    if "min_words" in expect:
        return len(text.split()) >= int(expect["min_words"])
    if "max_words" in expect:
        return 0 < len(text.split()) <= int(expect["max_words"])
    if "number_near" in expect:
        folded = _fold(text)
        return any(
            re.search(rf"{re.escape(_fold(w))}\W{{0,3}}{re.escape(str(expect['number_near']))}(?!\d)", folded)
            for w in expect["near"]
        )
    if "declines" in expect:
        return _DECLINES.search(text.replace("’", "'")) is not None and not numbers_in(text)
    if "file" in expect:
        if files_root is None:
            return False
        path = files_root / expect["file"]
        return path.is_file() and str(expect["contains"]).lower() in path.read_text(encoding="utf-8").lower()
    raise ValueError(f"unknown checker {sorted(expect)}")
