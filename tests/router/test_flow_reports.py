"""A message that reports what lookups found, and counts that are no names.

Tools here are written for these tests (MCP ``inputSchema``/``outputSchema``): a
pantry whose stock is looked up by item id, a notice board that takes a board id
and a message, and two word tools. "Post how many ... on the board": the request
opens with the board's verb, so the post joins after the lookups whose finding it
carries, though no output of theirs names its ``text``.
"""

from __future__ import annotations

from typing import Any

import pytest

from agentfn.router import Router
from agentfn.router.dataflow import IOSlot, flow_score, tool_io
from agentfn.router.encoder import Encoder
from agentfn.router.text import ToolRecord

from .mcp_specs import INT, S, mcp_tool, records

TOOLS = [
    mcp_tool("pantry_search", "Search the pantry for an item by name.", {"item": S}, {"items": records(item_id=S, label=S)}),
    mcp_tool("pantry_stock", "How many units of a pantry item are left.", {"item_id": S}, {"units_left": INT}),
    mcp_tool("board_find", "Find a notice board by name.", {"name": S}, {"boards": records(board_id=S, title=S)}),
    mcp_tool("board_post", "Post a message on a notice board.", {"board_id": S, "text": S}, {"post_id": S}),
    mcp_tool("phrase_count", "Count the words of a phrase.", {"text": S}, {"words": INT}),
    mcp_tool("rhyme_find", "Words that rhyme with a word.", {"word": S}, {"rhymes": {"type": "array", "items": S}}),
]


def io(name: str) -> Any:
    return tool_io(ToolRecord.of(next(t for t in TOOLS if t["name"] == name)))


def test_a_count_fills_no_word() -> None:
    word = next(s for s in io("rhyme_find").inputs if s.name == "word")
    assert flow_score(io("phrase_count"), word) == 0.0
    assert flow_score(io("phrase_count"), IOSlot("n", frozenset(["word"]), type="integer", kind="number")) > 0.5


@pytest.fixture(scope="module")
def router(encoder: Encoder) -> Router:
    return Router.build(TOOLS, encoder=encoder)


def test_the_post_that_reports_the_lookups_joins_after_them(router: Router) -> None:
    chain = router.route("Post how many tins of tomatoes are left in the pantry on the kitchen board").selected
    assert set(chain) == {"pantry_search", "pantry_stock", "board_find", "board_post"}
    assert chain.index("pantry_search") < chain.index("pantry_stock") < chain.index("board_post")
    assert chain.index("board_find") < chain.index("board_post")


def test_a_post_with_its_message_given_stays_alone(router: Router) -> None:
    assert router.route("Post 'pantry restocked' on board B-12").selected == ["board_post"]
