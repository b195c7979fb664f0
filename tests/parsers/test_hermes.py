"""Hermes/Qwen ``<tool_call>`` format."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .conformance import CallSpec, ParserConformance, run_stream


def _call(name: str, arguments: Any, ascii_only: bool = False) -> str:
    body = json.dumps({"name": name, "arguments": arguments}, ensure_ascii=ascii_only)
    return f"<tool_call>\n{body}\n</tool_call>"


class TestHermesConformance(ParserConformance):
    parser_name = "hermes"

    def render(self, calls: Sequence[CallSpec], *, ascii_only: bool = False) -> str:
        return "\n".join(_call(n, a, ascii_only) for n, a in calls)

    def render_string_arguments(self, name: str, arguments: dict[str, Any]) -> str:
        return _call(name, json.dumps(arguments))

    def test_missing_close_tag_at_end_is_accepted(self) -> None:
        self.check('<tool_call>{"name": "f", "arguments": {"a": 1}}  ', calls=[("f", {"a": 1})])

    def test_junk_after_object_is_content(self) -> None:
        text = '<tool_call>{"name": "f", "arguments": {}} oops</tool_call>'
        self.check(text, content=text)

    def test_parameters_key_and_missing_arguments(self) -> None:
        text = (
            '<tool_call>{"name": "f", "parameters": {"a": 1}}</tool_call><tool_call>{"name": "g"}</tool_call>'
        )
        self.check(text, calls=[("f", {"a": 1}), ("g", {})])

    def test_null_arguments_and_first_key_wins(self) -> None:
        text = (
            '<tool_call>{"name": "f", "arguments": null}</tool_call>'
            '<tool_call>{"name": "g", "arguments": {"a": 1}, "arguments": {"a": 2}}</tool_call>'
        )
        self.check(text, calls=[("f", {}), ("g", {"a": 1})])

    def test_duplicate_keys_inside_arguments_are_kept(self) -> None:
        text = '<tool_call>{"name": "f", "arguments": {"a": 1, "a": 2}}</tool_call>'
        result = self.check(text, calls=[("f", {"a": 2})])
        assert result.tool_calls[0].arguments == '{"a": 1, "a": 2}'

    def test_raw_newlines_in_strings_are_accepted(self) -> None:
        text = '<tool_call>{"name": "write", "arguments": {"code": "def f():\n    return 1\n"}}</tool_call>'
        self.check(text, calls=[("write", {"code": "def f():\n    return 1\n"})])

    def test_malformed_block_then_valid_block(self) -> None:
        bad = '<tool_call>{"name": "f", "arguments": {</tool_call>'
        good = '<tool_call>{"name": "g", "arguments": {}}</tool_call>'
        self.check(bad + "\n" + good, calls=[("g", {})], content=bad)

    def test_arguments_stream_incrementally(self) -> None:
        text = '<tool_call>{"name": "write", "arguments": {"text": "' + "x" * 200 + '"}}</tool_call>'
        pieces = [text[i : i + 5] for i in range(0, len(text), 5)]
        final, deltas = run_stream(self.parser(), pieces)
        fragments = [d.text for d in deltas if d.kind == "tool_call_arguments"]
        assert len(fragments) > 10
        assert "".join(fragments) == final.tool_calls[0].arguments
        start = next(i for i, d in enumerate(deltas) if d.kind == "tool_call_start")
        assert start < len(deltas) - 10  # announced long before the end

    def test_truncated_call_is_withdrawn_when_streaming(self) -> None:
        text = 'Hi <tool_call>{"name": "write", "arguments": {"text": "abc'
        final, deltas = run_stream(self.parser(), list(text))
        kinds = [d.kind for d in deltas]
        assert "tool_call_start" in kinds and kinds.index("tool_call_discard") > kinds.index(
            "tool_call_start"
        )
        assert final.tool_calls == [] and final.content == text
