"""A free span that is a place goes to the tool's place parameter (a registry written for these tests)."""

from __future__ import annotations

from typing import Any

from agentfn.backends._extract import ExtractionSources, extractive_spec
from agentfn.backends._extract_places import place_spans

_HEATER: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "heater_on",
        "description": "Switch a heater on",
        "parameters": {"type": "object", "properties": {
            "device": {"type": "string", "description": "Name of the heater"},
            "room": {"type": "string", "description": "Room the heater is in"},
            "storey": {"type": "string", "description": "Storey of the building"},
            "level": {"type": "integer", "description": "Heat level", "minimum": 1, "maximum": 5},
        }},
    },
}


def _params(request: str) -> dict[str, Any]:
    return extractive_spec(_HEATER, ExtractionSources(request))["function"]["parameters"]


def test_place_spans_are_names_of_places() -> None:
    spans = ["lamp", "lamp in the guest room", "guest", "guest room", "room"]
    assert place_spans(spans, "dim the lamp in the guest room") == ["guest room"]
    assert place_spans(["hallway"], "warm up the hallway") == ["hallway"]
    assert place_spans(["cabin"], "switch it on in the cabin") == ["cabin"]  # after "in the", at the clause end
    assert place_spans(["house"], "switch everything off in the house") == []  # the whole home is no area
    assert place_spans(["morning"], "in the morning warm the cabin up") == []  # not at a clause end


def test_the_place_parameter_is_given_the_place_and_the_others_lose_it() -> None:
    params = _params("switch on the heater in the study at level 3")
    assert "anyOf" not in params
    assert params["properties"]["room"]["enum"] == ["study"] and "room" in params["required"]
    assert "study" not in str(params["properties"].get("device", {}).get("enum", []))
    params = _params("switch on the attic heater")
    assert params["properties"]["room"]["enum"] == ["attic"]


def test_without_a_place_the_spans_stay_alternatives() -> None:
    params = _params("switch on the radiator")
    assert "anyOf" in params  # device, room or storey: at most one, the model's choice
