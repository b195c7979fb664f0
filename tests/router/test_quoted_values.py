"""Quoted values (a message, a title, a file name) are left out of the text a request is scored by."""

from __future__ import annotations

import numpy as np

from agentfn.router import Router, RouterConfig
from agentfn.router.encoder import Encoder
from agentfn.router.text import without_quoted

TOOLS = [
    {"name": "post_channel_message", "description": "Post a message to a team chat channel.",
     "parameters": {"type": "object", "properties": {"channel": {"type": "string"}, "text": {"type": "string"}},
                    "required": ["channel", "text"]}},
    {"name": "order_takeaway", "description": "Order takeaway food: pizza, sushi or curry delivered for dinner.",
     "parameters": {"type": "object", "properties": {"dish": {"type": "string"}}, "required": ["dish"]}},
    {"name": "find_document", "description": "Find a document in the shared drive by its title.",
     "parameters": {"type": "object", "properties": {"title": {"type": "string"}}, "required": ["title"]}},
    {"name": "weather_forecast", "description": "Weather forecast for a city: rain, wind and temperature.",
     "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}},
]

# The quoted parts talk about food and weather; the request asks for a chat post / a document.
POST = "Post 'pizza and sushi for dinner tonight, bring curry' in the general channel"
FIND = 'Find the document titled "Rain, wind and temperature notes for the city trip"'


def test_quoted_spans_go_and_apostrophes_stay() -> None:
    assert without_quoted("Who else is invited to the 'Networking event' on May 26th?") == \
        "Who else is invited to the on May 26th?"
    assert without_quoted('email "Hey, how is it going?" to Mark') == "email to Mark"
    assert without_quoted("send the \u201cQ3 plan\u201d to the finance team") == "send the to the finance team"
    # Apostrophes of contractions and possessives are no quotes.
    for text in ("don't cancel Sarah's order", "the users' names and the owners' emails"):
        assert without_quoted(text) == text


def test_a_request_that_is_only_a_quote_is_kept() -> None:
    for text in ("'find flights to Paris'", "say 'hello'", "what is 'sonder'"):
        assert without_quoted(text) == text


def test_lexical_ranking_ignores_the_quoted_words() -> None:
    r = Router.build(TOOLS, encoder=None)
    assert r.route(POST).ranked[0][0] == "post_channel_message"
    assert r.route(FIND).ranked[0][0] == "find_document"
    off = Router.build(TOOLS, encoder=None, config=RouterConfig(encoder=None, strip_quoted=False))
    assert off.route(POST).ranked[0][0] == "order_takeaway"  # the quoted words win when they count
    assert off.route(FIND).ranked[0][0] == "weather_forecast"


def test_hybrid_scores_equal_those_of_the_request_without_its_quotes(encoder: Encoder) -> None:
    r = Router.build(TOOLS, encoder=encoder)
    for text in (POST, FIND):
        plain = without_quoted(text)
        assert plain != text
        a, b = r.score_all(text), r.score_all(plain)
        for key in ("dense", "lexical", "weighted"):
            assert np.allclose(a[key], b[key], atol=1e-6)
        assert r.route(text).ranked[0][0] == r.route(plain).ranked[0][0]
    assert r.route(POST).ranked[0][0] == "post_channel_message"
    assert r.route(FIND).ranked[0][0] == "find_document"


def test_steps_are_scored_without_their_quotes_too(encoder: Encoder) -> None:
    r = Router.build(TOOLS, encoder=encoder)
    text = f"{POST}, then {FIND[0].lower()}{FIND[1:]}"
    top = [n for n, _ in r.route(text).ranked[:2]]
    assert set(top) == {"post_channel_message", "find_document"}
