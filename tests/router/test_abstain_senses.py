"""Fine action senses (``senses.sense_features``): a tool that does something else to the asked object."""

from __future__ import annotations

from typing import Any

import pytest

from agentfn.router import Router
from agentfn.router.calibration import ABSTAIN_FEATURES, DEFAULT_ABSTAIN_WEIGHTS, p_fits, tool_vocabulary
from agentfn.router.encoder import Encoder
from agentfn.router.fitness import action_fit, asked_words, name_actions
from agentfn.router.namefit import vendor_features
from agentfn.router.senses import SENSE_FEATURES, asked_senses, name_senses, sense_features, sense_fit
from agentfn.router.text import ToolRecord


@pytest.mark.parametrize(("request_text", "name", "fit"), [
    ("put another 5 minutes on the oven timer", "shorten_timer", 0.0),  # broad groups: both update
    ("add 5 minutes to the oven timer", "decrease_timer", 0.0),
    ("add 5 minutes to the oven timer", "extend_timer", 1.0),
    ("take 2 minutes off the egg timer", "extend_timer", 0.0),  # an amount taken off: less
    ("bump the egg timer", "extend_timer", 0.5),  # "bump" is no known action: no evidence
    ("remove 2 minutes from the egg timer", "reduce_timer", 1.0),
    ("pause the workout timer", "start_timer", 0.0),
    ("resume the workout timer", "pause_timer", 0.0),
    ("continue the paused podcast", "resume_playback", 1.0),
    ("mute the living room speaker", "unmute_speaker", 0.0),
    ("skip this track", "next_track", 1.0),
    ("how long is left on the pizza timer?", "get_timer_status", 1.0),
    ("how long is left on the pizza timer?", "cancel_timer", 0.0),
    ("lovely weather today", "cancel_timer", 0.5),  # nothing asked: no clash
    ("remove 2 minutes from the egg timer", "cancel_timer", 0.0),  # an amount removed: less, not an end
    ("remove the egg timer", "cancel_timer", 1.0),
    ("add 15 minutes to the oven timer", "start_timer", 0.0),  # an amount added: more, not a new timer
    ("add a timer for the oven", "start_timer", 1.0),
    ("add 2 apples to my shopping list", "add_list_item", 1.0),  # the tool's "add" keeps both senses
])
def test_sense_fit_tells_actions_on_one_object_apart(request_text: str, name: str, fit: float) -> None:
    assert sense_fit(request_text, name) == fit


def test_broad_groups_are_unchanged_by_the_extra_action_words() -> None:
    # The fine senses read more action words; the broad groups of `fitness` still read only their own.
    assert name_actions("media_next_track") == ()
    assert name_actions("media_next_track", frozenset(["next"])) == ("next",)
    assert asked_words("skip this track") == ()
    assert action_fit("add 5 minutes to the oven timer", "decrease_timer") == 1.0  # broad: both update
    assert asked_senses("add 5 minutes to the oven timer") >= {"more"}
    assert name_senses("decrease_timer") == {"less"}


def test_sense_features_take_the_best_tool_and_compute_only_what_is_asked() -> None:
    text = "add 5 minutes to the oven timer"
    clash = sense_features(text, ["decrease_timer", "pause_timer"])
    assert clash == {"sense": 0.0, "sagree": 0.0, "spair": 0.0}
    mixed = sense_features(text, ["decrease_timer", "increase_oven_timer"])
    assert mixed == {"sense": 1.0, "sagree": 1.0, "spair": 1.0}  # oven, timer: both named
    assert sense_features(text, ["decrease_timer"], {"sense"}) == {"sense": 0.0}
    assert sense_features(text, ["decrease_timer"], {"dense"}) == {}
    assert sense_features(text, []) == {"sense": 0.5, "sagree": 1.0, "spair": 0.0}
    assert set(SENSE_FEATURES) <= set(ABSTAIN_FEATURES)
    assert all(DEFAULT_ABSTAIN_WEIGHTS[k] >= 0.0 for k in SENSE_FEATURES)


def test_vendor_reads_whether_the_request_names_a_service_no_offered_tool_is_of() -> None:
    recs = {r.name: r for r in (ToolRecord(name="quickpost_send_parcel", description="Send a parcel. (QuickPost API)"),
                                ToolRecord(name="boxfly_send_parcel", description="[BoxFly] Send a parcel."),
                                ToolRecord(name="send_parcel", description="Send a parcel to an address."))}

    def vendor(text: str, names: list[str]) -> float:
        return vendor_features(text, names, recs, [tool_vocabulary(recs[n]) for n in names])["vendor"]

    text = "ship a parcel to Oslo with QuickPost"
    assert vendor(text, ["boxfly_send_parcel"]) == 0.0  # another service only
    assert vendor(text, ["boxfly_send_parcel", "quickpost_send_parcel"]) == 1.0
    assert vendor(text, ["boxfly_send_parcel", "send_parcel"]) == 1.0  # one tool names no service
    assert vendor("ship my parcel 1Z999 today", ["boxfly_send_parcel"]) == 1.0  # no service named: BoxFly may do
    assert vendor("ship a parcel with BOXFLY", ["boxfly_send_parcel"]) == 1.0
    assert vendor(text, []) == 1.0


def _tool(name: str, description: str, required: str) -> dict[str, Any]:
    return {"name": name, "description": description,
            "parameters": {"type": "object", "properties": {required: {"type": "string"}}, "required": [required]}}


PLAYER = {
    "lower_volume": _tool("lower_volume", "Lower the volume of a music speaker by some steps.", "speaker"),
    "raise_volume": _tool("raise_volume", "Raise the volume of a music speaker by some steps.", "speaker"),
}


def test_route_reports_the_senses_and_a_weight_on_them_lowers_only_clashing_offers(encoder: Encoder) -> None:
    text = "increase the volume on the bedroom speaker"
    feats = {name: _features(encoder, tool, text) for name, tool in PLAYER.items()}
    assert all(set(f) == set(ABSTAIN_FEATURES) for f in feats.values())
    assert (feats["lower_volume"]["sagree"], feats["raise_volume"]["sagree"]) == (0.0, 1.0)
    # More weight on agreement, the bias lowered by as much: an offer without a clash keeps its P.
    shipped = DEFAULT_ABSTAIN_WEIGHTS
    weighted = {**shipped, "sagree": shipped["sagree"] + 2.0, "bias": shipped["bias"] - 2.0}
    assert p_fits(feats["lower_volume"], weighted) < p_fits(feats["lower_volume"], shipped)
    assert p_fits(feats["raise_volume"], weighted) == pytest.approx(p_fits(feats["raise_volume"], shipped))


def _features(encoder: Encoder, tool: dict[str, Any], text: str) -> dict[str, float]:
    feats: dict[str, float] = {}
    Router.build([tool], encoder=encoder).route(text, k=1, features=feats)
    return feats
