"""Long task requests: the same-server lookups behind the top tools join the offered tools."""

from __future__ import annotations

from typing import Any

from agentfn.router import Router
from agentfn.router.dataflow import RequestValues, tool_io
from agentfn.router.flowstats import FlowStats
from agentfn.router.head_inputs import head_producers
from agentfn.router.text import ToolRecord


def _obj(**fields: str) -> dict[str, Any]:
    return {"type": "object", "properties": {k: {"type": "string", "description": v} for k, v in fields.items()}}


SPECS: list[dict[str, Any]] = [
    {"name": "garden__swap_plant_order", "description": "Swap plants of a delivered plant order for other plants.",
     "parameters": {**_obj(order_ref="reference of the plant order", plant_ids="ids of the plants to swap",
                           card_id="id of the card to pay the difference"),
                    "required": ["order_ref", "plant_ids", "card_id"]}},
    {"name": "garden__lookup_order", "description": "Look up a plant order: its plants and how it was paid.",
     "parameters": {**_obj(order_ref="reference of the plant order"), "required": ["order_ref"]},
     "return_schema": {"type": "object", "properties": {
         "order_ref": {"type": "string", "description": "reference of the order"},
         "plants": {"type": "array", "items": _obj(plant_id="id of the plant", name="plant name")},
         "card_id": {"type": "string", "description": "id of the card the order was paid with"}}}},
    {"name": "garden__lookup_gardener", "description": "Look up a gardener's account by email.",
     "parameters": {**_obj(email="the gardener's email"), "required": ["email"]},
     "return_schema": {"type": "object", "properties": {
         "order_refs": {"type": "array", "items": {"type": "string"}, "description": "references of the gardener's orders"},
         "card_id": {"type": "string", "description": "id of the gardener's card"}}}},
    {"name": "garden__water_schedule", "description": "Set when the sprinklers water the lawn.",
     "parameters": {**_obj(time="time of day"), "required": ["time"]}},
    {"name": "seeds__lookup_order", "description": "Look up a seed order: its seeds and how it was paid.",
     "parameters": {**_obj(order_ref="reference of the seed order"), "required": ["order_ref"]},
     "return_schema": {"type": "object", "properties": {
         "plant_ids": {"type": "array", "items": {"type": "string"}, "description": "ids of the seeds"},
         "card_id": {"type": "string", "description": "id of the card the order was paid with"}}}},
    {"name": "swap_items", "description": "Swap items of an order.",
     "parameters": {**_obj(order_ref="reference of the order", plant_ids="ids of the items"),
                    "required": ["order_ref", "plant_ids"]}},
]
RECORDS = {s["name"]: ToolRecord.of(s) for s in SPECS}
LONG = ("You got your plant delivery last week and two of the ferns arrived wilted. You wish to swap them for the "
        "healthy kind the shop sells instead. You are Ada, ada@example.com.")


def _producers(ranked: list[str], text: str, **kw: Any) -> list[str]:
    return head_producers([(n, 1.0 - i / 10) for i, n in enumerate(ranked)], text,
                          io_of=lambda n: tool_io(RECORDS[n]), values=RequestValues.of(text),
                          relevance={n: 1.0 - i / 10 for i, n in enumerate(ranked)}, flow=FlowStats(),
                          min_flow=0.5, max_depth=3, members=lambda h: [n for n in RECORDS if n.split("__")[0] == h.split("__")[0]],
                          **kw)


def test_lookups_behind_a_top_action_of_its_server() -> None:
    out = _producers(["garden__water_schedule", "garden__swap_plant_order", "garden__lookup_order",
                      "garden__lookup_gardener", "seeds__lookup_order"], LONG)
    assert "garden__lookup_order" in out
    assert "seeds__lookup_order" not in out  # another server's lookup is not pulled
    assert "garden__swap_plant_order" not in out  # heads are not their own producers
    assert len(out) == len(set(out))


def test_short_request_and_plain_tools_pull_nothing() -> None:
    ranked = ["garden__swap_plant_order", "garden__lookup_order", "garden__lookup_gardener"]
    assert _producers(ranked, "swap my wilted ferns") == []
    assert _producers(["swap_items", "seeds__lookup_order"], LONG) == []
    assert _producers(ranked, LONG, heads=0) == []


def test_route_offers_the_lookup_with_its_action() -> None:
    router = Router.build(SPECS, encoder=None)
    plan = router.route(LONG, k=6)
    top5 = [n for n, _ in plan.ranked[:5]]
    assert top5[0] == "garden__swap_plant_order" and "garden__lookup_order" in top5
