"""An array of choices is bounded by its number of choices (a greedy model repeats list items)."""

from __future__ import annotations

from agentfn.backends._constrain import bounded_schema


def test_an_array_of_choices_takes_each_at_most_once() -> None:
    schema = {"type": "object", "properties": {
        "invitees": {"type": "array", "items": {"type": "string", "enum": ["ana@example.org", "bo@example.org"]}},
        "notes": {"type": "array", "items": {"type": "string"}},
        "pair": {"type": "array", "items": {"type": "string", "enum": ["x"]}, "minItems": 2},
    }}
    props = bounded_schema(schema, max_string_length=50, max_items=8)["properties"]
    assert props["invitees"]["maxItems"] == 2
    assert props["notes"]["maxItems"] == 8 and props["notes"]["items"]["maxLength"] == 50
    assert props["pair"]["maxItems"] == 2  # never below the author's minimum
