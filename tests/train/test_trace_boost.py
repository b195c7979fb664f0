"""What traces teach only lifts the tools they used: the ``boost`` re-ranker (cold-start score plus trace evidence,
weights >= 0) keeps every tool no trace used in its cold-start order; and promotion is blocked by any one source
that falls, named on the card.

The registry is written here: a home service whose light tools were traced and whose heating tools never were,
next to the opaque tools of the trainer tests.
"""

from __future__ import annotations

from typing import Any

from agentfn.router import Router
from agentfn.router.encoder import Encoder
from agentfn.router.rerank import FEATURE_SETS, TRACE_FEATURES
from agentfn.train.card import gate_lines
from agentfn.train.router import falling_sources, transfers

from .conftest import PEOPLE, opaque_pairs, opaque_specs

HOME = [
    ("house__lamp_on", "Switch a lamp on."),
    ("house__lamp_off", "Switch a lamp off."),
    ("house__heating_set", "Set the target temperature of a room's heating."),
    ("house__heating_read", "Read the temperature a room's heating measures."),
]
ROOMS = ["kitchen", "porch", "hall", "den", "attic", "garage"]
LAMP = [("make it bright in the {r}", "house__lamp_on"), ("I can't see a thing in the {r}", "house__lamp_on"),
        ("darken the {r} please", "house__lamp_off"), ("kill the lights in the {r}", "house__lamp_off")]
HEAT = ["make the {r} 21 degrees", "warm the {r} up to 23", "how warm is it in the {r}"]
"""Requests whose tools (the heating ones) no trace used."""


def home_pairs(rooms: list[str]) -> list[tuple[str, list[str]]]:
    return [(t.format(r=r), [tool]) for t, tool in LAMP for r in rooms]


def trained(encoder: Encoder) -> Router:
    router = Router.build(opaque_specs(*HOME), encoder=encoder)
    traces = [*opaque_pairs(slice(0, 3), PEOPLE[:3]), *home_pairs(ROOMS[:4])]
    router.fit_from_traces(traces, fresh=True, rerank=True,
                           rerank_settings={"rerank_l2": 1e-2, "rerank_floor": 0.0, "rerank_hard": 1.0,
                                            "rerank_gate": 0.0, "rerank_features": 1.0})
    return router


def test_boost_weights_read_only_the_cold_start_score_and_trace_evidence_and_never_push_down(encoder: Encoder) -> None:
    router = trained(encoder)
    weights = router.config.rerank_weights
    assert weights is not None and list(FEATURE_SETS)[1] == "boost"
    learned = {k: v for k, v in weights.items() if k not in ("bias", "gate")}
    assert set(learned) <= {"score", *TRACE_FEATURES} and all(v >= 0.0 for v in learned.values())
    assert learned["score"] > 0.0 and any(learned[k] > 0.0 for k in TRACE_FEATURES)


def test_tools_no_trace_used_keep_their_cold_start_order_and_traced_ones_rise(encoder: Encoder) -> None:
    router = trained(encoder)
    assert router.memory is not None
    untraced = {n for n in router.names() if n not in router.memory.counts}
    assert {"house__heating_set", "house__heating_read"} <= untraced
    weights = router.config.rerank_weights
    for text in [t.format(r=r) for t in HEAT for r in ROOMS[4:]] + [t.format(r="cellar") for t, _ in LAMP]:
        router.config.rerank_weights = weights
        after = [n for n, _ in router.route(text, k=len(router)).ranked]
        router.config.rerank_weights = None
        before = [n for n, _ in router.route(text, k=len(router)).ranked]
        assert [n for n in after if n in untraced] == [n for n in before if n in untraced], text
        for n in after:  # a traced tool never falls behind an untraced tool it led
            if n not in untraced:
                led = {m for m in before[before.index(n) + 1:] if m in untraced}
                assert led <= set(after[after.index(n) + 1:]), (text, n)
    router.config.rerank_weights = weights
    held = [(t.format(r=r), tool) for t, tool in LAMP for r in ROOMS[4:]]
    router.config.rerank_weights = None
    cold = sum([n for n, _ in router.route(q, k=len(router)).ranked].index(g) for q, g in held)
    router.config.rerank_weights = weights
    warm = sum([n for n, _ in router.route(q, k=len(router)).ranked].index(g) for q, g in held)
    assert warm <= cold


def ba(before: float, after: float, n: int) -> dict[str, Any]:
    return {"before": {"recall@5": before, "complete_hit@5": before, "queries": n},
            "after": {"recall@5": after, "complete_hit@5": after, "queries": n}}


def test_one_falling_source_blocks_promotion_even_when_the_average_rises_and_the_card_names_it() -> None:
    held = {"shop": ba(0.50, 0.80, 30), "home": ba(0.80, 0.70, 12), "tiny": ba(1.0, 0.9, 3), "flat": ba(0.6, 0.59, 40)}
    assert transfers({}, held)  # the mean over sources rises
    blocked = falling_sources(held, "held-out traces")
    assert [b["source"] for b in blocked] == ["home"]  # "tiny" has too few requests, "flat" is within the slack
    assert blocked[0]["requests"] == 12 and blocked[0]["before"] == 0.8 and blocked[0]["after"] == 0.7
    text = "\n".join(gate_lines({"rerank_on": 1.0, "rerank_features": 1.0}, False, blocked))
    assert "not passed" in text and "blocked by home (held-out traces, 12 requests): 0.800 -> 0.700" in text
    assert "trace evidence only" in text
    assert falling_sources({"home": ba(0.8, 0.79, 12)}, "test split") == []
