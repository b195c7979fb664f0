"""The re-ranker's gate: candidates of families no trace used keep their cold-start place."""

from __future__ import annotations

import pytest

from agentfn.router.rerank_gate import GATE_KEY, coverage, family_of, gate_of, gated_order


def test_all_orders_by_the_learned_scores() -> None:
    assert gated_order([0.1, 0.9, 0.5], [False, False, False], "all") == [1, 2, 0]


def test_slots_moves_traced_candidates_among_their_own_places_only() -> None:
    # places 0 and 2 are traced: their two candidates swap; untraced 1 and 3 stay where they were
    scores = [0.1, 0.9, 0.8, 0.95]
    assert gated_order(scores, [True, False, True, False], "slots") == [2, 1, 0, 3]
    assert gated_order(scores, [False] * 4, "slots") == [0, 1, 2, 3]


def test_coverage_keeps_the_cold_start_order_when_no_candidate_is_traced() -> None:
    scores = [0.1, 0.9, 0.5]
    assert gated_order(scores, [False, False, False], "coverage") == [0, 1, 2]
    assert gated_order(scores, [True, True, True], "coverage") == [1, 2, 0]
    # little covered (traced candidates ranked low): a learned jump from last to first lands in between
    partly = gated_order([0.0, 0.1, 0.2, 0.9], [False, False, True, True], "coverage")
    assert partly[0] == 0 and partly.index(3) < 3


def test_coverage_weighs_top_ranks_more() -> None:
    assert coverage([True, False]) == pytest.approx(1.0 / 1.5)
    assert coverage([False, True]) == pytest.approx(0.5 / 1.5)
    assert coverage([]) == 0.0


def test_families_and_the_saved_gate() -> None:
    assert family_of("orchard__pick_apples") == "orchard" and family_of("pick_apples") == "pick_apples"
    assert gate_of({GATE_KEY: 2.0}) == "slots" and gate_of({}) == "all" and gate_of({GATE_KEY: 9.0}) == "all"
