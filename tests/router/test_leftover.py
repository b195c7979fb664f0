"""Leftovers among near-duplicates: what the request gives that a tool cannot take, and a search with nothing to search."""

from __future__ import annotations

import functools
from typing import Any

from agentfn.router.dataflow import tool_io
from agentfn.router.leftover import given_kinds, leftover_misfits, rest_words, takes_kind
from agentfn.router.neardup import near_duplicate_head
from agentfn.router.reqvalues import RequestValues, without_places
from agentfn.router.text import ToolRecord


def _tool(name: str, description: str, **params: tuple[str, str, bool]) -> dict[str, Any]:
    props = {p: {"type": t, "description": d} for p, (t, d, _) in params.items()}
    return {"name": name, "description": description,
            "parameters": {"type": "object", "properties": props, "required": [p for p, (_, _, r) in params.items() if r]}}


TOOLS = [
    _tool("clock__this_year", "What year is it. The time, date and day of the week now."),
    _tool("weekday_of", "Day of the week a date falls on.", day=("string", "The date, YYYY-MM-DD.", True)),
    _tool("shift_date", "The date some days after a date.", start=("string", "Start date.", True),
          days=("integer", "Days to add.", True)),
    _tool("dice__roll_die", "Roll a die."),
    _tool("dice_odds", "Chance of rolling a total with some dice.", dice=("integer", "How many dice.", True),
          total=("integer", "The total.", True)),
    _tool("riddles__riddle", "Riddle. A riddle to puzzle over."),
    _tool("riddles__search_riddle", "Search riddle. A riddle to puzzle over.", query=("string", "query", True)),
    _tool("poster_random", "A random poster for the screen."),
    _tool("poster_about", "A poster about something for the screen.", topic=("string", "What it shows.", True)),
    _tool("drive_list_files", "List the files in a folder.", folder=("string", "The folder.", True)),
    _tool("drive_search_files", "Search files by a query.", query=("string", "What to look for.", True)),
    _tool("recipes_search", "Search recipes.", query=("string", "query", True)),
    _tool("music_skip", "Skip to the next song."),
]
RECS = {t["name"]: ToolRecord.of(t) for t in TOOLS}
IO = functools.cache(lambda n: tool_io(RECS[n]))


def _left(names: list[str], text: str) -> list[int]:
    return leftover_misfits(names, text, RECS, IO)


def _head(ranked: list[tuple[str, float]], text: str) -> str:
    out = near_duplicate_head(ranked, text, RECS, IO, margin=0.03, depth=5, w_fill=0.1, w_name=0.03, w_words=0.2)
    return out[0][0]


def test_dates_other_than_the_present_are_given_values() -> None:
    assert RequestValues.parse("was 2001-09-14 a friday?").fixed_dates == 2  # a date and a weekday
    assert RequestValues.parse("what is the date today").fixed_dates == 0
    assert RequestValues.parse("what time is it now, tonight?").fixed_dates == 0
    assert "date" in given_kinds(RequestValues.parse("rain tomorrow?"))
    assert given_kinds(RequestValues.parse("what year is it")) == frozenset()


def test_which_inputs_take_a_kind() -> None:
    assert takes_kind(IO("weekday_of"), "date")  # a text input named for a date
    assert takes_kind(IO("shift_date"), "number")
    assert not takes_kind(IO("clock__this_year"), "date")
    assert not takes_kind(IO("drive_list_files"), "number")


def test_an_inputless_tool_pays_for_a_value_a_competitor_takes() -> None:
    names = ["clock__this_year", "weekday_of"]
    assert _left(names, "Which weekday is 2030-05-17?") == [1, 0]
    assert _left(names, "what day of the week is it today?") == [0, 0]  # the present: the inputless tool reads it
    assert _left(["dice__roll_die", "dice_odds"], "odds of a total of 9 with 2 dice") == [1, 0]
    assert _left(["dice__roll_die", "music_skip"], "roll 2 dice") == [0, 0]  # nobody takes the numbers


def test_the_value_taker_takes_the_head() -> None:
    ranked = [("clock__this_year", 0.77), ("weekday_of", 0.76), ("shift_date", 0.70)]
    assert _head(ranked, "Which weekday was 1987-03-02?") == "weekday_of"
    assert _head(ranked, "what year is it?") == "clock__this_year"
    ranked = [("clock__this_year", 0.71), ("shift_date", 0.67)]  # a misfit widens the race beyond the margin
    assert _head(ranked, "the date 30 days after 2025-11-03") == "shift_date"


def test_words_beyond_a_tool_go_to_the_search_of_the_same_thing() -> None:
    names = ["riddles__riddle", "riddles__search_riddle"]
    assert _left(names, "tell me a riddle about pirates") == [1, 0]
    assert _left(names, "tell me a riddle") == [0, 1]  # nothing to search for: the search cannot be called
    assert _left(names, "a riddle about Batman") == [1, 0]  # a name is a topic
    assert _left(["poster_random", "poster_about"], "show a new poster") == [0, 1]
    assert _left(["poster_random", "poster_about"], "a poster with mountains") == [1, 0]


def test_searches_of_other_things_and_places_are_no_topic() -> None:
    # a search of something else is no near-duplicate: the riddle tool keeps its place
    assert _left(["riddles__riddle", "recipes_search"], "a riddle about soup") == [0, 0]
    # a path is a value of the folder input, not words to search for: nothing is left for the search
    assert "alpha" not in rest_words("what's inside projects/alpha", RECS["drive_list_files"])
    assert without_places("open docs/a.md and mail x@y.com").split() == ["open", "and", "mail"]
    assert _left(["drive_search_files", "drive_list_files"], "what's inside projects/alpha") == [1, 0]
    # a tool with a text input of its own may take the words: only the search is weighed
    assert _left(["drive_search_files", "drive_list_files"], "files about llamas in the drive") == [0, 0]


def test_the_search_takes_the_head_when_a_topic_is_given() -> None:
    ranked = [("riddles__riddle", 0.76), ("riddles__search_riddle", 0.69)]
    assert _head(ranked, "Tell me a riddle about pirates.") == "riddles__search_riddle"
    assert _head(ranked, "Tell me a riddle.") == "riddles__riddle"
    ranked = [("poster_about", 1.45), ("poster_random", 1.41)]
    assert _head(ranked, "new poster") == "poster_random"
