"""The near-duplicate set: which of a few close Python-function tools the router's head picks.

Registries of Python functions hold near-duplicates named in different styles (``geometry.area_circle``,
``circle_circumference``, ``calc_area``): tools of one topic whose names and descriptions share most words
and differ in what they compute or which inputs they take. A forced call uses the router's head, so the
head must be the one the request means. ``data/near_duplicates.json`` (package data, written for agentfn
before any head tie-break was tuned on it) holds 76 such tools in groups of two or three and 48 short
one-call requests, each with its gold tool. ``data/near_duplicates_fresh.json`` (:data:`SETS` ``fresh``, written
later for agentfn, also before any tuning on it) holds 49 tools of other topics in the same shape, so a tie-break
tuned on the first set is measured on tools it never saw.

:func:`load_near_duplicates` reads the set; :func:`near_duplicate_cases` gives its requests as
:class:`~agentfn.evals.head_check.HeadCase`\\ s (source ``near-duplicates``), which
:func:`agentfn.evals.head_check.head_rates` scores with any router over its tools (alone, or added to a
larger registry).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any, cast

from agentfn.evals.head_check import HeadCase

__all__ = ["SETS", "SOURCE", "NearDuplicates", "load_near_duplicates", "near_duplicate_cases"]

SOURCE = "near-duplicates"
"""The source name of the set's cases."""
SETS = {"first": "data/near_duplicates.json", "fresh": "data/near_duplicates_fresh.json"}
"""The packaged sets by name."""


@dataclass(frozen=True)
class NearDuplicates:
    """The set: tool specs (OpenAI function shape) and ``(request, gold tool)`` pairs."""

    tools: list[dict[str, Any]]
    requests: list[tuple[str, str]]


def load_near_duplicates(name: str = "first") -> NearDuplicates:
    """A packaged near-duplicate set by its name in :data:`SETS` (every gold is one of its tools)."""
    raw = cast(dict[str, Any], json.loads(resources.files("agentfn.evals").joinpath(SETS[name]).read_text()))
    tools = cast(list[dict[str, Any]], raw["tools"])
    requests = [(str(r["text"]), str(r["gold"])) for r in cast(list[dict[str, Any]], raw["requests"])]
    return NearDuplicates(tools, requests)


def near_duplicate_cases(data: NearDuplicates | None = None) -> list[HeadCase]:
    """The set's requests as head-check cases."""
    data = data or load_near_duplicates()
    return [HeadCase(SOURCE, text, gold) for text, gold in data.requests]
