"""Mechanical edits of a given text (sort, reverse, case, duplicates) are made exactly by the plain reply."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from agentfn import FunctionModel
from agentfn._small_path import PlainReplyRouter
from agentfn._text_transforms import text_transform
from agentfn.context import RunContext
from agentfn.library.text_llm import generate
from agentfn.messages import UserMessage
from agentfn.router.config import RoutePlan
from agentfn.toolset import Toolset


@pytest.mark.parametrize(
    ("request_text", "edited"),
    [
        ("alphabetize: Zoe, adam, Mia", "adam, Mia, Zoe"),
        ("please sort these numbers: 12 3 40 7", "3 7 12 40"),
        ("sort in descending order: 4; 19; 2", "19; 4; 2"),
        ("reverse the name 'Hannah Lee'", "eeL hannaH"),
        ("can you spell 'lemon' backwards", "nomel"),
        ("reverse the order of: mon, tue, wed", "wed, tue, mon"),
        ("reverse the words in 'one two three'", "three two one"),
        ("make 'quiet please' all caps", "QUIET PLEASE"),
        ("turn 'SHOUTING TEXT' into lowercase", "shouting text"),
        ("title case: a tale of two cities", "A Tale Of Two Cities"),
        ("remove the duplicates: red, blue, red, green, blue", "red, blue, green"),
    ],
)
def test_an_edit_of_a_given_text_is_made_exactly(request_text: str, edited: str) -> None:
    assert text_transform(request_text) == edited


@pytest.mark.parametrize(
    "request_text",
    [
        "what is the capital of Peru",  # no edit
        "translate 'sort it out' into German",  # the edit word is inside the quote
        "summarize: the list was sorted in reverse order by the clerk",  # the edit word is in the passage
        "write 'b, a' to notes.txt in alphabetical order",  # another action: a file write
        "sort and reverse: a, b",  # two edits: not one to make
        "sort the files by size",  # no text given
    ],
)
def test_other_requests_are_no_edit(request_text: str) -> None:
    assert text_transform(request_text) is None


class _Fixed:
    def __init__(self, selected: list[str]) -> None:
        self.selected = selected

    def route(self, query: str | Sequence[Any], k: int = 10) -> RoutePlan:
        return RoutePlan(ranked=[(n, 1.0) for n in self.selected], selected=self.selected)


def test_an_edit_goes_to_the_plain_reply_unless_a_tool_is_named_for_it() -> None:
    specs = [t.openai_schema() for t in Toolset.builtin()]
    assert PlainReplyRouter(_Fixed(["list_files"]), specs, "generate").route("sort: pear, fig").selected == ["generate"]
    assert PlainReplyRouter(_Fixed(["text_stats"]), specs, "generate").route(
        "how many words in 'sort it'").selected == ["text_stats"]
    own = {"type": "function", "function": {"name": "sort_items", "description": "Sort items.", "parameters": {}}}
    router = PlainReplyRouter(_Fixed(["sort_items"]), [*specs, own], "generate")
    assert router.route("sort: pear, fig").selected == ["sort_items"]  # the user's own tool does that edit


async def test_the_plain_reply_makes_the_edit_without_the_model(grounded_model: FunctionModel) -> None:
    request = "put these in alphabetical order: plum, apple, kiwi"
    ctx: RunContext[Any] = RunContext(deps=None, run_id="r", messages=[UserMessage(content=request)], model=grounded_model)
    assert await generate.run({"prompt": "plum, apple, kiwi"}, ctx=ctx) == "apple, kiwi, plum"  # the model is never asked
