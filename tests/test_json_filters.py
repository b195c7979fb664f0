"""Comparisons stated in words become JSONPath filters over the request's own JSON."""

from __future__ import annotations

from agentfn._json_filters import json_filters
from agentfn.backends._extract import ExtractionSources, extractive_spec
from agentfn.library.data import json_query
from agentfn.toolset import Toolset

_DOC = '{"books": [{"title": "Dune", "pages": 412}, {"title": "Emma", "pages": 160}]}'


def test_a_comparison_in_words_is_a_filter_on_the_list_with_that_key() -> None:
    assert json_filters(_DOC, f"Given {_DOC}, list the books with pages over 300") == ["$.books[?(@.pages > 300)]"]
    assert json_filters(_DOC, f"{_DOC} titles of books whose pages are at most 200") == [
        "$.books[?(@.pages <= 200)].title", "$.books[?(@.pages <= 200)]"]
    assert json_filters(_DOC, f"{_DOC} how many books are there?") == []  # no comparison, no filter
    assert json_filters("not json", "pages over 3") == []


def test_the_filter_is_what_json_query_is_offered_and_it_selects_the_matches() -> None:
    request = f"Which of these have pages less than 200? {_DOC}"
    spec = Toolset.builtin()["json_query"].openai_schema()
    path = extractive_spec(spec, ExtractionSources(request))["function"]["parameters"]["properties"]["path"]
    assert path["enum"] == ["$.books[?(@.pages < 200)]"]
    assert json_query(_DOC, path["enum"][0]) == [{"title": "Emma", "pages": 160}]


def test_an_item_named_by_its_text_value_is_selected() -> None:
    doc = '{"staff": [{"who": "Ana", "desk": 12}, {"who": "Bo", "desk": 30}]}'
    assert json_filters(doc, f"which desk does Bo sit at? {doc}")[0] == "$.staff[?(@.who == 'Bo')].desk"
    assert not [f for f in json_filters(doc, f"list every desk in {doc}") if "==" in f]  # no item named
