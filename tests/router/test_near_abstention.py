"""Abstention with one to three offered tools from a neighbouring domain (issue 13's foreign abstention aim)."""

from __future__ import annotations

from typing import Any

import pytest

from agentfn.evals.router_data.near_abstain import near_abstain_items
from agentfn.evals.router_data.records import RouterExample, RouterSource
from agentfn.router import Router, RouterConfig
from agentfn.router.calibration import ABSTAIN_FEATURES, DEFAULT_ABSTAIN_WEIGHTS
from agentfn.router.encoder import Encoder
from agentfn.router.fitness import action_fit, action_groups, name_objects, object_fit


def _tool(tool_name: str, description: str, **props: str) -> dict[str, Any]:
    properties = {k: {"type": t} for k, t in props.items()}
    return {"name": tool_name, "description": description,
            "parameters": {"type": "object", "properties": properties, "required": list(props)}}


NEAR = {
    "calculate_triangle_area": _tool("calculate_triangle_area", "Calculate the area of a triangle from its base and "
                                     "height.", base="number", height="number"),
    "circle_area": _tool("circle_area", "Area of a circle from its radius.", radius="number"),
    "HassTurnOff": _tool("HassTurnOff", "Turns off/closes a device or entity.", name="string", area="string"),
    "HassTurnOn": _tool("HassTurnOn", "Turns on/opens a device or entity.", name="string", area="string"),
    "cancel_pending_order": _tool("cancel_pending_order", "Cancel a pending order.", order_id="string"),
    "modify_pending_order_address": _tool("modify_pending_order_address", "Modify the shipping address of a pending "
                                          "order.", order_id="string", address="string"),
    "get_weather": _tool("get_weather", "Current weather and temperature in a city.", city="string"),
    "get_stock_price": _tool("get_stock_price", "Latest price of a stock ticker.", ticker="string"),
}

# (request, the one tool offered, does it fit?): what the shipped model decides right.
SINGLE = [
    ("turn on the lights in the kitchen", "HassTurnOff", False),
    ("switch off the bedroom fan", "HassTurnOn", False),
    ("what is Apple's share price right now", "get_weather", False),
    ("what is Apple's share price right now", "get_stock_price", True),
    ("how hot is it in Madrid today", "get_stock_price", False),
    ("how hot is it in Madrid today", "get_weather", True),
    ("cancel my order #W123 please", "cancel_pending_order", True),
    ("cancel my order #W123 please", "modify_pending_order_address", False),  # action clash (fitness: agree)
    ("what is the area of a circle with radius 4", "circle_area", True),
]
# Known misses of the shipped model (benchmarks/results/fit_abstention.md, near-domain rows): a tool of the same
# domain and objects that does another thing is taken as fitting, and a tersely described fitting tool refused.
KNOWN_MISSES = [
    ("what is the area of a circle with radius 4", "calculate_triangle_area", False),
    ("turn on the lights in the kitchen", "HassTurnOn", True),
]


@pytest.mark.parametrize(("query", "name", "fits"), SINGLE)
def test_single_near_domain_tool_abstains_and_a_fitting_one_is_kept(encoder: Encoder, query: str, name: str,
                                                                   fits: bool) -> None:
    router = Router.build([NEAR[name]], encoder=encoder)  # the shipped default rule
    plan = router.route(query, k=1)
    assert plan.abstain is not fits
    assert plan.selected == ([name] if fits else [])


@pytest.mark.xfail(strict=True, reason="near-domain offers the shipped abstention model still gets wrong")
@pytest.mark.parametrize(("query", "name", "fits"), KNOWN_MISSES)
def test_known_near_domain_misses(encoder: Encoder, query: str, name: str, fits: bool) -> None:
    assert Router.build([NEAR[name]], encoder=encoder).route(query, k=1).abstain is not fits


def test_fitting_tool_scores_higher_than_its_near_domain_neighbour(encoder: Encoder) -> None:
    area = "what is the area of a circle with radius 4"
    fits = Router.build([NEAR["circle_area"]], encoder=encoder).route(area, k=1)
    near = Router.build([NEAR["calculate_triangle_area"]], encoder=encoder).route(area, k=1)
    assert fits.confidence > near.confidence and not fits.abstain


def test_action_and_object_fit_read_the_tool_name() -> None:
    assert action_groups("homeassistant__HassTurnOff") == {"off"}
    assert action_groups("retail__cancel_pending_order") == {"delete"}
    assert action_fit("turn on the porch light", "HassTurnOff") == 0.0
    assert action_fit("switch on the porch light", "HassTurnOn") == 1.0
    assert action_fit("switch the porch light on", "HassTurnOn") == 0.5  # only clause-opening actions count
    assert action_fit("cancelled orders this week", "cancel_pending_order") == 1.0
    assert action_fit("area of a circle", "circle_area") == 0.5  # the name does no action
    assert name_objects("calculate_triangle_area") == {"triangle", "area"}
    assert object_fit("area of a circle", "calculate_triangle_area") == 0.5
    assert object_fit("areas of circles", "circle_area") == 1.0


def test_new_features_are_computed_by_route_and_weights_persist(encoder: Encoder, tmp_path: Any) -> None:
    weights = {**DEFAULT_ABSTAIN_WEIGHTS, "act": 1.5, "obj": 0.75}
    router = Router.build([NEAR["HassTurnOn"]], encoder=encoder, config=RouterConfig(abstain_weights=weights))
    feats: dict[str, float] = {}
    plan = router.route("turn off the hallway light", k=1, features=feats)
    assert set(feats) == set(ABSTAIN_FEATURES) and feats["act"] == 0.0
    loaded = Router.load(router.save(tmp_path / "r"), encoder=encoder)
    assert loaded.config.abstain_weights == weights
    again = loaded.route("turn off the hallway light", k=1)
    assert again.confidence == pytest.approx(plan.confidence) and again.abstain == plan.abstain


def test_near_domain_items_offer_own_source_tools_that_do_not_serve() -> None:
    tools = [NEAR[n] for n in ("HassTurnOff", "HassTurnOn", "get_weather", "get_stock_price")]
    examples = [RouterExample(id=f"x{i}", source="home", text=t, gold=[g], chain=[g], kind="single", split="test")
                for i, (t, g) in enumerate([("turn on the lamp", "HassTurnOn"), ("weather in Rome", "get_weather"),
                                            ("shut the blinds", "HassTurnOff"), ("price of MSFT", "get_stock_price")])]
    src = RouterSource(name="home", family="home", package="p", version="1", licence="MIT", tools=tools,
                       examples=examples)
    items = near_abstain_items([src])
    assert {i.offer for i in items} == {"near-1", "near-3", "own-1", "own-3"}
    for it in items:
        gold = next(e.gold[0] for e in examples if it.id.startswith(e.id + "#"))
        assert it.should_abstain is (gold not in it.offered)
        assert len(it.offered) == (1 if it.offer.endswith("-1") else 3) and it.split == "test"
