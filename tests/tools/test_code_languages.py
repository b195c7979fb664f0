"""generate_code writes the language the request names, whatever the call's ``language`` argument says."""

from __future__ import annotations

import json

import pytest

from agentfn.backends.base import ModelRequest
from agentfn.backends.function import FunctionModel
from agentfn.library._code_languages import named_language
from agentfn.library.text_llm import generate_code
from agentfn.messages import Message


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("write me a javascript function that doubles a number", "javascript"),
        ("can you write a TypeScript type for an invoice", "typescript"),
        ("a Go function that reverses a slice", "go"),
        ("I need a function in C that swaps two ints", "c"),
        ("give me a bash one-liner that counts files", "bash"),
        ("sql query listing customers by city", "sql"),
        ("rewrite this python snippet into Rust", "rust"),
        ("a C++ class for a queue", "c++"),
        ("write a Python function to merge two dicts", "python"),
    ],
)
def test_named_language(text: str, language: str) -> None:
    assert named_language(text) == language


@pytest.mark.parametrize("text", ["I want to go home", "write a function that adds 2 and 3",
                                  "delete a node from a linked list", "grade C or better"])
def test_no_language_named(text: str) -> None:
    assert named_language(text) is None


async def test_the_requests_language_wins_over_the_argument() -> None:
    asked: list[ModelRequest] = []

    def reply(messages: list[Message], request: ModelRequest) -> str:
        asked.append(request)
        return json.dumps({"code": "const double = (n) => n * 2;", "explanation": "doubles"})

    code = await generate_code("write me a javascript function that doubles a number", language="python",
                               model=FunctionModel(reply))
    assert code.language == "javascript" and code.code == "const double = (n) => n * 2;"  # not parsed as Python
    assert "javascript" in (asked[0].messages[-1].content or "").lower()
