"""Mistral ``[TOOL_CALLS]`` formats (JSON array and ``name[ARGS]{...}``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .conformance import CallSpec, ParserConformance, run_stream


class TestMistralArrayConformance(ParserConformance):
    """The original form: one ``[TOOL_CALLS]`` followed by a JSON array."""

    parser_name = "mistral"

    def render(self, calls: Sequence[CallSpec], *, ascii_only: bool = False) -> str:
        body = [{"name": n, "arguments": a} for n, a in calls]
        return "[TOOL_CALLS]" + json.dumps(body, ensure_ascii=ascii_only)

    def render_string_arguments(self, name: str, arguments: dict[str, Any]) -> str:
        return "[TOOL_CALLS]" + json.dumps([{"name": name, "arguments": json.dumps(arguments)}])

    def test_single_object_without_array(self) -> None:
        self.check('[TOOL_CALLS] {"name": "f", "arguments": {"a": 1}}', calls=[("f", {"a": 1})])

    def test_array_with_a_bad_element_is_all_content(self) -> None:
        text = '[TOOL_CALLS][{"name": "f", "arguments": {}}, {"arguments": {}}]'
        self.check(text, content=text)


class TestMistralNamedConformance(ParserConformance):
    """The v11+ form: ``[TOOL_CALLS]name[ARGS]{json}`` per call."""

    parser_name = "mistral"

    def render(self, calls: Sequence[CallSpec], *, ascii_only: bool = False) -> str:
        return "".join(f"[TOOL_CALLS]{n}[ARGS]{json.dumps(a, ensure_ascii=ascii_only)}" for n, a in calls)

    def render_string_arguments(self, name: str, arguments: dict[str, Any]) -> str:
        return f"[TOOL_CALLS]{name}[ARGS]{json.dumps(json.dumps(arguments))}"

    def test_non_object_arguments_are_content(self) -> None:
        text = "[TOOL_CALLS]f[ARGS][1, 2]"
        self.check(text, content=text)

    def test_arguments_stream_incrementally(self) -> None:
        text = '[TOOL_CALLS]write[ARGS]{"text": "' + "y" * 100 + '"}'
        final, deltas = run_stream(self.parser(), [text[i : i + 3] for i in range(0, len(text), 3)])
        fragments = [d.text for d in deltas if d.kind == "tool_call_arguments"]
        assert len(fragments) > 10 and "".join(fragments) == final.tool_calls[0].arguments
