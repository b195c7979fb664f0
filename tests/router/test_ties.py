"""Ties at the top of a multi-step request's ranking are broken by the whole request, not by tool name."""

from __future__ import annotations

from typing import Any

from agentfn.router import Router, RouterConfig

TOOLS: list[dict[str, Any]] = [
    # "aardvark_*" sorts first by name: before the fix it won every tie.
    {"name": "aardvark_zebra_stripes", "description": "Count zebra stripes in a photo.",
     "parameters": {"type": "object", "properties": {"photo": {"type": "string"}}}},
    {"name": "parcel_tracking_status", "description": "Track a parcel shipment and show its delivery status.",
     "parameters": {"type": "object", "properties": {"tracking": {"type": "string"}}}},
    {"name": "weather_forecast", "description": "Weather forecast for a city.",
     "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}},
    {"name": "send_email", "description": "Send an email message.",
     "parameters": {"type": "object", "properties": {"to": {"type": "string"}}}},
]


def test_lifted_step_tops_tie_break_by_whole_request() -> None:
    router = Router.build(TOOLS, encoder=None, config=RouterConfig(encoder=None, abstain_threshold=0.0))
    text = "Track my parcel shipment and show its delivery status. Also count zebra stripes."
    plan = router.route(text, k=4)
    top = plan.ranked[:2]
    assert {n for n, _ in top} == {"parcel_tracking_status", "aardvark_zebra_stripes"}
    # Both step tops are lifted to the same level; the tool that fits more of the request leads.
    assert plan.ranked[0][0] == "parcel_tracking_status"
    assert abs(top[0][1] - top[1][1]) < 0.01
    assert plan.selected == ["parcel_tracking_status", "aardvark_zebra_stripes"]
