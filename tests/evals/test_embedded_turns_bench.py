"""The conversation set and the page of ``benchmarks/embedded_turns_bench.py``."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from agentfn.evals.everyday import check_answer
from agentfn.toolset import Toolset

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "agentfn" / "evals" / "data" / "everyday_turns.jsonl"


def _bench() -> ModuleType:
    sys.path.insert(0, str(ROOT / "benchmarks"))  # the bench imports embedded_bench beside it
    try:
        spec = importlib.util.spec_from_file_location("embedded_turns_under_test", ROOT / "benchmarks" / "embedded_turns_bench.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return module


def _conversations() -> list[dict[str, Any]]:
    return [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_conversation_has_follow_ups_over_builtin_tools_and_checkable_answers() -> None:
    conversations = _conversations()
    names = set(Toolset.builtin().names())
    assert len(conversations) >= 30 and len({c["id"] for c in conversations}) == len(conversations)
    assert any(c["family"] == "switch" for c in conversations)  # new topics that must not inherit the last one
    for c in conversations:
        assert 2 <= len(c["turns"]) <= 3
        for turn in c["turns"]:
            assert set(turn["tools"]) <= names
            check_answer(turn["expect"], "an answer")  # a known checker (an unknown one raises)


def test_page_scores_each_turn_and_compares_the_shared_conversations() -> None:
    bench = _bench()
    cases = _conversations()[:2]

    def raw(case: dict[str, Any], right: bool) -> dict[str, Any]:
        turns = [{"prompt": t["prompt"], "at": "2026-12-07T12:00:00+00:00", "answered": True, "errors": [],
                  "output": "4.828 km" if right and i == 0 else "no idea", "calls": [], "latency_s": 1.0}
                 for i, t in enumerate(case["turns"])]
        return {"id": case["id"], "turns": turns}

    first = bench._score(cases[:1], [raw(cases[0], True)])
    current = bench._score(cases, [raw(c, True) for c in cases])
    assert current["summary"]["first_turns"] == 2 and current["summary"]["followups_right"] == 0
    arms = {"first_try": {**first, "code": "git x", "on_shared": first["summary"]},
            "current": {**current, "code": "this checkout", "on_shared": bench._summarise(current["conversations"][:1])}}
    page = bench.render_markdown({"cases_file": "f", "model": "m", "threads": 1, "load_avg_1m": 1.0, "arms": arms})
    assert "On the 1 conversations both arms ran" in page and "| first_try |" in page
