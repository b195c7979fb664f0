"""An age asked in days or weeks counts from the birth date the request gives to today."""

from __future__ import annotations

import pytest

from agentfn.backends._extract import ExtractionSources, extractive_spec
from agentfn.toolset import Toolset


@pytest.mark.parametrize(
    ("request_text", "born"),
    [
        ("my cat was born on 2024-04-02, how many weeks old is she", "2024-04-02"),
        ("I was born on 30 June 1979. How many days old am I?", "1979-06-30"),
    ],
)
def test_age_runs_from_the_birth_to_today(request_text: str, born: str) -> None:
    spec = Toolset.builtin()["date_diff"].openai_schema()
    params = extractive_spec(spec, ExtractionSources(request_text, "2026-12-07"))["function"]["parameters"]
    branches = params.get("anyOf", [params])
    assert {v for b in branches for v in b["properties"]["start"]["enum"]} == {born}
    assert "2026-12-07" in {v for b in branches for v in b["properties"]["end"]["enum"]}


def test_a_distance_each_way_is_no_street_address() -> None:
    spec = Toolset.builtin()["convert_units"].openai_schema()
    request = "I jog 4 miles each way to the park, 3 days a week. How many km is that weekly?"
    params = extractive_spec(spec, ExtractionSources(request, "2026-12-07"))["function"]["parameters"]
    branches = params.get("anyOf", [params])
    assert 4 in {v for b in branches for v in b["properties"]["value"]["enum"]}
