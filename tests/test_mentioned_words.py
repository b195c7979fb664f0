"""A word a request names without quotes ("the word encyclopedia") is the text a tool works on, like a quotation."""

from __future__ import annotations

from typing import Any

import pytest

from agentfn._values import mentioned_spans
from agentfn.backends._extract import ExtractionSources, extractive_spec
from agentfn.toolset import Toolset


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("how many vowels are in the word rhythm", ["rhythm"]),
        ("SPELL THE WORD NECESSARY BACKWARDS", ["NECESSARY"]),
        ("is the name Hannah a palindrome", ["Hannah"]),
        ("count the letters in 'kiwi' and the word mango", ["kiwi", "mango"]),
        ("what's the word count of this: I like tea", []),
        ("the word for cat in german", []),
    ],
)
def test_mentioned_spans(text: str, spans: list[str]) -> None:
    assert mentioned_spans(text) == spans


def _enums(tool: str, request: str, param: str) -> set[Any]:
    params = extractive_spec(Toolset.builtin()[tool].openai_schema(), ExtractionSources(request))["function"]["parameters"]
    return {v for b in params.get("anyOf", [params]) for v in b["properties"][param].get("enum", [])}


def test_text_stats_counts_the_named_word_only() -> None:
    assert _enums("text_stats", "HOW MANY CHARACTERS IN THE WORD STRAWBERRY", "text") == {"STRAWBERRY"}
