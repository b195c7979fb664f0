"""A request whose parts all want the same tool is one step: its near-duplicates are still ordered by fit."""

from __future__ import annotations

from agentfn.router.neardup import one_step


def test_parts_that_want_the_same_tool_are_one_step() -> None:
    assert one_step([])  # one sentence
    assert one_step(["countdown_begin"])
    assert one_step(["countdown_extend", "countdown_extend"])  # "a countdown for 1 hour and 10 minutes"
    assert not one_step(["countdown_begin", "lamp_switch"])  # "begin a countdown, then switch the lamp off"


def test_parts_of_several_sentences_keep_the_routers_order() -> None:
    text = "I moved house last month. My name is Ann Lee and my postcode is 4321, please stop my newspaper."
    assert not one_step(["paper_cancel", "paper_cancel"], text)  # a story: its lookups come first
    assert one_step(["paper_cancel", "paper_cancel"], "stop the paper for 2 weeks and 3 days")
    assert one_step([], text)  # no step at all: one request
