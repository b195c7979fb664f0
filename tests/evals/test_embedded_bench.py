"""The embedded bench's scoring and page: both request sets, a baseline subset, an arm cut short."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from agentfn.evals.everyday import load_everyday_cases

ROOT = Path(__file__).resolve().parents[2]


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("embedded_bench_under_test", ROOT / "benchmarks" / "embedded_bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _raw(case_id: str, output: str | None, *, crash: bool = False) -> dict[str, Any]:
    return {"id": case_id, "at": "2026-12-06T09:00:00+00:00", "crash": crash, "output": output,
            "outcome": "crash" if crash else "answered", "calls": [{"name": "calculate", "arguments": {}}],
            "latency_s": 2.0, "files": {}}


def test_holdout_set_is_disjoint_and_covers_every_family() -> None:
    tuning = load_everyday_cases()
    holdout = load_everyday_cases(ROOT / "agentfn" / "evals" / "data" / "everyday_holdout.jsonl")
    assert len(holdout) == 40 and len({c.id for c in holdout}) == 40
    assert not {c.prompt for c in holdout} & {c.prompt for c in tuning}
    assert {c.family for c in holdout} == {c.family for c in tuning}


def test_spread_is_a_fixed_subset() -> None:
    bench = _bench()
    items = list(range(43))
    assert bench._spread(items, 20) == bench._spread(items, 20) and len(bench._spread(items, 20)) == 20  # pyright: ignore[reportPrivateUsage]
    assert bench._spread(items, 0) == items  # pyright: ignore[reportPrivateUsage]


def test_page_reports_both_sets_and_an_unfinished_baseline() -> None:
    bench = _bench()
    cases = load_everyday_cases()[:4]  # arithmetic: 434, 84, 12, 1024
    current = bench._score(cases, [_raw(cases[0].id, "17.5% of 2480 = 434"), _raw(cases[1].id, "84"),  # pyright: ignore[reportPrivateUsage]
                                   _raw(cases[2].id, "<tool_response>12"), _raw(cases[3].id, "1024")])
    baseline = bench._score(cases[:2], [_raw(cases[0].id, None, crash=True)])  # pyright: ignore[reportPrivateUsage]
    assert current["summary"]["right"] == 3 and current["summary"]["markup"] == 1
    assert baseline["summary"]["n"] == 1 and baseline["summary"]["crashes"] == 1
    current.update(code="this checkout", subset=False, selected=4)
    baseline.update(code="git base", subset=True, selected=2)
    current["on_baseline_cases"] = bench._summarise(current["cases"][:1])  # pyright: ignore[reportPrivateUsage]
    baseline["on_shared_cases"] = baseline["summary"]
    arms = {"baseline": baseline, "current": current}
    data = {"model": "m", "threads": 1, "machine": {"cpus": 2, "load_avg_1m": 1.0},
            "sets": {"everyday": {"cases_file": "a.jsonl", "n_cases": 4, "arms": arms},
                     "holdout": {"cases_file": "b.jsonl", "n_cases": 4, "arms": {"current": current}}}}
    page = bench.render_markdown(data)
    assert "## Set `everyday`" in page and "## Set `holdout`" in page
    assert "`baseline` finished 1 of its 2 selected requests" in page
    assert "fixed subset of 2 of the 4 requests" in page and "On the 1 requests both arms finished" in page
    assert page == bench.render_markdown(data)


def test_b3_set_is_new_wording_over_every_builtin_tool() -> None:
    from agentfn.toolset import Toolset

    earlier = load_everyday_cases() + load_everyday_cases(ROOT / "agentfn" / "evals" / "data" / "everyday_holdout.jsonl")
    b3 = load_everyday_cases(ROOT / "agentfn" / "evals" / "data" / "everyday_b3.jsonl")
    assert len(b3) == 40 and len({c.id for c in b3}) == 40 and all(c.id.startswith("b3-") for c in b3)
    assert not {c.prompt for c in b3} & {c.prompt for c in earlier}
    assert {t for c in b3 for t in c.tools} == set(Toolset.builtin().names())
    assert _bench().GROUPS["all"] == ("everyday", "holdout", "b3", "b4", "b5", "b6", "b7", "b8", "b9", "b10")


def test_b4_set_is_new_wording_not_seen_before() -> None:
    data = ROOT / "agentfn" / "evals" / "data"
    earlier = [c for name in ("everyday.jsonl", "everyday_holdout.jsonl", "everyday_b3.jsonl")
               for c in load_everyday_cases(data / name)]
    b4 = load_everyday_cases(data / "everyday_b4.jsonl")
    assert len(b4) == 30 and len({c.id for c in b4}) == 30 and all(c.id.startswith("b4-") for c in b4)
    assert not {c.prompt for c in b4} & {c.prompt for c in earlier}


def test_b5_set_is_new_wording_over_every_builtin_tool_with_no_tool_requests() -> None:
    from agentfn.toolset import Toolset

    data = ROOT / "agentfn" / "evals" / "data"
    earlier = [c for name in ("everyday.jsonl", "everyday_holdout.jsonl", "everyday_b3.jsonl", "everyday_b4.jsonl")
               for c in load_everyday_cases(data / name)]
    b5 = load_everyday_cases(data / "everyday_b5.jsonl")
    assert len(b5) == 40 and len({c.id for c in b5}) == 40 and all(c.id.startswith("b5-") for c in b5)
    assert not {c.prompt for c in b5} & {c.prompt for c in earlier}
    assert {t for c in b5 for t in c.tools} == set(Toolset.builtin().names())
    assert sum(c.expect == {"declines": True} for c in b5) >= 6


_WRITTEN_IN_ORDER = ("everyday", "holdout", "b3", "b4", "b5", "b6", "b7", "b8", "b9", "b10")


@pytest.mark.parametrize(("name", "declines"), [("b6", 0), ("b7", 2), ("b8", 1), ("b9", 0), ("b10", 0)])
def test_later_sets_are_new_wording_over_every_builtin_tool(name: str, declines: int) -> None:
    from agentfn.toolset import Toolset

    data = ROOT / "agentfn" / "evals" / "data"
    sets = _bench().SETS
    earlier = [c for prior in _WRITTEN_IN_ORDER[: _WRITTEN_IN_ORDER.index(name)]
               for c in load_everyday_cases(data / sets[prior])]
    cases = load_everyday_cases(data / sets[name])
    assert len(cases) == 40 and len({c.id for c in cases}) == 40 and all(c.id.startswith(f"{name}-") for c in cases)
    assert not {c.prompt.lower() for c in cases} & {c.prompt.lower() for c in earlier}
    assert {t for c in cases for t in c.tools} == set(Toolset.builtin().names())
    assert sum(c.expect == {"declines": True} for c in cases) >= declines


def test_score_all_scores_the_whole_set_and_names_what_ran() -> None:
    bench = _bench()
    cases = load_everyday_cases()[:3]
    scored = bench._score(cases, [_raw(c.id, "434 84 12") for c in cases])  # pyright: ignore[reportPrivateUsage]
    scored.update(code="this checkout", subset=False, selected=3, ran_now=[cases[1].id])
    data = {"model": "m", "threads": 1, "machine": {"cpus": 2, "load_avg_1m": 1.0},
            "sets": {"everyday": {"cases_file": "a.jsonl", "n_cases": 3, "arms": {"current": scored}}}}
    page = bench.render_markdown(data)
    assert f"`current` ran 1 of these 3 requests in the run that scored this set (`--score-all`): {cases[1].id}" in page
