"""Near-duplicate heads: a step the request does not ask for, a change where a reading was asked, and two
libraries naming the same function differently (registries written for these tests)."""

from __future__ import annotations

import functools
from typing import Any

from agentfn.router import Router, RouterConfig
from agentfn.router.dataflow import tool_io
from agentfn.router.neardup import misfits, near_duplicate_head, step_of
from agentfn.router.text import ToolRecord


def _tool(name: str, description: str, **params: str) -> dict[str, Any]:
    props = {p: {"type": kind, "description": p.replace("_", " ")} for p, kind in params.items()}
    return {"name": name, "description": description,
            "parameters": {"type": "object", "properties": props, "required": list(params)}}


SPEAKER = [
    _tool("speaker_volume_up", "Turn the speaker's volume up by a number of steps.", steps="integer"),
    _tool("speaker_volume_down", "Turn the speaker's volume down by a number of steps.", steps="integer"),
    _tool("speaker_set_volume", "Set the speaker's volume to a level.", level="integer"),
]
OVEN = [
    _tool("oven_raise_temperature", "Raise the oven temperature by some degrees.", degrees="number"),
    _tool("oven_lower_temperature", "Lower the oven temperature by some degrees.", degrees="number"),
    _tool("oven_set_temperature", "Set the oven temperature.", degrees="number"),
    _tool("oven_get_temperature", "The oven's current temperature."),
]
CALENDAR = [
    _tool("calendar_add_event", "Add an event to the calendar.", title="string"),
    _tool("calendar_remove_event", "Remove an event from the calendar.", title="string"),
    _tool("calendar_list_events", "List the calendar's events."),
]


def _head(tools: list[dict[str, Any]], ranked: list[tuple[str, float]], text: str) -> list[str]:
    recs = {t["name"]: ToolRecord.of(t) for t in tools}
    io_of = functools.cache(lambda n: tool_io(recs[n]))
    out = near_duplicate_head(ranked, text, recs, io_of, margin=0.05, depth=5, w_fill=0.1, w_name=0.03, w_words=0.2)
    assert sorted(s for _, s in out) == sorted(s for _, s in ranked)  # the values stay; only the order moves
    return [n for n, _ in out]


def test_step_words_of_names() -> None:
    assert step_of("speaker_volume_up") == 1 and step_of("speakerVolumeDown") == -1
    assert step_of("HassIncreaseBrightness") == 1 and step_of("oven_lower_temperature") == -1
    assert step_of("speaker_set_volume") == 0
    assert step_of("calendar_add_event") == 0 and step_of("calendar_remove_event") == 0  # add/remove: not steps in names


def test_a_value_without_a_direction_goes_to_the_absolute_tool() -> None:
    ranked = [("speaker_volume_up", 0.81), ("speaker_volume_down", 0.80), ("speaker_set_volume", 0.79)]
    assert _head(SPEAKER, ranked, "put the volume at 30")[0] == "speaker_set_volume"
    ranked = [("oven_lower_temperature", 0.70), ("oven_raise_temperature", 0.69), ("oven_set_temperature", 0.68)]
    assert _head(OVEN, ranked, "heat the oven to 200 degrees")[0] == "oven_set_temperature"


def test_a_direction_said_keeps_its_way_and_costs_the_other() -> None:
    ranked = [("speaker_set_volume", 0.81), ("speaker_volume_down", 0.80), ("speaker_volume_up", 0.79)]
    assert misfits([n for n, _ in ranked], "make the music louder by 3 steps") == [0, 1, 0]
    assert _head(SPEAKER, ranked, "make the music louder by 3 steps")[0] != "speaker_volume_down"
    ranked = [("oven_raise_temperature", 0.70), ("oven_lower_temperature", 0.69)]
    assert _head(OVEN, ranked, "the oven is too hot, bring it down by 20 degrees")[0] == "oven_lower_temperature"


def test_one_way_alone_is_no_step_pair() -> None:
    assert misfits(["speaker_volume_up", "speaker_set_volume"], "put the volume at 30") == [0, 0]


