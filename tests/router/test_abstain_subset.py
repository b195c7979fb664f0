"""Routing computes only the abstention features its weights use, and decides exactly as with all of them."""

from __future__ import annotations

import pytest

from agentfn.router import Router, RouterConfig
from agentfn.router.abstain import used_features
from agentfn.router.calibration import ABSTAIN_FEATURES, DEFAULT_ABSTAIN_WEIGHTS, p_fits
from agentfn.router.encoder import Encoder
from agentfn.router.fitness import fit_features

from .conftest import make_tools

REQUESTS = [
    "how many euros is 250 dollars today",
    "text my sister that I'm running 10 minutes late",
    "what's the share price of the company that makes the iPhone",
    "water the tomato plants in the greenhouse",
    "please book me a flight from Oslo to Rome on the 3rd and put it in my calendar",
    "cancel my gym membership",
]

ALL_ON = {"bias": -3.0, **{k: 0.1 + 0.05 * i for i, k in enumerate(ABSTAIN_FEATURES)}}
"""Weights that read every feature (the object vector too)."""
SOME = {"bias": -2.0, "dense": 1.5, "agree": 1.0, "ovoc": 0.8}
"""Weights that read three features: the rest need not be computed."""


def test_used_features_are_the_nonzero_weights() -> None:
    assert used_features(SOME) == {"dense", "agree", "ovoc"}
    assert used_features(ALL_ON) == set(ABSTAIN_FEATURES)
    assert "bias" not in used_features(DEFAULT_ABSTAIN_WEIGHTS)
    assert used_features({"bias": 1.0, "dense": 0.0}) == frozenset()


@pytest.mark.parametrize("weights", [DEFAULT_ABSTAIN_WEIGHTS, ALL_ON, SOME], ids=["shipped", "all", "some"])
def test_a_route_decides_as_a_fit_row_of_every_feature_does(encoder: Encoder, weights: dict[str, float]) -> None:
    tools = make_tools()
    router = Router.build(tools, encoder=encoder, config=RouterConfig(abstain_mode="model", abstain_weights=weights))
    for offered in (tools, tools[:1], tools[4:7]):
        small = Router.build(offered, encoder=encoder, config=router.config.model_copy(deep=True))
        for text in REQUESTS:
            feats: dict[str, float] = {}
            full = small.route(text, k=3, features=feats)
            assert set(feats) == set(ABSTAIN_FEATURES)  # a fit row holds every feature
            plain = small.route(text, k=3)
            assert plain.confidence == pytest.approx(p_fits(feats, weights), abs=1e-12)
            assert (plain.abstain, plain.confidence) == (full.abstain, pytest.approx(full.confidence, abs=1e-12))


def test_the_subset_holds_exactly_the_used_features_with_their_full_values(encoder: Encoder) -> None:
    router = Router.build(make_tools(), encoder=encoder, config=RouterConfig(abstain_mode="model"))
    ranked = router.route("send an email to Ana about the invoice", k=3).ranked
    args = ("send an email to Ana about the invoice", "", ranked, 0.6, 0.4, 0.5, {n: 0.5 for n, _ in ranked[:3]})
    full = router.abstain_features(*args)
    part = router.abstain_features(*args, needed=used_features(SOME))
    assert set(full) == set(ABSTAIN_FEATURES)
    assert part == {k: full[k] for k in ("dense", "agree", "ovoc")}


def test_fit_features_compute_only_what_is_asked() -> None:
    text, names = "are the porch lights still on?", ["turn_off_light", "get_light_state"]
    full = fit_features(text, names)
    assert fit_features(text, names, {"agree"}) == {"act": full["act"], "agree": full["agree"]}
    assert fit_features(text, names, {"reads"}) == {"reads": full["reads"]}
    assert fit_features(text, names, ()) == {}
