"""Re-ranker settings that transfer: chosen with a leave-one-source-out check, gated by trace coverage,
and a trainer that promotes only what is not lower where it was not fitted."""

from __future__ import annotations

from typing import Any

from agentfn.router import Router
from agentfn.router.encoder import Encoder
from agentfn.router.fit_rerank import MAX_FOLDS, folds_of
from agentfn.router.rerank import request_key
from agentfn.router.rerank_gate import GATE_KEY, GATES
from agentfn.train.card import gate_lines
from agentfn.train.router import transfers

from .conftest import PEOPLE, opaque_pairs, opaque_specs

# A family no trace comes from (an MCP-style namespace), and requests for it unlike every trace.
ORCHARD = [
    ("orchard__pick_apples", "Harvest ripe apples from an orchard row."),
    ("orchard__prune_trees", "Prune the fruit trees of an orchard block."),
    ("orchard__spray_blossoms", "Spray the blossoms against frost."),
]
ORCHARD_REQUESTS = ["gather the ripe fruit in row seven", "trim back the pear branches before spring",
                    "protect the flowering trees from tonight's frost", "collect the fallen apples by the fence"]


def specs() -> list[dict[str, object]]:
    return opaque_specs(*ORCHARD)


def pairs(templates: slice, people: list[str]) -> list[tuple[str, list[str]]]:
    return opaque_pairs(templates, people)


def sources_of(data: list[tuple[str, list[str]]]) -> dict[str, str]:
    """Two trace sources: requests for ``zorp_fetch`` came from one shop, the rest from another."""
    return {request_key(q): ("loyalty-shop" if g[0] == "zorp_fetch" else "warehouse") for q, g in data}


def ranked(router: Router, query: str) -> list[str]:
    return [n for n, _ in router.route(query, k=len(router)).ranked]


def test_choice_reports_the_leave_one_source_out_check(encoder: Encoder) -> None:
    train, dev = pairs(slice(0, 4), PEOPLE[:4]), pairs(slice(4, 6), PEOPLE[4:6])
    router = Router.build(specs(), encoder=encoder)
    fitted = router.fit_from_traces(train, dev=dev, fresh=True, rerank=True, sources=sources_of(train + dev))
    assert fitted["rerank_on"] == 1.0 and fitted["rerank_dev_mrr"] > fitted["rerank_dev_mrr_base"]
    # chosen: each source left out in turn ranks no worse than without the re-ranker
    assert fitted["rerank_dev_lofo_sources"] == 2.0 and fitted["rerank_dev_lofo_gain"] >= -1e-3
    assert router.config.rerank_weights is not None and GATE_KEY in router.config.rerank_weights


def test_slots_gate_leaves_untraced_families_where_the_router_put_them(encoder: Encoder) -> None:
    train = pairs(slice(0, 5), PEOPLE[:5])
    held = pairs(slice(5, 6), PEOPLE[5:])
    router = Router.build(specs(), encoder=encoder)
    settings = {"rerank_l2": 1e-3, "rerank_floor": 0.0, "rerank_hard": 3.0, "rerank_gate": float(GATES.index("slots"))}
    fitted = router.fit_from_traces(train, fresh=True, rerank=True, rerank_settings=settings,
                                    sources=sources_of(train + held), rerank_check=held)
    assert fitted["rerank_on"] == 1.0 and fitted["rerank_check_sources"] == 2.0
    assert "rerank_check_lofo_gain" in fitted and fitted["rerank_check_requests"] == len(held)
    weights = router.config.rerank_weights
    assert weights is not None
    for query in ORCHARD_REQUESTS:
        on = ranked(router, query)
        router.config.rerank_weights = None
        off = ranked(router, query)
        router.config.rerank_weights = weights
        assert [i for i, n in enumerate(on) if n.startswith("orchard__")] == \
            [i for i, n in enumerate(off) if n.startswith("orchard__")], query
        assert [n for n in on if n.startswith("orchard__")] == [n for n in off if n.startswith("orchard__")]
    # What the traces teach still lifts new requests for traced tools.
    router.config.rerank_weights = None
    before = sum(ranked(router, q).index(g[0]) for q, g in held)
    router.config.rerank_weights = weights
    assert sum(ranked(router, q).index(g[0]) for q, g in held) <= before


def test_many_sources_are_dealt_into_folds() -> None:
    labels = [f"s{i}" for i in range(MAX_FOLDS + 3) for _ in range(i + 1)]
    folds = folds_of(labels)
    assert set(folds.values()) == set(range(MAX_FOLDS)) and len(folds) == MAX_FOLDS + 3
    assert folds_of(["a", "b", "a"]) == {"a": 0, "b": 1}


def metrics(recall: float) -> dict[str, Any]:
    return {"recall@5": recall, "complete_hit@5": recall}


def test_promotion_gate_needs_sources_left_out_and_held_out_traces_not_lower() -> None:
    assert transfers({"rerank_check_lofo_gain": 0.0})
    assert not transfers({"rerank_check_lofo_gain": -0.05})
    assert transfers({"rerank_check_lofo_gain": -0.01})  # within the margin one source may fall (SOURCE_SLACK)
    assert transfers({"rerank_check_lofo_gain": -0.05, "rerank_off_by_check": 1.0})  # switched off: nothing left
    held = {"a": {"before": metrics(0.5), "after": metrics(0.6)}, "b": {"before": metrics(0.5), "after": metrics(0.45)}}
    assert transfers({}, held)  # +0.1 and -0.05: each source counts the same, the mean rises
    held["b"]["after"] = metrics(0.3)
    assert not transfers({}, held)
    lines = "\n".join(gate_lines({"rerank_on": 1.0, "rerank_gate": 2.0, "rerank_check_lofo_gain": 0.01,
                                  "rerank_check_sources": 2.0}, True))
    assert "leave-one-source-out" in lines and "traced families only" in lines and "passed" in lines


def test_a_reranker_that_moves_nothing_leaves_the_route_exactly_as_cold_start(encoder: Encoder) -> None:
    router = Router.build(specs(), encoder=encoder)
    router.fit_from_traces(pairs(slice(0, 2), PEOPLE[:2]), fresh=True, rerank=True,
                           rerank_settings={"rerank_l2": 1e-3, "rerank_floor": 0.0})
    router.config.rerank_weights = {"score": 1.0}  # orders candidates as the router already does
    query = "check Priya's rewards balance and then print her packing slip"
    on = router.route(query)
    router.config.rerank_weights = None
    off = router.route(query)
    assert on.ranked == off.ranked and on.selected == off.selected  # the scores too: nothing was re-scored
