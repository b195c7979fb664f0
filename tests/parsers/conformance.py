"""The shared conformance suite every registered tool-call parser must pass.

A format's test module subclasses :class:`ParserConformance`, names the parser
and supplies :meth:`ParserConformance.render` (how this format writes a list of
calls). Every case then runs the parser on the whole text and streamed in
several seeded random chunkings (plus one character at a time), and asserts:

* the whole-text result matches the case's expectation;
* ``finish()`` equals ``parse()`` field for field (ids are deterministic here),
  with and without incremental arguments;
* the delta stream rebuilds the same result (``ParseResult.from_deltas``), and
  without incremental arguments no call is ever withdrawn.

``test_coverage.py`` fails when a registered parser has no subclass here.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from typing import Any, ClassVar

from agentfn.parsers import ParseDelta, ParseResult, ToolCallParser, get_parser

CallSpec = tuple[str, dict[str, Any]]

NASTY_ARGUMENTS: dict[str, Any] = {
    "query": {
        "filters": [
            {"key": "ü∑😀 日本語", "values": [1, 2.5, -3e-07, 12345678901234567890, None, True, False]}
        ],
        "text": 'line1\nline2 "quoted" \\ back\ttab </tool_call> [TOOL_CALLS] <|python_tag|> ] ) } { [ARGS] ```',
    },
    "empty_object": {},
    "empty_list": [],
    "unicode_key_é": "\u2028 \x00 \x1f end",
}

GARBAGE: list[str] = [
    "",
    "   \n\t ",
    "<tool_call>",
    "<tool_call>{not json}</tool_call>",
    '<tool_call>{"arguments": {}}</tool_call>',
    '<tool_call>{"name": 3, "arguments": {}}</tool_call>',
    "<tool_call>[]</tool_call> </tool_call>",
    "[TOOL_CALLS]",
    "[TOOL_CALLS][{]",
    "[TOOL_CALLS][1, 2]",
    "[TOOL_CALLS]x[ARGS]",
    "[TOOL_CALLS]x[ARGS][1]",
    "[TOOL_CALLS] (nothing)",
    '{"name": 3}',
    '{"name": "x", "extra": 1}',
    '{"name": "ok", "arguments": [1, 2]}',
    '[{"name": "ok", "arguments": {}}, 5]',
    "[f(1)]",
    "[f(x=y)]",
    "[f(x=__import__('os'))]",
    "[f(**kw)]",
    "[1, 2, 3]",
    "[see the docs](https://example.com)",
    "{{{{ [[[[ ]]]] }}}}",
    '```json\n{"a": 1}\n```',
    "```",
    "<|python_tag|>",
    "<|python_tag|>print('hi')",
    "</think> stray close",
    "\ud800 lone surrogate \x00 nul",
    "\\u0041 \\ backslashes \\",
    "a \"quote\" and 'another'",
    "NaN Infinity -Infinity",
]


def _norm_ws(text: str | None) -> str | None:
    return None if text is None else " ".join(text.split())


def _has_duplicate_keys(text: str) -> bool:
    found = False

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal found
        found = found or len({k for k, _ in pairs}) < len(pairs)
        return dict(pairs)

    json.loads(text, object_pairs_hook=hook)
    return found


def chunkings(text: str, key: str, count: int = 6) -> list[list[str]]:
    """Seeded random chunkings of ``text`` (deterministic for a given key), plus the extremes."""
    rng = random.Random(f"{key}\x00{text}".encode("utf-8", "surrogatepass"))
    out: list[list[str]] = [[text], list(text)]
    for _ in range(count):
        pieces: list[str] = []
        i = 0
        top = rng.choice((3, 8, 20))
        while i < len(text):
            k = rng.randint(1, top)
            pieces.append(text[i : i + k])
            i += k
        out.append(pieces)
    return out


def run_stream(
    parser: ToolCallParser, pieces: Sequence[str], *, incremental: bool = True
) -> tuple[ParseResult, list[ParseDelta]]:
    """Feed ``pieces`` to a fresh streaming parser; the final result and every delta."""
    stream = parser.streaming(incremental_arguments=incremental)
    deltas: list[ParseDelta] = []
    for piece in pieces:
        deltas.extend(stream.feed(piece))
    deltas.extend(stream.flush())
    return stream.finish(), deltas


def check_deltas(deltas: Sequence[ParseDelta], *, incremental: bool) -> None:
    """Deltas are well formed: argument fragments go to the latest call, discards only when incremental."""
    open_calls = 0
    for d in deltas:
        if d.kind == "tool_call_start":
            assert d.index == open_calls and d.id and d.name, d
            open_calls += 1
        elif d.kind == "tool_call_arguments":
            assert d.index == open_calls - 1 and d.text, d
        elif d.kind == "tool_call_discard":
            assert incremental, "a call was withdrawn although incremental_arguments=False"
            assert d.index == open_calls - 1, d
            open_calls -= 1
        else:
            assert d.text, d


def assert_stream_equals_parse(
    parser: ToolCallParser, text: str, expected: ParseResult | None = None
) -> ParseResult:
    """Whole-text parse versus streamed parses in many chunkings; returns the whole-text result."""
    whole = parser.parse(text) if expected is None else expected
    for pieces in chunkings(text, parser.name):
        for incremental in (True, False):
            final, deltas = run_stream(parser, pieces, incremental=incremental)
            assert final == whole, f"chunking {pieces!r} (incremental={incremental})"
            check_deltas(deltas, incremental=incremental)
            assert ParseResult.from_deltas(deltas) == whole, f"deltas of chunking {pieces!r}"
    return whole


def counter_ids(index: int) -> str:
    """Deterministic ids so streamed and whole results compare field for field."""
    return f"call_{index}"


class ParserConformance:
    """Shared cases; subclasses set ``parser_name`` and implement :meth:`render`."""

    parser_name: ClassVar[str] = ""
    string_arguments: ClassVar[bool] = True
    """The format can carry arguments as a JSON string that holds an object."""

    # -- what a format's test provides -------------------------------------------------------------

    def render(self, calls: Sequence[CallSpec], *, ascii_only: bool = False) -> str:
        """The format's markup for ``calls`` (no surrounding text)."""
        raise NotImplementedError

    def render_string_arguments(self, name: str, arguments: dict[str, Any]) -> str:
        """One call whose arguments are a JSON string holding the object."""
        raise NotImplementedError

    # -- helpers ---------------------------------------------------------------------------------

    def parser(self, **options: Any) -> ToolCallParser:
        return get_parser(self.parser_name, id_factory=counter_ids, **options)

    def check(
        self,
        text: str,
        *,
        calls: Sequence[CallSpec] = (),
        content: str | None = None,
        reasoning: str | None = None,
        **options: Any,
    ) -> ParseResult:
        """Parse ``text`` whole and streamed; assert calls exactly and content/reasoning up to blanks."""
        parser = self.parser(**options)
        result = parser.parse(text)
        got = [(c.name, json.loads(c.arguments)) for c in result.tool_calls]
        assert got == [(n, a) for n, a in calls], f"{self.parser_name}: {text!r} -> {result!r}"
        for call in result.tool_calls:
            if not _has_duplicate_keys(call.arguments):
                assert call.arguments == json.dumps(json.loads(call.arguments), ensure_ascii=False)
        assert [c.id for c in result.tool_calls] == [counter_ids(i) for i in range(len(calls))]
        assert _norm_ws(result.content) == _norm_ws(content), f"content of {text!r}: {result.content!r}"
        assert _norm_ws(result.reasoning) == _norm_ws(reasoning), (
            f"reasoning of {text!r}: {result.reasoning!r}"
        )
        assert_stream_equals_parse(parser, text, result)
        return result

    # -- the cases -------------------------------------------------------------------------------

    def test_no_call(self) -> None:
        text = "The capital of France is Paris. Nothing to call here."
        self.check(text, content=text)

    def test_one_call(self) -> None:
        call = ("get_weather", {"city": "Paris", "unit": "celsius"})
        self.check(self.render([call]), calls=[call])

    def test_parallel_calls(self) -> None:
        calls = [("get_weather", {"city": "Paris"}), ("get_time", {"tz": "Europe/Paris"}), ("ping", {})]
        self.check(self.render(calls), calls=calls)

    def test_text_before_and_after(self) -> None:
        calls = [("search", {"q": "agentfn"}), ("get_time", {})]
        text = "Let me look that up.\n" + self.render(calls) + "\nI will report back."
        self.check(text, calls=calls, content="Let me look that up. I will report back.")

    def test_nested_unicode_escaped_arguments(self) -> None:
        calls = [("complex", NASTY_ARGUMENTS), ("second", {"s": "ü"})]
        self.check(self.render(calls), calls=calls)

    def test_ascii_escaped_arguments(self) -> None:
        calls = [("complex", NASTY_ARGUMENTS)]
        self.check(self.render(calls, ascii_only=True), calls=calls)

    def test_empty_arguments(self) -> None:
        self.check(self.render([("ping", {})]), calls=[("ping", {})])

    def test_arguments_as_json_string(self) -> None:
        if not self.string_arguments:
            return
        arguments = {"city": "Zürich", "days": [1, 2]}
        self.check(self.render_string_arguments("forecast", arguments), calls=[("forecast", arguments)])

    def test_truncated_output_invents_nothing(self) -> None:
        full = self.render([("write_file", {"path": "a.txt", "text": "abcdefghijklmnopqrstuvwxyz"})])
        cut_points = [
            full.index("abcdefghij") + 5,
            full.index("write_file") + 4,
            full.index("write_file") + 10,
        ]
        for cut in cut_points:
            text = "Sure.\n" + full[:cut]
            self.check(text, content=text)

    def test_call_inside_reasoning_is_recovered(self) -> None:
        call = ("get_weather", {"city": "Oslo"})
        text = "<think>I need the weather first. " + self.render([call]) + "</think>"
        result = self.check(text, calls=[call], reasoning="I need the weather first. " + self.render([call]))
        assert result.content is None

    def test_reasoning_then_call(self) -> None:
        call = ("get_weather", {"city": "Oslo"})
        text = "<think>Plan: check the weather.</think>\n\n" + self.render([call])
        self.check(text, calls=[call], reasoning="Plan: check the weather.")

    def test_draft_in_reasoning_is_not_added(self) -> None:
        draft, final = ("draft_tool", {"x": 1}), ("final_tool", {"y": 2})
        text = "<think>maybe " + self.render([draft]) + "</think>" + self.render([final])
        self.check(text, calls=[final], reasoning="maybe " + self.render([draft]))

    def test_reasoning_started_in_prompt(self) -> None:
        call = ("lookup", {"id": 7})
        text = "The user wants id 7.</think>\n" + self.render([call])
        self.check(text, calls=[call], reasoning="The user wants id 7.", reasoning_started=True)

    def test_unclosed_reasoning(self) -> None:
        self.check("<think>still thinking about it", reasoning="still thinking about it")

    def test_garbage_is_content(self) -> None:
        for text in GARBAGE:
            self.check(text, content=text.strip() or None)

    def test_default_ids_are_fresh(self) -> None:
        calls = [("a", {}), ("b", {"x": 1})]
        parser = get_parser(self.parser_name)
        first, second = parser.parse(self.render(calls)), parser.parse(self.render(calls))
        ids = [c.id for c in first.tool_calls + second.tool_calls]
        assert len(set(ids)) == 4 and all(i.startswith("call_") for i in ids)
        assert first.equivalent(second)
        final, deltas = run_stream(parser, list(self.render(calls)))
        assert final.equivalent(first)
        assert [d.id for d in deltas if d.kind == "tool_call_start"] == [c.id for c in final.tool_calls]
