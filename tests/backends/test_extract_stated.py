"""Values a request states for function-style parameters: number lists, switches, marked numbers,
optional text by role, enum synonyms (agentfn.backends._extract_stated through extractive_spec)."""

from __future__ import annotations

from typing import Any

from agentfn._values import numbers_in_request
from agentfn.backends._extract import ExtractionSources, extractive_spec
from agentfn.backends._extract_stated import enum_synonyms, marked_numbers, number_lists, stated_switch


def _params(request: str, props: dict[str, Any], required: list[str], name: str = "tool",
            description: str = "") -> dict[str, Any]:
    spec = {"type": "function", "function": {"name": name, "description": description, "parameters": {
        "type": "object", "properties": props, "required": required, "additionalProperties": False}}}
    return extractive_spec(spec, ExtractionSources(request, "2026-06-01"))["function"]["parameters"]


def _enums(params: dict[str, Any]) -> dict[str, Any]:
    assert "anyOf" not in params
    return {k: v.get("enum", "free") for k, v in params["properties"].items()}


_NUMS = {"type": "array", "items": {"type": "number"}}


def test_a_listed_run_of_numbers_is_the_whole_list() -> None:
    assert number_lists("median of 7, 1.5, 9 and 4") == [[7, 1.5, 9, 4]]
    assert number_lists("scores 88 92 75 please") == [[88, 92, 75]]
    assert number_lists("plot 3 or 4") == [[3, 4]]
    assert number_lists("integers 2, 2.5, 6", integer=True) == []
    assert number_lists("meet on 2026-05-04 at 9") == []  # a date is no run
    assert _enums(_params("median of 7, 1.5, 9 and 4", {"values": _NUMS}, ["values"])) == {"values": [[7, 1.5, 9, 4]]}


def test_a_list_of_numbers_stays_free_when_the_request_lists_none() -> None:
    assert _enums(_params("the median of my scores", {"values": _NUMS}, ["values"])) == {"values": "free"}


_SWITCH = {"type": "boolean", "default": False}


def test_a_switch_the_request_mentions_is_given_and_a_negated_one_is_false() -> None:
    others = "archive_folder Zip a folder. path the folder"
    compress = {**_SWITCH, "description": "use maximum compression"}
    assert stated_switch("high_compression", compress, others, "zip /tmp/x with maximum compression") is True
    assert stated_switch("high_compression", compress, others, "zip /tmp/x without compression") is False
    assert stated_switch("high_compression", compress, others, "zip the folder /tmp/x") is None
    hidden = {**_SWITCH, "description": "also archive dotfiles"}
    assert stated_switch("hidden", hidden, others, "zip /tmp/x including the dotfiles") is True
    # a word the tool's own description uses says nothing of the switch
    assert stated_switch("hidden", {**_SWITCH, "description": "also zip the folder's dotfiles"}, others,
                         "zip the folder /tmp/x") is None


def test_a_stated_switch_becomes_a_required_constant() -> None:
    props = {"path": {"type": "string"}, "overwrite": {**_SWITCH, "description": "replace an existing file"}}
    params = _params("copy notes.txt and overwrite the old one", props, ["path"], "copy_file", "Copy a file.")
    assert params["properties"]["overwrite"]["enum"] == [True]
    assert "overwrite" in params["required"]
    params = _params("copy notes.txt but don't overwrite anything", props, ["path"], "copy_file", "Copy a file.")
    assert params["properties"]["overwrite"]["enum"] == [False]
    assert "overwrite" not in _params("copy notes.txt", props, ["path"], "copy_file", "Copy a file.")["properties"]


_MONEY = {"principal": {"type": "number", "description": "the amount borrowed"},
          "interest_rate": {"type": "number", "description": "yearly rate in percent"},
          "term": {"type": "integer", "description": "years"},
          "extra_payment": {"type": "number", "default": 0}}


def test_percent_and_money_marks_bind_their_numbers() -> None:
    request = "a mortgage of $250,000 at 6.5% for 30 years"
    assert marked_numbers(_MONEY, list(_MONEY), request) == {"interest_rate": [6.5], "principal": [250000], "term": [30]}
    enums = _enums(_params(request, _MONEY, ["principal", "interest_rate", "term"]))
    assert enums["principal"] == [250000] and enums["interest_rate"] == [6.5]
    assert "extra_payment" not in enums  # no number is left for an optional amount the request does not state
    props = {k: v for k, v in _MONEY.items() if k != "term"} | {"duration": {"type": "integer"}}
    enums = _enums(_params(request, props, ["principal", "interest_rate", "duration"]))
    assert enums["duration"] == [30] and "extra_payment" not in enums  # the required one needs the 30


def test_an_optional_percent_parameter_takes_no_unmarked_number() -> None:
    props = {"amount": {"type": "number", "description": "the bill"},
             "service_percent": {"type": "number", "default": 10, "description": "service charge in percent"}}
    assert _enums(_params("split a 45 euros bill", props, ["amount"])) == {"amount": [45]}
    assert _enums(_params("a 45 euros bill with 12% service", props, ["amount"])) == {"amount": [45], "service_percent": [12]}


