"""The everyday benchmark's data and checkers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from agentfn.evals.everyday import (
    check_answer,
    has_markup,
    load_everyday_cases,
    load_everyday_fixtures,
    numbers_in,
)
from agentfn.toolset import Toolset


def test_cases_cover_every_builtin_tool() -> None:
    cases = load_everyday_cases()
    assert len(cases) >= 150 and len({c.id for c in cases}) == len(cases)
    assert {t for c in cases for t in c.tools} == set(Toolset.builtin().names())
    assert any(len(c.tools) >= 3 for c in cases)  # composed requests
    fixtures = load_everyday_fixtures()
    assert "notes.txt" in fixtures["files"] and "/status" in fixtures["http"]
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for case in cases:  # every checker is well-formed
        check_answer(case.expect, "", now=now)


def test_markup_detection() -> None:
    assert has_markup('<tool_response>\n{"value": 1}') and has_markup("ok<|im_end|>") and has_markup("<tool_call>")
    assert not has_markup("3 miles = 4.828 km") and not has_markup("a < b > c") and not has_markup(None)


def test_numbers_and_checkers(tmp_path: Path) -> None:
    assert numbers_in("It costs $1,250.50, not -3 or .5") == [1250.5, -3.0, 0.5]
    now = datetime(2026, 12, 6, 5, 0, tzinfo=UTC)
    assert check_answer({"number": 4.828, "rel": 0.002}, "3 miles = 4.82803 km")
    assert not check_answer({"number": 60}, "From 2024-01-01 to 2024-03-01: 5184000 seconds.")
    assert check_answer({"text": ["bonjour"]}, "Bonjour !") and check_answer({"text": ["cafe"]}, "Café")
    assert check_answer({"word": ["no"]}, "No, it is not.") and not check_answer({"word": ["no"]}, "November")
    assert check_answer({"date": "2024-03-01"}, "It is March 1, 2024.") and check_answer({"date": "2024-03-01"}, "2024-03-01")
    assert check_answer({"today": "weekday"}, "It is Sunday", now=now)
    assert check_answer({"today_plus_days": 14}, "2026-12-20", now=now)
    monday = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # "next friday" read as this week's or the following one
    assert check_answer({"next_weekday": "friday"}, "It is 2026-12-11.", now=monday)
    assert check_answer({"next_weekday": "Friday"}, "December 18, 2026", now=monday)
    assert not check_answer({"next_weekday": "friday"}, "2026-12-04", now=monday)
    assert check_answer({"next_weekday": "monday"}, "2026-12-14", now=monday)
    assert check_answer({"until": "2027-03-01", "unit": "weeks", "abs": 0.3}, "12.1 weeks", now=now)
    assert check_answer({"time_in": "Asia/Tokyo"}, "It is 14:05 in Tokyo", now=now)
    assert check_answer({"time_in": "Asia/Tokyo"}, "2:05 pm", now=now)
    assert not check_answer({"time_in": "Asia/Tokyo"}, "It is 05:00", now=now)
    assert check_answer({"all": [{"text": ["spam"]}, {"not": {"text": ["not spam"]}}]}, "spam")
    assert not check_answer({"all": [{"text": ["spam"]}, {"not": {"text": ["not spam"]}}]}, "not spam")
    (tmp_path / "hello.txt").write_text("hello world")
    assert check_answer({"file": "hello.txt", "contains": "Hello World"}, "done", files_root=tmp_path)
    assert check_answer({"declines": True}, "I can't check the weather: no tool here has live data.")
    assert check_answer({"declines": True}, "I don’t have a tool for news.")
    assert not check_answer({"declines": True}, "Tomorrow in Paris: sunny, 21 C.")
    assert not check_answer({"declines": True}, "I cannot be sure, but it is 21 C.")  # an invented figure
    assert not check_answer({"declines": True}, "It will be sunny.")
    with pytest.raises(ValueError, match="unknown checker"):
        check_answer({"nope": 1}, "x")
