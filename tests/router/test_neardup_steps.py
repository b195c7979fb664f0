"""A request whose parts all want the same tool is one step: its near-duplicates are still ordered by fit."""

from __future__ import annotations

from agentfn.router.neardup import one_step


def test_parts_that_want_the_same_tool_are_one_step() -> None:
    assert one_step([])  # one sentence
    assert one_step(["countdown_begin"])
    assert one_step(["countdown_extend", "countdown_extend"])  # "a countdown for 1 hour and 10 minutes"
    assert not one_step(["countdown_begin", "lamp_switch"])  # "begin a countdown, then switch the lamp off"
