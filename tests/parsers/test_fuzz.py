"""Fuzzing every registered parser with arbitrary and mutated model output.

Properties, for every parser and every input:
* ``parse`` never raises (internal errors are made loud by conftest);
* streaming in an arbitrary chunking gives exactly the whole-text result, and
  the delta stream rebuilds it;
* no call is invented: text without any of the format's markers yields no
  calls, every call name occurs in the text, and every call's arguments are
  valid JSON.
"""

from __future__ import annotations

import itertools
import json
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentfn.parsers import ParseResult, available_parsers, get_parser

from .conformance import check_deltas, counter_ids, run_stream

pytestmark = pytest.mark.stress

FRAGMENTS = [
    "<tool_call>",
    "</tool_call>",
    "[TOOL_CALLS]",
    "[ARGS]",
    "<|python_tag|>",
    "<think>",
    "</think>",
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    '"name"',
    '"arguments"',
    '"parameters"',
    ": ",
    ", ",
    '"f"',
    '"x"',
    "f",
    "=",
    "1",
    "-2.5e3",
    "null",
    "true",
    "\\",
    '"',
    "'",
    "```json\n",
    "```",
    "\n",
    " ",
    ";",
    '{"name": "f", "arguments": {"a": 1}}',
    "[f(a=1)]",
    "é",
    "😀",
    "\\u00e9",
    "\\ud83d",
]

VALID = [
    '<tool_call>{"name": "get", "arguments": {"a": [1, {"b": "c"}]}}</tool_call>',
    '[TOOL_CALLS][{"name": "get", "arguments": {"a": 1}}]',
    '[TOOL_CALLS]get[ARGS]{"a": "x"}',
    '<|python_tag|>{"name": "get", "parameters": {"a": 1}}; {"name": "put", "parameters": {}}',
    '{"name": "get", "parameters": {"a": 1}}',
    '[get(a=1, b="x]"), put(c=[1, 2])]',
    '```json\n[{"name": "get", "arguments": {"a": 1}}]\n```',
    '<think>hmm</think>{"name": "get", "arguments": {}}',
]

texts = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=4), max_size=25).map("".join)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(VALID))
    for _ in range(draw(st.integers(0, 2))):
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 6)))
        replacement = draw(st.sampled_from(["", *FRAGMENTS]) | st.text(max_size=3))
        text = text[:i] + replacement + text[j:]
    if draw(st.integers(0, 2)) == 0:  # truncated output
        text = text[: draw(st.integers(0, len(text)))]
    return text


def _cuts(data: st.DataObject, text: str) -> list[str]:
    cuts = sorted(set(data.draw(st.lists(st.integers(1, max(1, len(text) - 1)), max_size=8))))
    bounds = [0, *[c for c in cuts if 0 < c < len(text)], len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


def _check_all(text: str, data: st.DataObject) -> None:
    pieces = _cuts(data, text)
    for name in available_parsers():
        parser = get_parser(name, id_factory=counter_ids)
        whole = parser.parse(text)
        assert isinstance(whole, ParseResult)
        if not any(marker in text for marker in parser.markers):
            assert whole.tool_calls == [], (name, text)
        for call in whole.tool_calls:
            assert call.name and (call.name in text or "\\" in text), (name, text, call)
            json.loads(call.arguments)
        for incremental in (True, False):
            final, deltas = run_stream(parser, pieces, incremental=incremental)
            assert final == whole, (name, pieces, incremental)
            check_deltas(deltas, incremental=incremental)
            assert ParseResult.from_deltas(deltas) == whole, (name, pieces)


FUZZ: Any = settings(
    max_examples=int(os.environ.get("AGENTFN_FUZZ_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@FUZZ
@given(text=texts, data=st.data())
def test_arbitrary_text(text: str, data: st.DataObject) -> None:
    _check_all(text, data)


@FUZZ
@given(text=mutated(), data=st.data())
def test_mutated_calls(text: str, data: st.DataObject) -> None:
    _check_all(text, data)


@settings(max_examples=200, deadline=None)
@given(text=st.text(), data=st.data())
def test_unicode_noise(text: str, data: st.DataObject) -> None:
    _check_all(text, data)


PATHOLOGICAL = {
    "open brackets": "[" * 4000,
    "open braces": "{" * 4000,
    "nested call lists": "[f(" * 1500,
    "unclosed strings in calls": "[f(a='" * 800,
    "tags with open arrays": '<tool_call>{"a":[' * 300,
    "markers": "[TOOL_CALLS]" * 400 + "[TOOL_CALLS]f[ARGS]{" * 200,
    "python tags": "<|python_tag|>{" * 300,
    "fences": "```json\n[" * 500,
    "long failing objects": ('{"a": "' + "x" * 100 + '", ]') * 40,
    "deep valid nesting": "[" * 3000 + "]" * 3000,
    "think tags": "<think>" * 500 + "</think>" * 500,
}


@pytest.mark.timeout(300)  # a hang guard: these take well under a second when parsing is linear
@pytest.mark.parametrize("label", sorted(PATHOLOGICAL))
def test_pathological_inputs_finish_and_agree(label: str) -> None:
    text = PATHOLOGICAL[label]
    pieces = [text[i : i + 7] for i in range(0, len(text), 7)]
    for name in available_parsers():
        parser = get_parser(name, id_factory=counter_ids)
        whole = parser.parse(text)
        final, deltas = run_stream(parser, pieces)
        assert final == whole
        assert ParseResult.from_deltas(deltas) == whole
