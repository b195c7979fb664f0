"""Near-duplicate heads: a competitor that pays no misfit may pass misfits up to the penalty behind
(registries written for these tests)."""

from __future__ import annotations

import functools
from typing import Any

from agentfn.router.dataflow import tool_io
from agentfn.router.neardup import near_duplicate_head
from agentfn.router.text import ToolRecord


def _tool(name: str, description: str, **params: str) -> dict[str, Any]:
    props = {p: {"type": kind, "description": p.replace("_", " ")} for p, kind in params.items()}
    return {"name": name, "description": description,
            "parameters": {"type": "object", "properties": props, "required": list(params)}}


COUNTDOWN = [
    _tool("countdown_extend", "Make a running countdown longer.", minutes="integer"),
    _tool("countdown_shorten", "Make a running countdown shorter.", minutes="integer"),
    _tool("countdown_begin", "Begin a countdown of some minutes.", minutes="integer"),
    _tool("notes_list", "List the notes."),
    _tool("notes_create", "Create a note.", text="string"),
]


def _head(ranked: list[tuple[str, float]], text: str) -> str:
    recs = {t["name"]: ToolRecord.of(t) for t in COUNTDOWN}
    io_of = functools.cache(lambda n: tool_io(recs[n]))
    out = near_duplicate_head(ranked, text, recs, io_of, margin=0.03, depth=5, w_fill=0.1, w_name=0.03, w_words=0.2)
    assert sorted(s for _, s in out) == sorted(s for _, s in ranked)  # the values stay; only the order moves
    return out[0][0]


def test_a_tool_without_misfit_passes_stepping_tools_beyond_the_margin() -> None:
    # 0.06 behind (twice the margin, within margin + penalty): the two step tools each pay a misfit
    ranked = [("countdown_extend", 0.80), ("countdown_shorten", 0.79), ("countdown_begin", 0.74)]
    assert _head(ranked, "a countdown of 10 minutes please") == "countdown_begin"
    # asked to step up: the step tool keeps its place
    assert _head(ranked, "add 10 minutes to the countdown, make it longer") == "countdown_extend"


def test_without_misfits_only_the_near_ties_within_the_margin_move() -> None:
    ranked = [("notes_list", 0.80), ("notes_create", 0.74)]
    assert _head(ranked, "create a note saying buy milk") == "notes_list"
    ranked = [("notes_list", 0.80), ("notes_create", 0.78)]
    assert _head(ranked, "create a note saying buy milk") == "notes_create"
