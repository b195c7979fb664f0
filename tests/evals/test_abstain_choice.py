"""The abstention refit's choice on two dev splits (foreign and generated) and its shipping rule."""

from __future__ import annotations

from typing import Any

import pytest

from agentfn.evals.abstain_choice import GENERATED_TOLERANCE, choose_cut, generated_dev, refused, scores, ship

W = {"bias": -2.0, "dense": 4.0}
"""P(fits) = sigmoid(4 * dense - 2): 0.5 at dense 0.5."""
CUTS = (0.3, 0.4, 0.5, 0.6, 0.7)


def _rows(*pairs: tuple[float, int]) -> list[dict[str, Any]]:
    return [{"dense": d, "y": y} for d, y in pairs]


def test_generated_dev_is_a_stable_quarter_by_text() -> None:
    texts = [f"book a table for {i} at the harbour place" for i in range(400)]
    dev = [t for t in texts if generated_dev(t)]
    assert 60 < len(dev) < 140
    assert dev == [t for t in texts if generated_dev(t)]  # the same split every run


def test_scores_count_abstention_as_the_positive_class() -> None:
    rows = _rows((0.1, 0), (0.2, 0), (0.9, 1), (0.3, 1))
    got = scores(rows, lambda r: r["dense"] < 0.35)
    assert got["precision"] == pytest.approx(2 / 3) and got["recall"] == 1.0
    assert got["false_abstain"] == 0.5
    assert refused(rows, W, 0.5) == 0.5  # the relevant row at 0.3 is refused, the one at 0.9 kept


def test_choose_cut_keeps_the_generated_split_within_its_floor() -> None:
    foreign = _rows((0.1, 0), (0.55, 0), (0.58, 0), (0.8, 1), (0.9, 1))
    # On the generated rows a high cut refuses relevant requests that sit just above 0.5.
    generated = _rows((0.1, 0), (0.55, 1), (0.56, 1), (0.9, 1))
    free = choose_cut(foreign, generated, [], W, CUTS, max_false_abstain=1.0, max_short=1.0, generated_floor=0.0)
    assert free[0] >= 0.6 and free[1]["f1"] == 1.0  # alone, foreign dev wants every near-miss refused
    held = choose_cut(foreign, generated, [], W, CUTS, max_false_abstain=1.0, max_short=1.0, generated_floor=0.9)
    assert held[0] < 0.6 and held[2]["f1"] >= 0.9 and held[3]
    assert held[1]["f1"] < free[1]["f1"]  # the generated floor costs foreign dev F1 here


def test_choose_cut_says_when_no_cut_meets_the_limits() -> None:
    foreign = _rows((0.1, 0), (0.6, 1))
    cut, _, _, ok = choose_cut(foreign, [], [], W, CUTS, max_false_abstain=0.0, max_short=1.0, generated_floor=0.0)
    assert ok and cut < 0.6  # a cut below the relevant row's P(fits) keeps it
    _, _, _, ok = choose_cut(foreign, _rows((0.2, 1)), [], W, CUTS, max_false_abstain=1.0, max_short=1.0,
                             generated_floor=1.0)
    assert not ok  # every cut refuses the generated relevant row


def _split(foreign: float, generated: float, short: float = 0.0) -> dict[str, dict[str, float]]:
    return {"foreign dev": {"f1": foreign}, "generated dev": {"f1": generated}, "short": {"false_abstain": short}}


def test_ship_needs_foreign_to_rise_and_generated_within_tolerance() -> None:
    before = _split(0.80, 0.80, 0.05)
    assert ship(_split(0.84, 0.80 - GENERATED_TOLERANCE / 2), before).ships
    assert ship(_split(0.84, 0.80 - GENERATED_TOLERANCE), before).ships
    lost = ship(_split(0.90, 0.70), before)
    assert not lost.ships and lost.foreign_rises and not lost.generated_within
    assert not ship(_split(0.80, 0.85), before).ships  # foreign dev must rise
    assert not ship(_split(0.84, 0.80, 0.10), before).ships  # more short built-in requests refused
