"""The Home Assistant intents source: tools from intent metadata and templates, gold calls parsed by the source's grammar.

Runs on a miniature ``home_assistant_intents`` tree laid out like the pinned wheel (written here);
nothing is fetched.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agentfn.evals.foreign_calls import foreign_call_cases, stated_in
from agentfn.evals.router_data import RouterExample, RouterSource
from agentfn.evals.router_data.dataset import UNSEEN_FAMILIES, assign_splits, build_abstain
from agentfn.evals.router_data.fetch import PACKAGES
from agentfn.evals.router_data.intents_source import home_assistant_source
from agentfn.tool import Tool

pytest.importorskip("hassil")

META: dict[str, Any] = {
    "HassTurnOn": {
        "supported": True, "description": "Turns on a device or entity",
        "slots": {"name": {"description": "Name of a device or entity", "required": False},
                  "area": {"description": "Name of an area", "required": False},
                  "domain": {"description": "Domain of devices/entities in an area", "required": False}},
        "slot_combinations": {
            "area_domain": {"slots": ["area", "domain"], "example": "turn on the lights in the kitchen"},
            "name_only": {"slots": ["name"], "example": ["turn on the overhead light", "switch on the porch"]},
        },
    },
    "HassLightSet": {
        "supported": True, "description": "Sets the brightness or color of a light",
        "slots": {"name": {"description": "Name of a device or entity"},
                  "brightness": {"description": "Brightness percentage from 0 to 100"},
                  "color": {"description": "Name of color"}},
        "slot_combinations": {
            "name_brightness": {"slots": ["name", "brightness"], "example": "set the overhead light brightness to 50%"},
            "name_color": {"slots": ["name", "color"], "example": "set the overhead light to red"},
        },
    },
    "HassStartTimer": {
        "supported": True, "description": "Starts a new timer",
        "slots": {"minutes": {"description": "Minutes", "required": False}},
        "slot_combinations": {"minutes_only": {"slots": ["minutes"], "example": "set a timer for 10 minutes"},
                              "dup": {"slots": ["minutes"], "example": "Set a timer for 10 minutes"}},
    },
    "HassOld": {"supported": False, "description": "Not offered", "slots": {}},
}

LANGUAGE: dict[str, Any] = {
    "language": "en",
    "intents": {
        "HassTurnOn": {"data": [
            {"sentences": ["<turn> on [the] {name}"], "requires_context": {"domain": ["light", "switch"]}},
            {"sentences": ["<turn> on [the] lights in [the] {area}"], "slots": {"domain": "light"}},
        ]},
        "HassLightSet": {"data": [
            {"sentences": ["set [the] {name} brightness to {brightness}%", "set [the] {name} to {color}"],
             "requires_context": {"domain": "light"}},
        ]},
        "HassStartTimer": {"data": [{"sentences": ["set a timer for {timer_minutes:minutes} minute[s]"]}]},
    },
    "lists": {
        "brightness": {"range": {"type": "percentage", "from": 0, "to": 100}},
        "color": {"values": [{"in": "red", "out": "red"}, {"in": "(blue|navy)", "out": "blue"}]},
        "timer_minutes": {"range": {"from": 1, "to": 100}},
    },
    "expansion_rules": {"turn": "(turn|switch)"},
    "skip_words": [],
}


@pytest.fixture
def ha_root(tmp_path: Path) -> Path:
    base = tmp_path / "ha" / "home_assistant_intents"
    (base / "data").mkdir(parents=True)
    (base / "intents.json").write_text(json.dumps(META))
    (base / "data" / "en.json").write_text(json.dumps(LANGUAGE))
    return tmp_path / "ha"


def test_tools_are_typed_from_templates_and_metadata(ha_root: Path) -> None:
    src = home_assistant_source(ha_root)
    assert src.licence == PACKAGES["home-assistant-intents"].licence and src.family in UNSEEN_FAMILIES
    by_name = {t["name"]: t for t in src.tools}
    assert set(by_name) == {"homeassistant__HassTurnOn", "homeassistant__HassLightSet", "homeassistant__HassStartTimer"}
    light = by_name["homeassistant__HassLightSet"]["parameters"]["properties"]
    assert light["brightness"] == {"type": "integer", "minimum": 0, "maximum": 100,
                                   "description": "Brightness percentage from 0 to 100"}
    assert light["color"]["enum"] == ["red", "blue"]
    turn_on = by_name["homeassistant__HassTurnOn"]["parameters"]["properties"]
    assert turn_on["domain"]["enum"] == ["light"]  # the value a template fixes for the slot
    assert turn_on["area"] == {"type": "string", "description": "Name of an area"}
    assert by_name["homeassistant__HassStartTimer"]["parameters"]["properties"]["minutes"]["type"] == "integer"
    for spec in src.tools:  # every tool reads as a Tool
        assert Tool.from_schema(spec).name == spec["name"]


def test_examples_get_gold_calls_from_the_grammar(ha_root: Path) -> None:
    src = home_assistant_source(ha_root)
    calls = {e.text.casefold(): e.calls[0] for e in src.examples}
    assert all(e.kind == "single" and e.gold == [e.calls[0]["name"]] for e in src.examples)
    assert calls["turn on the lights in the kitchen"] == {
        "name": "homeassistant__HassTurnOn", "arguments": {"area": "kitchen", "domain": "light"}}
    assert calls["turn on the overhead light"]["arguments"] == {"name": "overhead light"}
    assert calls["switch on the porch"]["arguments"] == {"name": "porch"}
    assert calls["set the overhead light brightness to 50%"]["arguments"] == {"name": "overhead light", "brightness": 50}
    assert calls["set the overhead light to red"]["arguments"] == {"name": "overhead light", "color": "red"}
    assert calls["set a timer for 10 minutes"]["arguments"] == {"minutes": 10}
    # the same request twice (case aside) is kept once
    assert sum(e.text.casefold() == "set a timer for 10 minutes" for e in src.examples) == 1


def test_examples_that_do_not_parse_as_declared_are_left_out(ha_root: Path) -> None:
    meta = json.loads((ha_root / "home_assistant_intents" / "intents.json").read_text())
    combos = meta["HassLightSet"]["slot_combinations"]
    combos["typo"] = {"slots": ["name", "brightness"], "example": "set overhead light brightness at 50 percent"}
    combos["wrong_slots"] = {"slots": ["name", "color"], "example": "set the porch brightness to 20%"}
    (ha_root / "home_assistant_intents" / "intents.json").write_text(json.dumps(meta))
    texts = {e.text for e in home_assistant_source(ha_root).examples}
    assert "set overhead light brightness at 50 percent" not in texts  # no template matches it
    assert "set the porch brightness to 20%" not in texts  # it parses, but not with the declared slots


def test_enum_values_count_as_stated_for_call_cases(ha_root: Path) -> None:
    src = home_assistant_source(ha_root)
    enums = {"domain": ["light", "fan"]}
    assert stated_in({"area": "kitchen", "domain": "light"}, "turn on the lamps in the kitchen", enums)
    assert not stated_in({"area": "kitchen", "domain": "light"}, "turn on the lamps in the kitchen")
    assert not stated_in({"area": "hall", "domain": "light"}, "turn on the lamps in the kitchen", enums)
    assert stated_in({"domain": "fan"}, "the fans", enums)
    cases = foreign_call_cases(src.examples, tools=src.tools)
    without = foreign_call_cases(src.examples)
    assert len(cases) == len(src.examples) >= len(without)
    lights = next(c for c in cases if c.case.prompt == "turn on the lights in the kitchen")
    assert lights.gold.arguments == {"area": ["kitchen"], "domain": ["light"]}


def test_unseen_source_split_and_abstention_against_another_family(ha_root: Path) -> None:
    ha = home_assistant_source(ha_root)
    other = RouterSource(
        name="shop", family="shop", package="p", version="1", licence="MIT",
        tools=[{"name": f"shop__t{i}", "description": f"order lookup {i}", "parameters": {}} for i in range(5)],
        examples=[RouterExample(id=f"shop:{i}", source="shop", text=f"where is order {i}", gold=[f"shop__t{i}"],
                                chain=[f"shop__t{i}"], kind="single") for i in range(5)])
    assign_splits([ha, other])
    assert {e.split for e in ha.examples} == {"unseen-source"}
    items = [i for i in build_abstain([ha, other], offered=3) if i.source == ha.name]
    assert len(items) == 2 * len(ha.examples)
    for it in items:
        assert all(n.startswith("shop__") for n in it.offered) == it.should_abstain
