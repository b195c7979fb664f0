"""JSONPath queries, CSV summaries and text statistics."""

from __future__ import annotations

import json

import pytest

from agentfn import ToolRetry
from agentfn.library.config import configure
from agentfn.library.data import csv_summary, json_query
from agentfn.library.text_tools import text_stats

STORE = {
    "store": {
        "book": [
            {"title": "Sayings", "author": "Rees", "price": 8.95, "tags": ["old"]},
            {"title": "Sword", "author": "Waugh", "price": 12.99},
            {"title": "Moby Dick", "author": "Melville", "price": 8.99, "isbn": "0-553"},
        ],
        "bicycle": {"color": "red", "price": 19.95},
    }
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$.store.book[*].author", ["Rees", "Waugh", "Melville"]),
        ("$.store.book[0].title", ["Sayings"]),
        ("$..price", [8.95, 12.99, 8.99, 19.95]),
        ("$.store.book[?(@.price < 10)].title", ["Sayings", "Moby Dick"]),
        ("$.store.book[?(@.isbn)].author", ["Melville"]),
        ("$.store.book[1:3].title", ["Sword", "Moby Dick"]),
        ("$.store.nothing", []),
    ],
)
def test_json_query(path: str, expected: list[object]) -> None:
    assert json_query(STORE, path) == expected
    assert json_query(json.dumps(STORE), path) == expected


def test_json_query_through_the_tool_interface() -> None:
    assert json_query.call_sync({"data": json.dumps(STORE), "path": "$.store.bicycle.color"}) == ["red"]
    assert json_query.call_sync({"data": STORE, "path": "$.store.book.`len`"}) == [3]


def test_json_query_refusals() -> None:
    with pytest.raises(ToolRetry, match="invalid JSONPath"):
        json_query(STORE, "$.store[")
    configure(max_input_chars=100)
    with pytest.raises(ToolRetry, match="limit is 100"):
        json_query(json.dumps(STORE), "$")


CSV = """name,age,score,member,joined
Ann,31,88.5,yes,2024-01-02
Bob,,92,no,2023-05-06
Cy,40,"1,234.5",yes,2022-01-01
Dee,29,70,NA,2021-12-31
"""


def test_csv_summary_types_and_statistics() -> None:
    summary = csv_summary(CSV)
    assert summary.rows == 4 and summary.delimiter == ","
    cols = {c.name: c for c in summary.columns}
    assert cols["name"].type == "string" and cols["name"].unique == 4
    assert cols["age"].type == "integer" and cols["age"].missing == 1
    assert cols["age"].mean == pytest.approx(100 / 3) and cols["age"].median == 31
    assert cols["score"].type == "number" and cols["score"].max == 1234.5
    assert cols["member"].type == "boolean" and cols["member"].missing == 1
    assert cols["member"].top[0] == ("yes", 2)
    assert cols["joined"].type == "date" and (cols["joined"].min, cols["joined"].max) == ("2021-12-31", "2024-01-02")


def test_csv_summary_detects_delimiters_and_handles_ragged_rows() -> None:
    summary = csv_summary("a;b\n1;2\n3;4;5\n")
    assert summary.delimiter == ";"
    assert [c.name for c in summary.columns] == ["a", "b", "column_3"]
    assert summary.columns[2].count == 1
    headless = csv_summary("1\t2\n3\t4\n", has_header=False)
    assert [c.name for c in headless.columns] == ["column_1", "column_2"] and headless.rows == 2


def test_csv_summary_limits() -> None:
    text = "n\n" + "\n".join(str(i) for i in range(50))
    limited = csv_summary(text, max_rows=10)
    assert limited.rows == 10 and limited.truncated
    assert not csv_summary(text).truncated
    with pytest.raises(ToolRetry, match="empty"):
        csv_summary("   ")
    with pytest.raises(ToolRetry, match="one character"):
        csv_summary("a,b\n1,2\n", delimiter="::")
    configure(max_input_chars=10)
    with pytest.raises(ToolRetry, match="limit is 10"):
        csv_summary(CSV)


def test_text_stats() -> None:
    text = "The cat sat on the mat. The cat slept!\n\nA new paragraph here"
    stats = text_stats(text)
    assert stats.words == 13 and stats.sentences == 3 and stats.paragraphs == 2 and stats.lines == 3
    assert stats.characters == len(text)
    assert stats.top_words[0].word == "cat" and stats.top_words[0].count == 2
    assert all(w.word != "the" for w in stats.top_words)  # function words are left out


def test_text_stats_edge_cases() -> None:
    empty = text_stats("")
    assert (empty.words, empty.sentences, empty.paragraphs, empty.average_word_length) == (0, 0, 0, 0.0)
    cjk = text_stats("你好世界。")
    assert cjk.words == 4 and cjk.sentences == 1
    assert text_stats("one two", top=0).top_words == []
    configure(max_input_chars=5)
    with pytest.raises(ToolRetry):
        text_stats("too long")
