"""Data flow in traces: which argument values came from which earlier result, and what training learns from it."""

from __future__ import annotations

import json

from agentfn.messages import UserMessage
from agentfn.traces.flow import argument_sources
from agentfn.traces.records import Run, Step, ToolCallRecord
from agentfn.train.router_steps import flow_of_runs


def call(step: int, cid: str, name: str, args: dict[str, object], content: str, status: str = "ok") -> ToolCallRecord:
    return ToolCallRecord(step=step, index=0, call_id=cid, name=name, raw_arguments=json.dumps(args), arguments=args,
                          status=status, content=content)


def weather_run() -> Run:
    return Run(
        id="r1", started_at=0.0, input_messages=[UserMessage(content="What's the weather at the Eiffel Tower?")],
        outcome="answered",
        steps=[
            Step(step=0, time=0.0, tool_calls=[
                call(0, "c1", "geocode", {"address": "Eiffel Tower"}, json.dumps({"latitude": 48.8584, "longitude": 2.2945}))]),
            Step(step=1, time=0.0, tool_calls=[
                call(1, "c2", "weather", {"lat": 48.8584, "lon": 2.2945, "units": "metric"}, "Sunny, 21 C"),
                call(1, "c3", "broken", {"lat": 48.8584}, "error", status="error")]),
            Step(step=2, time=0.0, tool_calls=[call(2, "c4", "notify", {"text": "Sunny, 21 C", "days": 3}, "sent")]),
        ],
    )


def test_argument_values_are_traced_to_the_result_that_held_them() -> None:
    got = {(s.tool, s.argument): (s.source_tool, s.field) for s in argument_sources(weather_run())}
    assert got == {
        ("weather", "lat"): ("geocode", "latitude"),
        ("weather", "lon"): ("geocode", "longitude"),
        ("notify", "text"): ("weather", ""),  # found in a plain-text result
    }
    # The address came from the user, "metric" from nowhere, 3 is too small to tell, failed calls count for nothing.


def test_flow_of_runs_gives_links_and_calls_for_fitting() -> None:
    links, calls = flow_of_runs([weather_run()])
    assert {(ln.producer, ln.consumer, ln.param, ln.field) for ln in links} >= {("geocode", "weather", "lat", "latitude")}
    assert ("weather", ["lat", "lon", "units"]) in calls and all(name != "broken" for name, _ in calls)
