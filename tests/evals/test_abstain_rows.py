"""The abstention fit's rows carry the features a default router computes when it routes (agentfn.evals.abstain_rows)."""

from __future__ import annotations

from typing import Any

import pytest

from agentfn.evals.abstain_rows import router_kit
from agentfn.router import Router
from agentfn.router.calibration import (
    ABSTAIN_FEATURES,
    DEFAULT_ABSTAIN_WEIGHTS,
    OBJECT_VECTOR_FEATURES,
    p_fits,
)
from agentfn.router.config import RouterConfig


def _tool(name: str, description: str, *params: str) -> dict[str, Any]:
    props = {p: {"type": "string"} for p in params}
    return {"name": name, "description": description,
            "parameters": {"type": "object", "properties": props, "required": list(params)}}


GREENHOUSE = [
    _tool("open_vent", "Open a greenhouse roof vent by a percentage.", "vent", "percent"),
    _tool("read_soil_moisture", "Read the soil moisture of one greenhouse bed.", "bed"),
    _tool("water_bed", "Water one greenhouse bed for some minutes.", "bed", "minutes"),
]
REQUESTS = [
    "how dry is bed 4 right now?",
    "water the tomato bed for 12 minutes, then open the north vent halfway",
    "book me a table for two at an Italian place tonight",  # nothing here serves it
]


def _uses_object() -> bool:
    return any(DEFAULT_ABSTAIN_WEIGHTS.get(k, 0.0) for k in OBJECT_VECTOR_FEATURES)


def test_rows_hold_the_features_and_decision_of_a_default_router() -> None:
    build, row, rows = router_kit()
    plain = Router.build(GREENHOUSE)  # default encoder and settings, as a user gets them
    for i, text in enumerate(REQUESTS):
        row(build(GREENHOUSE), text, 3, int(i < 2), "fit", "greenhouse")
        feats: dict[str, float] = {}
        plan = plain.route(text, k=3, features=feats)
        got = rows[-1]
        # Rows always read the object text; a default router does only when its weights use it.
        same = [k for k in ABSTAIN_FEATURES if k not in OBJECT_VECTOR_FEATURES or _uses_object()]
        assert {k: got[k] for k in same} == pytest.approx({k: feats[k] for k in same}, abs=1e-5)
        assert (p_fits(got, DEFAULT_ABSTAIN_WEIGHTS) < RouterConfig().abstain_cut) == plan.abstain
        assert (got["group"], got["source"], got["y"], got["offered"]) == ("fit", "greenhouse", int(i < 2), 3)
