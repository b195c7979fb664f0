"""A parameter that holds what to do (a task, a prompt) is offered whole clauses of the request,
not only the short value spans that stop before "is"/"are"."""

from __future__ import annotations

from typing import Any

from agentfn.backends._extract import ExtractionSources, extractive_spec
from agentfn.backends._extract_words import instruction_spans
from agentfn.tool import tool


@tool
def make_program(task: str, language: str = "python") -> str:
    """Write a program that does the task."""
    return f"{language}: {task}"


@tool
def lookup(topic: str) -> str:
    """Look a topic up."""
    return topic


def _enum(fn: Any, name: str, request: str) -> list[str]:
    spec = extractive_spec(fn.openai_schema(), ExtractionSources(request))
    return spec["function"]["parameters"]["properties"][name]["enum"]


def test_a_task_is_offered_to_the_end_of_its_sentence() -> None:
    offered = _enum(make_program, "task", "please make a script that tells whether a year is a leap year")
    assert "script that tells whether a year is a leap year" in offered
    assert "tells whether a year is a leap year" in offered


def test_each_sentence_ends_its_own_clauses() -> None:
    spans = instruction_spans("prompt", "Write a story where a dog is the hero. Keep it short!")
    assert "story where a dog is the hero" in spans
    assert "Keep it short" in spans
    assert not any("hero. Keep" in s for s in spans)


def test_other_parameters_keep_value_spans_only() -> None:
    assert instruction_spans("topic", "what is the tallest tree that is alive") == []
    assert "tallest tree that is alive" not in _enum(lookup, "topic", "what is the tallest tree that is alive")
