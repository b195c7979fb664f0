"""The incremental JSON scanner behind the JSON formats."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from agentfn.parsers._json import INCOMPLETE, INVALID, OK, JsonScan, normalize_json_text

JSON_VALUES: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(value=JSON_VALUES, indent=st.sampled_from([None, 0, 2]), ascii_only=st.booleans(), data=st.data())
def test_normalized_text_equals_json_dumps_for_any_split(
    value: Any, indent: int | None, ascii_only: bool, data: st.DataObject
) -> None:
    raw = json.dumps(value, indent=indent, ensure_ascii=ascii_only)
    expected = json.dumps(value, ensure_ascii=False)
    assert normalize_json_text(raw) == expected
    cuts = sorted(data.draw(st.lists(st.integers(0, len(raw)), max_size=6)))
    scan = JsonScan(0)
    seen = ""
    for cut in [*cuts, len(raw)]:
        seen = raw[: max(cut, len(seen))]
        status = scan.advance(seen)
        assert status != INVALID
        assert expected.startswith(scan.tail(seen, 0))
    if scan.advance(raw, final=True) == OK:
        assert scan.normalized() == expected and scan.end == len(raw)


def test_status_of_prefixes_and_errors() -> None:
    cases = {
        '{"a": 1': INCOMPLETE,
        '{"a": "x': INCOMPLETE,
        '{"a": tr': INCOMPLETE,
        '{"a": "\\u00': INCOMPLETE,
        "[1, 2": INCOMPLETE,
        '{"a" 1}': INVALID,
        "{'a': 1}": INVALID,
        "[1,]": INVALID,
        '{"a": NaN}': INVALID,
        '{"a": 01}': INVALID,
        '{"a": "\\x"}': INVALID,
        '{"a": 1}': OK,
    }
    for text, status in cases.items():
        assert JsonScan(0).advance(text) == status, text


def test_truncation_is_invalid_at_the_end_and_top_level_numbers_complete() -> None:
    assert JsonScan(0).advance('{"a": 1', final=True) == INVALID
    scan = JsonScan(0)
    assert scan.advance("12", final=False) == INCOMPLETE
    assert scan.advance("12", final=True) == OK and scan.normalized() == "12"


def test_control_characters_and_surrogates() -> None:
    assert normalize_json_text('"a\nb\x01"') == '"a\\nb\\u0001"'
    assert normalize_json_text('"\\ud83d\\ude00"') == '"😀"'
    scan = JsonScan(0)
    scan.advance('["x\\ud83d')
    assert scan.tail('["x\\ud83d', 0) == '["x'  # a lone high surrogate is held back


def test_huge_numbers_keep_their_spelling() -> None:
    assert (
        normalize_json_text("[1e999, -1E400, 10000000000000000000000]")
        == "[1e999, -1E400, 10000000000000000000000]"
    )
    assert normalize_json_text("[1E2, 1.50, -0.0]") == "[100.0, 1.5, -0.0]"


def _summary(scan: JsonScan) -> tuple[object, ...]:
    members = [
        (m.key, m.first_char[:1] in '{["', m.decoded, scan.normalized(m.norm_start, m.norm_end))
        for m in scan.members
    ]
    if scan.status != OK:
        return (scan.status,)
    return scan.status, scan.end, scan.top_kind, scan.normalized(), members


JSONISH = st.lists(
    st.sampled_from(
        [
            "{",
            "}",
            "[",
            "]",
            '"a"',
            '"b"',
            ":",
            ",",
            " ",
            "1",
            "-0.5e3",
            "1e999",
            "true",
            "nul",
            "NaN",
            '"\\u00e9"',
            '"x\ny"',
            "\\",
            '"',
        ]
    ),
    max_size=20,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=JSONISH | JSON_VALUES.map(json.dumps), data=st.data())
def test_fast_path_agrees_with_token_scanner(text: str, data: st.DataObject) -> None:
    if not text or text[0] not in "{[":
        text = "[" + text
    fast = JsonScan(0)
    fast.advance(text, final=True)
    slow = JsonScan(0)
    cut = data.draw(st.integers(1, len(text)))
    slow.advance(text[:cut])  # a partly fed scan never takes the fast path
    slow.advance(text, final=True)
    assert _summary(fast) == _summary(slow)


def test_duplicate_keys_and_overflow_use_the_token_scanner() -> None:
    scan = JsonScan(0)
    scan.advance('{"a": 1, "a": 2, "b": 1e999}', final=True)
    assert scan.normalized() == '{"a": 1, "a": 2, "b": 1e999}'
    assert [m.key for m in scan.members] == ["a", "a", "b"]