THERMOSTAT = [
    {**_tool("thermostat_set_mode", "Set the thermostat's mode (eco, comfort or away)."),
     "parameters": {"type": "object", "properties": {"mode": {"type": "string", "enum": ["eco", "comfort", "away"]}}}},
    _tool("thermostat_get_mode", "The thermostat's mode."),
]


def test_a_question_that_reads_costs_the_tools_that_change() -> None:
    ranked = [("thermostat_set_mode", 0.75), ("thermostat_get_mode", 0.72)]
    assert _head(THERMOSTAT, ranked, "which mode is the thermostat in?")[0] == "thermostat_get_mode"
    assert _head(THERMOSTAT, ranked, "switch the thermostat to eco mode")[0] == "thermostat_set_mode"
    # Every competitor changes state: a question does not reorder them by mood.
    assert misfits(["oven_set_temperature", "calendar_remove_event"], "what is on?") == [0, 0]


def test_add_and_remove_in_names_are_not_taken_for_steps() -> None:
    ranked = [("calendar_add_event", 0.60), ("calendar_remove_event", 0.59), ("calendar_list_events", 0.58)]
    assert _head(CALENDAR, ranked, "put the dentist appointment on my calendar")[0] == "calendar_add_event"


GEOMETRY = [
    # Two geometry libraries name the same functions differently; a third tool measures from the diameter.
    _tool("geometry.area_circle", "Calculate the area of a circle.", radius="number"),
    _tool("circle.area", "Area of a circle given its radius.", radius="number"),
    _tool("shapes.circle_area_from_diameter", "Area of a circle from its diameter.", diameter="number"),
    _tool("geometry.circumference", "Calculate the circumference of a circle.", radius="number"),
    _tool("send_email", "Send an email message.", to="string"),
]


def test_router_head_among_geometry_libraries_follows_the_request() -> None:
    cfg = RouterConfig(encoder=None, abstain_mode="threshold", abstain_threshold=0.0, head_margin=0.5)
    router = Router.build(GEOMETRY, encoder=None, config=cfg)
    plan = router.route("what is the area of a circle whose diameter is 12 cm?", k=4)
    assert plan.selected[0] == "shapes.circle_area_from_diameter"
    plan = router.route("area of a circle with radius 3", k=4)
    assert plan.selected[0] in ("geometry.area_circle", "circle.area")
    plan = router.route("how long is the circumference of a circle of radius 3?", k=4)
    assert plan.selected[0] == "geometry.circumference"


# A competitor that pays no misfit may pass misfits up to the penalty behind (beyond the margin).
COUNTDOWN = [
    _tool("countdown_extend", "Make a running countdown longer.", minutes="integer"),
    _tool("countdown_shorten", "Make a running countdown shorter.", minutes="integer"),
    _tool("countdown_begin", "Begin a countdown of some minutes.", minutes="integer"),
    _tool("notes_list", "List the notes."),
    _tool("notes_create", "Create a note.", text="string"),
]


def test_a_tool_without_misfit_passes_stepping_tools_beyond_the_margin() -> None:
    # 0.06 behind (past the margin, within margin + penalty): the two step tools each pay a misfit
    ranked = [("countdown_extend", 0.80), ("countdown_shorten", 0.79), ("countdown_begin", 0.74)]
    assert _head(COUNTDOWN, ranked, "a countdown of 10 minutes please")[0] == "countdown_begin"
    # asked to step up: the step tool keeps its place
    assert _head(COUNTDOWN, ranked, "add 10 minutes to the countdown, make it longer")[0] == "countdown_extend"


def test_without_misfits_only_the_near_ties_within_the_margin_move() -> None:
    ranked = [("notes_list", 0.80), ("notes_create", 0.70)]
    assert _head(COUNTDOWN, ranked, "create a note saying buy milk")[0] == "notes_list"
    ranked = [("notes_list", 0.80), ("notes_create", 0.77)]
    assert _head(COUNTDOWN, ranked, "create a note saying buy milk")[0] == "notes_create"
