"""A search query parameter takes the request's key phrases (a registry written for these tests)."""

from __future__ import annotations

from typing import Any

from agentfn.backends._extract import ExtractionSources, extractive_spec
from agentfn.backends._extract_query import is_search_query, query_phrases


def _search_notes(param: str = "query", description: str = "Text to look for in the notes.") -> dict[str, Any]:
    return {"type": "function", "function": {
        "name": "search_notes", "description": "Search the user's notes",
        "parameters": {"type": "object", "required": [param],
                       "properties": {param: {"type": "string", "description": description}}}}}


def test_search_query_parameters() -> None:
    assert is_search_query("query", {}) and is_search_query("q", {}) and is_search_query("search_term", {})
    assert is_search_query("text", {"description": "The string to search for in the files."})
    assert not is_search_query("title", {"description": "The note's title."})


def test_key_phrases_leave_out_the_question_frame_and_the_searched_place() -> None:
    request = "Which day was the dentist appointment moved to, according to my notes?"
    assert query_phrases(request, "search_notes") == ["dentist appointment"]
    # no phrase of several words: the single content words
    assert query_phrases("Is Lisbon in my notes?", "search_notes") == ["Lisbon"]
    assert query_phrases("Anything about Lisbon in my notes?", "search_notes") == ["Anything", "Lisbon"]
    # quoted text is searched verbatim; a quoted format pattern is no phrase
    assert query_phrases("Find 'boiler service' in my notes and give the date as 'YYYY-MM-DD'", "search_notes") == [
        "boiler service"]


def test_extractive_spec_offers_the_key_phrases_to_a_search_query() -> None:
    request = "When is the piano recital, based on my notes? Answer with the time."
    params = extractive_spec(_search_notes(), ExtractionSources(request))["function"]["parameters"]
    assert params["properties"]["query"]["enum"] == ["piano recital"]
    # another text parameter keeps the request's spans
    params = extractive_spec(_search_notes("title", "The note's title."), ExtractionSources(request))
    assert len(params["function"]["parameters"]["properties"]["title"]["enum"]) > 3
