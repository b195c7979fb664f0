"""A relative clause describing the thing to make asks for no further tool in the chain (agentfn._grounding.chain_words)."""

from __future__ import annotations

from agentfn._grounding import chain_words
from agentfn._small_path import build_router, small_model_router
from agentfn.toolset import Toolset


def test_chain_words_leave_out_the_description_of_the_product() -> None:
    assert "prints" not in chain_words("write a script that prints the weekdays in reverse")
    assert "sorts" not in chain_words("make me a function which sorts names, then explain it")
    assert "explain" in chain_words("make me a function which sorts names, then explain it")
    assert "returns" in chain_words("the tool returns errors, run it again")  # no "that" clause


def test_writing_a_function_does_not_run_it() -> None:
    tools = Toolset.builtin()
    router = small_model_router(build_router("auto", tools, True), tools)
    assert router.route("write a python function that returns the median of three numbers", k=4).selected == ["generate_code"]
