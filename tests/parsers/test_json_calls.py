"""Plain JSON calls: objects, arrays, OpenAI shape, Markdown fences."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .conformance import CallSpec, ParserConformance


class TestJsonArrayConformance(ParserConformance):
    parser_name = "json"

    def render(self, calls: Sequence[CallSpec], *, ascii_only: bool = False) -> str:
        return json.dumps([{"name": n, "arguments": a} for n, a in calls], ensure_ascii=ascii_only, indent=1)

    def render_string_arguments(self, name: str, arguments: dict[str, Any]) -> str:
        return json.dumps({"name": name, "arguments": json.dumps(arguments)})

    def test_ordinary_json_is_content(self) -> None:
        for text in (
            '{"answer": 42}',
            '[1, 2, {"name": "x"}]',
            '{"a": {"name": "f", "arguments": {}}}',
            '{"name": "f", "arguments": {}, "other": 1}',
            '{"name": "f", "arguments": 3}',
        ):
            self.check("Result: " + text, content="Result: " + text)


class TestJsonFencedObjectsConformance(ParserConformance):
    """Each call as its own fenced object, in the OpenAI ``function`` shape."""

    parser_name = "json"

    def render(self, calls: Sequence[CallSpec], *, ascii_only: bool = False) -> str:
        blocks = [
            "```json\n"
            + json.dumps(
                {"type": "function", "function": {"name": n, "arguments": json.dumps(a)}},
                ensure_ascii=ascii_only,
            )
            + "\n```"
            for n, a in calls
        ]
        return "\n".join(blocks)

    def render_string_arguments(self, name: str, arguments: dict[str, Any]) -> str:
        return self.render([(name, arguments)])

    def test_fence_around_non_call_stays(self) -> None:
        text = 'Here:\n```json\n{"answer": 42}\n```'
        self.check(text, content=text)

    def test_unclosed_fence_keeps_the_call(self) -> None:
        self.check('```json\n{"name": "f", "arguments": {}}', calls=[("f", {})], content="```json")
