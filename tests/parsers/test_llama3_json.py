"""Llama 3 JSON format (``<|python_tag|>`` optional, ``;``-separated objects)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .conformance import CallSpec, ParserConformance


class TestLlama3JsonConformance(ParserConformance):
    """Calls after ``<|python_tag|>``, which also allows text before them."""

    parser_name = "llama3_json"

    def render(self, calls: Sequence[CallSpec], *, ascii_only: bool = False) -> str:
        objects = [json.dumps({"name": n, "parameters": a}, ensure_ascii=ascii_only) for n, a in calls]
        return "<|python_tag|>" + "; ".join(objects)

    def render_string_arguments(self, name: str, arguments: dict[str, Any]) -> str:
        return "<|python_tag|>" + json.dumps({"name": name, "parameters": json.dumps(arguments)})


class TestLlama3BareJsonConformance(TestLlama3JsonConformance):
    """Bare objects at the start of the answer, one per line (no tag)."""

    def render(self, calls: Sequence[CallSpec], *, ascii_only: bool = False) -> str:
        return "\n".join(json.dumps({"name": n, "parameters": a}, ensure_ascii=ascii_only) for n, a in calls)

    def render_string_arguments(self, name: str, arguments: dict[str, Any]) -> str:
        return json.dumps({"name": name, "parameters": json.dumps(arguments)})

    def test_text_before_and_after(self) -> None:
        # Without the tag a call must start the answer; text before it keeps everything content.
        calls = [("search", {"q": "agentfn"})]
        self.check(self.render(calls) + "\nDone.", calls=calls, content="Done.")
        text = "Let me look that up.\n" + self.render(calls)
        self.check(text, content=text)

    def test_call_inside_reasoning_is_recovered(self) -> None:
        # Reasoning is parsed with the answer's rules: a bare object counts only at its start.
        call = ("get_weather", {"city": "Oslo"})
        text = "<think>" + self.render([call]) + "</think>"
        self.check(text, calls=[call], reasoning=self.render([call]))
        text = "<think>I need the weather first. " + self.render([call]) + "</think>"
        self.check(text, reasoning="I need the weather first. " + self.render([call]))

    def test_json_answer_is_not_a_call(self) -> None:
        for text in (
            '{"name": "Ada", "age": 36}',
            '{"name": "Ada", "parameters": {}, "age": 1}',
            '{"name": "x"}',
        ):
            self.check(text, content=text)

    def test_type_function_key_and_semicolons(self) -> None:
        text = '{"type": "function", "name": "a", "parameters": {"x": 1}};{"name": "b", "arguments": {}};'
        self.check(text, calls=[("a", {"x": 1}), ("b", {})])

    def test_second_object_not_a_call_ends_the_run(self) -> None:
        text = '{"name": "a", "parameters": {}}\n{"answer": 42}'
        self.check(text, calls=[("a", {})], content='{"answer": 42}')
