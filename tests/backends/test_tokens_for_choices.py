"""A forced call's token budget covers the longest string choice its constraint admits."""

from __future__ import annotations

from typing import Any

from agentfn.backends._grammar import tokens_for_choices


def _tool(**props: Any) -> dict[str, Any]:
    return {"type": "function", "function": {"name": "t", "parameters": {"type": "object", "properties": props}}}


def test_a_long_pasted_passage_among_the_choices_sets_the_budget() -> None:
    passage = "Our team met on Tuesday. " * 120  # 3,000 characters
    spec = _tool(text={"type": "string", "enum": [passage, "Our team", "met on Tuesday"]}, n={"type": "integer"})
    assert tokens_for_choices([spec]) >= len(passage) // 3


def test_the_longest_choice_of_any_tool_and_nested_parameter_counts() -> None:
    short = _tool(unit={"type": "string", "enum": ["km", "mi"]})
    nested = _tool(filters={"type": "object", "properties": {"q": {"type": "string", "enum": ["x" * 900]}}})
    assert tokens_for_choices([short, nested]) == tokens_for_choices([nested]) > tokens_for_choices([short])


def test_no_string_choices_need_nothing_and_the_budget_is_bounded() -> None:
    assert tokens_for_choices([_tool(n={"type": "integer", "enum": [1, 2]}), _tool(s={"type": "string"})]) == 0
    assert tokens_for_choices([_tool(s={"type": "string", "enum": ["y" * 100_000]})]) == 4096
