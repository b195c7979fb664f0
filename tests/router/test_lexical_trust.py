"""A request whose only indexed words are common across the registry keeps little of its lexical score."""

from __future__ import annotations

from typing import Any

import numpy as np

from agentfn.router import Router
from agentfn.router.encoder import Encoder
from agentfn.router.lexical import BM25Index
from agentfn.router.scoring import lexical_trust

SEARCHES = ["hotels", "restaurants", "parking spots", "charging stations", "museums", "pharmacies", "campsites",
            "bike rentals", "coworking spaces", "dog parks", "gyms", "libraries", "ferry terminals", "car washes"]
"""A registry where one verb ("search") is in many names, as "find"/"get"/"list" are in real registries."""


def _registry() -> list[dict[str, Any]]:
    tools: list[dict[str, Any]] = [
        {"name": f"search_{what.replace(' ', '_')}", "description": f"Search {what} near a location and return a list.",
         "parameters": {"type": "object", "properties": {"location": {"type": "string"}}}} for what in SEARCHES]
    tools.append({"name": "cubic_root_solver", "description": "Roots of a polynomial of degree three given its coefficients.",
                  "parameters": {"type": "object", "properties": {"coefficients": {"type": "array"}}}})
    return tools


def test_trust_is_whole_for_rich_requests_and_shrinks_with_common_words() -> None:
    assert lexical_trust(30.0, 10.0) == 1.0
    assert lexical_trust(10.0, 10.0) == 1.0
    assert lexical_trust(4.0, 10.0) == 0.4
    assert lexical_trust(4.0, 10.0, floor=0.0) == 1.0
    assert lexical_trust(0.0, 10.0) == 0.0


def test_rare_term_score_is_the_weight_of_a_word_no_tool_uses() -> None:
    idx = BM25Index()
    for slot, toks in enumerate([["search", "hotel"], ["search", "museum"], ["cubic", "root"]]):
        idx.add(slot, toks)
    assert np.isclose(idx.rare_term_score(), idx.max_score(["zebra"]))
    assert idx.max_score(["search"]) < idx.rare_term_score()  # a common word weighs less than a rare one


def test_a_generic_verb_alone_does_not_outrank_the_tool_the_request_means(encoder: Encoder) -> None:
    r = Router.build(_registry(), encoder=encoder)
    sig = r.score_all("Search for y: y^3 - 8 = 0")  # only "search" is indexed ("y", numbers are not)
    slot_of = r.index.slot_of
    scale = r.index.lex.max_score(["search"])
    trust = lexical_trust(scale, r.index.lex.rare_term_score())
    assert 0.0 < trust < 1.0
    hotels, cubic = slot_of["search_hotels"], slot_of["cubic_root_solver"]
    assert sig["lexical"][hotels] > 0.5 and sig["lexical"][cubic] == 0.0  # the verb alone: a high plain lexical score
    assert sig["weighted"][cubic] > sig["weighted"][hotels]
    plan = r.route("Search for y: y^3 - 8 = 0", k=3)
    assert plan.ranked[0][0] == "cubic_root_solver"


def test_requests_with_rare_words_keep_their_whole_lexical_score(encoder: Encoder) -> None:
    r = Router.build(_registry(), encoder=encoder)
    text = "search coworking spaces in Lisbon"  # rare words ("coworking", "lisbon") reach the floor
    sig = r.score_all(text)
    plan = r.route(text, k=3)
    assert plan.ranked[0][0] == "search_coworking_spaces"
    toks = ["search", "coworking", "space", "lisbon"]
    assert lexical_trust(r.index.lex.max_score(toks), r.index.lex.rare_term_score()) == 1.0
    assert float(np.max(sig["lexical"])) > 0.0