def test_unit_suffixes_one_letter_names_and_compound_adjectives_bind() -> None:
    props = {"length_cm": {"type": "number"}, "mass_g": {"type": "number"}}
    assert marked_numbers(props, list(props), "a 30 cm rod of 200 g") == {"length_cm": [30], "mass_g": [200]}
    line = {"m": {"type": "number"}, "b": {"type": "number"}}
    assert marked_numbers(line, ["m", "b"], "line with m = -2 and b: 7") == {"m": [-2], "b": [7]}
    assert numbers_in_request("a 12-sided shape") == [12.0]
    assert numbers_in_request("ticket AB-12-x") == []
    board = {"squares": {"type": "integer", "default": 64}}
    assert marked_numbers(board, ["squares"], "a 100-square board") == {"squares": [100]}


def test_optional_text_by_role_is_filled_when_stated() -> None:
    props = {"movie": {"type": "string"}, "start_time": {"type": "string", "default": "20:00"},
             "director": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}}
    enums = _enums(_params("show Alien by Ridley Scott at 18:45", props, ["movie"]))
    assert enums["start_time"] == ["18:45"] and enums["director"] == ["Ridley Scott"]
    assert set(_enums(_params("show Alien", props, ["movie"]))) == {"movie"}
    units = {"side": {"type": "number"}, "unit": {"type": "string", "default": "m"}}
    assert _enums(_params("square of side 6 feet", units, ["side"]))["unit"] == ["feet"]
    files = {"folder": {"type": "string"}, "extension": {"type": "string", "default": ""}}
    assert _enums(_params("count the .md files in docs", files, ["folder"]))["extension"] == ["md"]


def test_enum_options_named_by_a_derived_word_or_a_gloss() -> None:
    assert enum_synonyms(["heat", "cool", "auto"], "", "switch the AC to cooling") == ["cool"]
    glossed = "metric (kilograms) or imperial (pounds)"
    assert enum_synonyms(["metric", "imperial"], glossed, "my weight in pounds") == ["imperial"]
    assert enum_synonyms(["metric", "imperial"], glossed, "my weight") == []


def test_the_opening_verb_of_an_imperative_names_nothing() -> None:
    from agentfn.backends._extract_stated import leading_verb

    assert leading_verb("pause the timer in the office") == {"pause"}
    assert leading_verb("lower 20 degrees") == {"lower"}
    assert leading_verb("what is the office timer at") == set()
    assert leading_verb("Office lights") == set()
    props = {"seconds": {"type": "integer"},
             "label": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None, "description": "which timer"}}
    spec = {"type": "function", "function": {"name": "shorten_timer", "parameters": {
        "type": "object", "properties": props, "required": ["seconds"]}}}
    narrowed = extractive_spec(spec, ExtractionSources("cut 15 seconds from the timer"))["function"]["parameters"]
    assert "label" not in narrowed["properties"] or "cut" not in str(narrowed["properties"]["label"])


def test_a_from_to_enum_pair_takes_the_side_the_number_is_written_with() -> None:
    from agentfn.backends._extract_stated import unit_sides

    volume = {"type": "string", "enum": ["liters", "gallons", "cups"]}
    props = {"amount": {"type": "number"}, "from_volume": volume, "to_volume": volume}
    for request in ("turn 3 gallons into liters", "how many liters are 3 gallons", "liters from gallons: 3"):
        enums = _enums(_params(request, props, ["amount", "from_volume", "to_volume"]))
        assert (enums["from_volume"], enums["to_volume"]) == (["gallons"], ["liters"]), request
    two = {"enum": ["liters", "gallons"]}
    assert unit_sides({"from_volume": two, "to_volume": two}, "liters or gallons?") == {}  # no side stated


def test_a_noun_only_one_description_uses_binds_the_number_before_it() -> None:
    props = {"rows": {"type": "integer", "default": 3, "description": "how many shelves"},
             "width": {"type": "integer", "default": 80, "description": "width in centimetres"}}
    assert marked_numbers(props, list(props), "a bookcase with 5 shelves") == {"rows": [5]}


def test_a_required_text_loses_spans_with_the_tools_own_words() -> None:
    from agentfn.backends._extract_stated import own_spans

    spans = ["Queue Bohemian Rhapsody next", "Bohemian Rhapsody", "Rhapsody next", "Queue"]
    request = "Queue Bohemian Rhapsody next"
    assert own_spans(spans, {"queue", "song"}, request, []) == ["Bohemian Rhapsody", "Rhapsody next"]
    assert own_spans(["Queue"], {"queue"}, request, []) == ["Queue"]  # never empty
    assert own_spans(["queue_7", "queue"], {"queue"}, "move queue_7", []) == ["queue_7"]  # an identifier is one token
    assert own_spans(["'queue it'"], {"queue"}, "say 'queue it'", ["'queue it'"]) == ["'queue it'"]
    props = {"song": {"type": "string", "description": "the song title"}}
    enum = _params("queue Bohemian Rhapsody", props, ["song"], "queue_song")["properties"]["song"]["enum"]
    assert "Bohemian Rhapsody" in enum and all("queue" not in v.lower() for v in enum)
