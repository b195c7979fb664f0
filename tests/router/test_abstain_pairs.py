"""One tool must carry both the asked action and the named object (``pairfit``): split bests do not count."""

from __future__ import annotations

from agentfn.router import Router, RouterConfig
from agentfn.router.calibration import ABSTAIN_FEATURES, DEFAULT_ABSTAIN_WEIGHTS
from agentfn.router.encoder import Encoder
from agentfn.router.fitness import fit_features
from agentfn.router.pairfit import PAIR_FEATURES, pair_features

KENNEL_VOCAB = frozenset({"cancel", "kennel", "booking", "stay", "dog"})
TIMETABLE_VOCAB = frozenset({"ferry", "timetable", "departure", "harbour", "sailing"})
FERRY_VOCAB = frozenset({"cancel", "ferry", "ticket", "refund"})


def test_action_and_object_split_over_two_tools_is_no_pair() -> None:
    text = "cancel my ferry ticket for Friday"
    names = ["cancel_kennel_booking", "get_ferry_timetable"]
    split = fit_features(text, names)
    assert split["act"] == 1.0 and split["obj"] > 0.0  # each best comes from another tool
    got = pair_features(text, names, [KENNEL_VOCAB, TIMETABLE_VOCAB])
    assert got["pair"] == 0.0 and got["pairvoc"] == 0.0
    own = pair_features(text, ["cancel_ferry_ticket"], [FERRY_VOCAB])
    assert own["pair"] == 1.0 and own["pairvoc"] == 1.0


def test_a_tool_whose_action_clashes_does_not_count_and_none_offered_reads_zero() -> None:
    text = "delete the garden photos album"
    assert pair_features(text, ["create_photo_album"], [frozenset({"create", "photo", "album"})]) == {
        "pair": 0.0, "pairvoc": 0.0}
    agrees = pair_features(text, ["delete_photo_album"], [frozenset({"delete", "photo", "album"})])
    assert agrees["pair"] == 1.0 and agrees["pairvoc"] > 0.0
    assert pair_features(text, [], []) == {"pair": 0.0, "pairvoc": 0.0}


def test_a_request_without_an_action_still_pairs_on_its_object() -> None:
    # No action word: action_fit is 0.5 (unknown), which is no clash.
    got = pair_features("the bin collection days for Elm Road", ["bin_collection_schedule"],
                        [frozenset({"bin", "collection", "schedule", "day", "road"})])
    assert got["pair"] == 1.0


def test_route_reports_the_pair_signals(encoder: Encoder) -> None:
    assert set(PAIR_FEATURES) <= set(ABSTAIN_FEATURES)
    assert all(DEFAULT_ABSTAIN_WEIGHTS[k] >= 0.0 for k in PAIR_FEATURES)
    tools = [{"name": n, "description": d, "parameters": {"type": "object", "properties": {}}} for n, d in (
        ("cancel_kennel_booking", "Cancel a booked kennel stay for a dog."),
        ("get_ferry_timetable", "Departure times of ferries from a harbour."),
    )]
    feats: dict[str, float] = {}
    Router.build(tools, encoder=encoder, config=RouterConfig(abstain_mode="model")).route(
        "cancel my ferry ticket for Friday", k=2, features=feats)
    assert feats["pair"] == 0.0 and feats["act"] == 1.0
