"""What a request acts on against each offered tool (``objfit``): abstention signals that ignore a shared verb."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from agentfn.router import Router, RouterConfig
from agentfn.router.calibration import ABSTAIN_FEATURES, OBJECT_VECTOR_FEATURES
from agentfn.router.encoder import Encoder
from agentfn.router.objfit import (
    OBJECT_FEATURES,
    object_cover,
    object_features,
    object_vector_features,
    object_words,
)
from agentfn.router.text import ToolRecord


def _rec(name: str, description: str, **params: str) -> ToolRecord:
    props = {p: {"type": "string", "description": d} for p, d in params.items()}
    return ToolRecord(name=name, description=description, parameters={"type": "object", "properties": props})


KENNEL = _rec("cancel_kennel_booking", "Cancel a booked kennel stay for a dog.", booking_ref="the kennel booking")
FERRY = _rec("cancel_ferry_ticket", "Cancel a ferry ticket and refund it.", ticket="ticket number")
HEDGE = _rec("hedge_volume", "Volume of a rectangular hedge from its length, width and height in metres.")


def test_object_words_drop_values_actions_and_generic_record_words() -> None:
    assert object_words("please cancel the 3 night kennel stay for Biscuit") == {"night", "kennel", "stay"}
    assert object_words("show me the user details") == frozenset()  # nothing but generic record words
    # an opening filler is no heading: what follows its colon is the request
    assert object_words("quick one: delete the garden folder via Dropbox") == {"garden", "folder"}


def test_object_cover_matches_inflections_by_prefix_and_is_neutral_without_objects() -> None:
    assert object_cover(frozenset({"reservation"}), ["reserve", "table"]) == 1.0
    assert object_cover(frozenset({"kennel", "ferry"}), ["kennel"]) == 0.5
    assert object_cover(frozenset(), ["anything"]) == 0.5


def test_a_shared_action_does_not_make_a_tool_cover_the_request() -> None:
    text = "cancel my kennel stay for Biscuit"
    vocab = [frozenset({"cancel", "ferry", "ticket", "refund"})]
    got = object_features(text, [FERRY], vocab)
    assert got == {"ocov": 0.0, "ovoc": 0.0}
    own = object_features(text, [KENNEL], [frozenset({"cancel", "kennel", "booking", "stay", "dog"})])
    assert own["ocov"] > 0.0 and own["ovoc"] == 1.0
    assert set(got) | {"ohead", "ohbg"} == set(OBJECT_FEATURES)


def test_object_vector_features_compare_with_heads_and_the_background() -> None:
    obj = np.asarray([1.0, 0.0], dtype=np.float32)
    heads = [np.asarray([0.6, 0.8], dtype=np.float32), np.asarray([0.0, 1.0], dtype=np.float32)]
    got = object_vector_features(obj, heads, np.asarray([0.2, 0.9], dtype=np.float32), (0.5, 0.1))
    assert got == pytest.approx({"ohead": 0.6, "ohbg": -0.3})
    assert object_vector_features(None, heads, np.zeros(2, dtype=np.float32), (0.5, 0.1)) == {"ohead": 0.5, "ohbg": 0.1}


def _spec(rec: ToolRecord) -> dict[str, Any]:
    return {"name": rec.name, "description": rec.description, "parameters": rec.parameters}


def test_route_reports_the_object_signals_and_they_tell_a_neighbour_from_the_tool(encoder: Encoder) -> None:
    text = "cancel my kennel stay for Saturday"
    weights = {k: 1e-12 for k in OBJECT_VECTOR_FEATURES}  # the object text is encoded, no decision moves
    feats: dict[str, dict[str, float]] = {}
    for rec in (KENNEL, FERRY, HEDGE):
        f: dict[str, float] = {}
        Router.build([_spec(rec)], encoder=encoder, config=RouterConfig(abstain_weights=weights)).route(text, k=1, features=f)
        assert set(f) == set(ABSTAIN_FEATURES)
        feats[rec.name] = f
    own, ferry, hedge = feats[KENNEL.name], feats[FERRY.name], feats[HEDGE.name]
    assert own["ocov"] > ferry["ocov"] and own["ocov"] > hedge["ocov"]
    assert own["ohead"] > ferry["ohead"] and own["ohead"] > hedge["ohead"]
    assert own["ohbg"] > ferry["ohbg"]
