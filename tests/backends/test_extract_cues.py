"""Values the request assigns by naming the parameter (a registry written for these tests)."""

from __future__ import annotations

from typing import Any

from agentfn.backends._extract import ExtractionSources, extractive_spec
from agentfn.backends._extract_cues import cued_quotes

_POST: dict[str, Any] = {"type": "function", "function": {
    "name": "post_memo", "description": "Post a memo to a team",
    "parameters": {"type": "object", "required": ["team", "title", "text"], "properties": {
        "team": {"type": "string", "description": "The team"},
        "title": {"type": "string", "description": "The memo's title"},
        "text": {"type": "string", "description": "The memo's text"},
        "tags": {"type": "array", "items": {"type": "string"}, "description": "Tags of the memo"},
    }}}}


def test_a_quote_next_to_a_parameter_name_is_its_value() -> None:
    request = "Post 'Lunch is at noon' to the ops team with 'Friday lunch' as the title"
    assert cued_quotes(["team", "title", "text"], request) == {"title": "Friday lunch"}
    assert cued_quotes(["title"], "Post a memo, title: 'Friday lunch', saying 'noon'") == {"title": "Friday lunch"}
    assert cued_quotes(["title", "text"], "Post 'noon' and 'Friday lunch'") == {}


def test_extractive_spec_gives_the_cued_quote_and_leaves_unnamed_arrays_out() -> None:
    request = "Post 'Lunch is at noon' to the ops team with 'Friday lunch' as the title"
    params = extractive_spec(_POST, ExtractionSources(request))["function"]["parameters"]
    branches = params.get("anyOf", [params])
    for branch in branches:
        props = branch["properties"]
        assert props["title"]["enum"] == ["Friday lunch"]
        assert "Friday lunch" not in props["text"]["enum"] and "Lunch is at noon" in props["text"]["enum"]
        assert "tags" not in props  # not named: its default
    params = extractive_spec(_POST, ExtractionSources(request + ", tagged 'food'"))["function"]["parameters"]
    assert all("tags" in b["properties"] for b in params.get("anyOf", [params]))
