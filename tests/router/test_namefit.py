"""Service names among near-duplicates: unnamed brands pay a misfit, names do not count as content words."""

from __future__ import annotations

import functools
from typing import Any

from agentfn.router.brands import vendor_words
from agentfn.router.dataflow import tool_io
from agentfn.router.namefit import name_words, unnamed_brands
from agentfn.router.neardup import near_duplicate_head
from agentfn.router.text import ToolRecord

_OBJ: dict[str, Any] = {"type": "object", "properties": {"room": {"type": "string", "description": "the room"}}}
TOOLS: list[dict[str, Any]] = [
    {"name": "lumo_switch_lamps", "description": "Lumo: switch the lamps of a room on or off.", "parameters": _OBJ},
    {"name": "brightly_switch_lamps", "description": "Brightly: switch the lamps of a room on or off.", "parameters": _OBJ},
    {"name": "home__lamps_off", "description": "Switch the lamps of a room off.", "parameters": _OBJ},
    {"name": "paper_search_articles", "description": "Search articles of the Daily Harbour newspaper.",
     "parameters": {"type": "object", "properties": {"query": {"type": "string"}}}},
    {"name": "get_rainfall", "description": "Rainfall today in a town.",
     "parameters": {"type": "object", "properties": {"town": {"type": "string"}}}},
]


def _records() -> dict[str, ToolRecord]:
    return {t["name"]: ToolRecord.of(t) for t in TOOLS}


def _head(ranked: list[tuple[str, float]], text: str) -> list[str]:
    recs = _records()
    io_of = functools.cache(lambda n: tool_io(recs[n]))
    out = near_duplicate_head(ranked, text, recs, io_of, margin=0.03, depth=5, w_fill=0.1, w_name=0.03, w_words=0.2)
    return [n for n, _ in out]


def test_a_brand_the_request_does_not_name_is_a_misfit() -> None:
    names = ["lumo_switch_lamps", "brightly_switch_lamps", "home__lamps_off"]
    assert unnamed_brands(names, "switch off the lamps in the hall", _records()) == [1, 1, 0]
    assert unnamed_brands(names, "switch off the Lumo lamps in the hall", _records()) == [0, 1, 0]
    # every competitor carries a brand the request does not name: nothing tells them apart
    assert unnamed_brands(names[:2], "switch off the lamps", _records()) == [0, 0]


def test_an_unbranded_twin_a_little_behind_takes_the_head() -> None:
    ranked = [("lumo_switch_lamps", 0.80), ("brightly_switch_lamps", 0.79), ("home__lamps_off", 0.74), ("get_rainfall", 0.3)]
    assert _head(ranked, "switch off the lamps in the hall")[0] == "home__lamps_off"
    assert _head(ranked, "switch off the lamps in the hall with lumo")[0] == "lumo_switch_lamps"


def test_a_misfit_behind_the_head_does_not_widen_the_window() -> None:
    # the leader carries no brand: the branded tools behind it cannot pull a far tool in
    ranked = [("home__lamps_off", 0.80), ("lumo_switch_lamps", 0.79), ("get_rainfall", 0.72)]
    assert _head(ranked, "lamps off in the hall please")[0] == "home__lamps_off"


def test_words_written_as_names_are_not_content_words() -> None:
    assert name_words("What is the rainfall in Daily Harbour today?") == frozenset({"daily", "harbour"})
    assert name_words("Rainfall in the USA. Tell me more") == frozenset()  # a sentence start, capitals only
    ranked = [("paper_search_articles", 0.61), ("get_rainfall", 0.60)]
    assert _head(ranked, "how much rain fell today in Daily Harbour")[0] == "get_rainfall"


def test_a_namespace_written_as_a_name_is_a_vendor() -> None:
    # a server prefix the description writes as a proper name ("Tidewater: ...") carries that vendor, and a
    # lower-case "[tag]" the description opens with does too; a plain namespace ("stats__") carries none
    recs = {t["name"]: ToolRecord.of(t) for t in [
        {"name": "acme_tidewater__mean", "description": "Tidewater: the arithmetic mean of a list of numbers.",
         "parameters": _OBJ},
        {"name": "numlib__mean", "description": "[numlib] The arithmetic mean of a list of numbers.", "parameters": _OBJ},
        {"name": "stats__mean", "description": "The arithmetic mean of a list of numbers.", "parameters": _OBJ},
    ]}
    assert vendor_words("acme_tidewater__mean", recs["acme_tidewater__mean"].description) == frozenset({"tidewater"})
    assert vendor_words("numlib__mean", recs["numlib__mean"].description) == frozenset({"numlib"})
    assert vendor_words("stats__mean", recs["stats__mean"].description) == frozenset()
    names = list(recs)
    assert unnamed_brands(names, "the mean of 3, 4 and 8", recs) == [1, 1, 0]
    assert unnamed_brands(names, "the mean of 3, 4 and 8 with numlib", recs) == [1, 0, 0]


def test_a_namespaced_vendor_twin_yields_the_head_to_a_plain_one() -> None:
    ranked = [("lumo_switch_lamps", 0.80), ("glow_hub__switch_lamps", 0.79), ("home__lamps_off", 0.72)]
    extra = {"name": "glow_hub__switch_lamps", "description": "Hub: switch the lamps of a room on or off.", "parameters": _OBJ}
    recs = {**_records(), extra["name"]: ToolRecord.of(extra)}
    io_of = functools.cache(lambda n: tool_io(recs[n]))
    out = near_duplicate_head(ranked, "switch off the lamps in the hall", recs, io_of, margin=0.03, depth=5,
                              w_fill=0.1, w_name=0.03, w_words=0.2)
    assert out[0][0] == "home__lamps_off"
