"""Extractive argument constraints: values come from the conversation."""

from __future__ import annotations

import json
from typing import Any

from agentfn.backends._extract import ExtractionSources, extractive_spec, text_spans
from agentfn.messages import AssistantMessage, SystemMessage, ToolCall, ToolMessage, UserMessage
from agentfn.toolset import Toolset


def _props(name: str, request: str, today: str | None = "2026-01-05", results: list[str] | None = None) -> dict[str, Any]:
    """The narrowed properties; for alternatives (``anyOf``), each property's options merged over the branches."""
    spec = Toolset.builtin()[name].openai_schema()
    params = extractive_spec(spec, ExtractionSources(request, today, results or []))["function"]["parameters"]
    if "anyOf" not in params:
        return params["properties"]
    merged: dict[str, Any] = {}
    for branch in params["anyOf"]:
        for key, schema in branch["properties"].items():
            if key in merged and "enum" in schema:
                merged[key] = {**merged[key], "enum": list(dict.fromkeys([*merged[key]["enum"], *schema["enum"]]))}
            else:
                merged.setdefault(key, schema)
    return merged


def test_two_required_texts_must_differ_and_one_number_parameter_takes_the_number() -> None:
    spec = Toolset.builtin()["convert_units"].openai_schema()
    params = extractive_spec(spec, ExtractionSources("how many feet is 2 meters"))["function"]["parameters"]
    assert all(b["properties"]["from_unit"]["enum"][0] not in b["properties"]["to_unit"]["enum"] for b in params["anyOf"])
    spec = Toolset.builtin()["date_add"].openai_schema()
    params = extractive_spec(spec, ExtractionSources("What date is 90 days after 2024-01-15?"))["function"]["parameters"]
    assert "anyOf" not in params  # the request names "days" next to its number: days is given, the others left out
    branch = params
    assert branch["required"] == ["datetime", "days"] and "years" not in branch["properties"]
    assert "timezone" not in branch["properties"]  # optional and not named: left out


def test_listed_choices_and_jsonpath_keys() -> None:
    labels = _props("classify", "Is this ticket about billing, shipping or a technical issue: 'late parcel'")["labels"]
    assert labels["enum"] == [["billing", "shipping", "technical issue"]]
    path = _props("json_query", 'From this JSON {"name": "Ada", "age": 36}, what is the age?')["path"]
    assert path["enum"] == ["$..age"]


def test_numbers_and_unit_spans_come_from_the_request() -> None:
    props = _props("convert_units", "How many kilometres is 3 miles?")
    assert props["value"]["enum"] == [3]
    assert _props("date_add", "What date was 30 days before 2024-03-01?")["days"]["enum"] == [-30]
    # the number's unit is the source, "how many" names the target (agentfn.backends._direction)
    assert props["from_unit"]["enum"] == ["miles"] and props["to_unit"]["enum"] == ["kilometres"]


def test_dates_include_clock_times_and_today_only_when_relative() -> None:
    props = _props("convert_timezone", "It is 09:00 in New York on 2024-03-15. What time is it in London?")
    assert "2024-03-15T09:00:00" in props["datetime"]["enum"]
    assert "2024-03-15" not in props["datetime"]["enum"]  # the day at the time given, not at midnight
    assert "2026-01-05" not in props["datetime"]["enum"]  # the request is about its own date
    assert "2026-01-05" in _props("date_diff", "How many weeks until 2027-03-01?")["start"]["enum"]
    assert _props("date_info", "Which day of the week did 1999-12-31 fall on?")["date"]["enum"][:1] == ["1999-12-31"]
    assert "2026-01-05" not in _props("date_info", "Which day of the week did 1999-12-31 fall on?")["date"]["enum"]
    assert "2026-01-05" in _props("date_info", "What day of the week is it?")["date"]["enum"]
    assert "Europe/London" in props["to_timezone"]["enum"]
    assert "America/New_York" in props["from_timezone"]["enum"]  # two zones named: the source is given
    one = _props("convert_timezone", "What is 2024-03-01T12:00 in Tokyo?")
    assert one["from_timezone"]["anyOf"][0]["enum"] == ["Asia/Tokyo"]  # Optional[str]: narrowed, null kept
    assert one["from_timezone"]["anyOf"][1] == {"type": "null"}


def test_enums_narrow_to_the_options_the_request_names() -> None:
    assert _props("date_diff", "How many weeks between 2024-01-01 and 2024-03-01?")["unit"]["enum"] == ["weeks"]
    assert _props("date_diff", "Time from 2024-01-01 to 2024-03-01")["unit"]["enum"] == ["days"]  # the default


def test_math_takes_whole_phrasings_unless_results_must_be_combined() -> None:
    props = _props("calculate", "What is 17.5% of 2480?")
    assert props["expression"]["enum"] == ["What is 17.5% of 2480"] and "pattern" not in props["expression"]
    worded = _props("calculate", "double it", results=["8.04672"])  # the request's operation on the result
    assert worded["expression"]["enum"] == ["8.04672 * 2"]
    free = _props("calculate", "how many weeks is that", results=["8.04672"])
    assert "enum" not in free["expression"]


def test_text_spans_quotes_and_results() -> None:
    props = _props("translate", "Translate 'good morning' into French")
    assert {"good morning", "French"} <= set(props["text"]["enum"]) | set(props["target"]["enum"])
    chained = _props("text_stats", "How many words are in notes.txt?", results=['"Meeting moved to Thursday."'])
    assert "Meeting moved to Thursday." in chained["text"]["enum"]
    assert text_spans("x, y z.") == ["x", "x, y", "x, y z", "y", "y z", "z"]
    assert text_spans("how many feet is 2 meters") == ["feet", "2 meters", "meters"]


def test_kinds_without_candidates_stay_free() -> None:
    props = _props("run_python", "Use Python to print the 20th Fibonacci number")
    assert "enum" not in props["code"]
    props = _props("http_get", "Fetch http://127.0.0.1:8000/status please")
    assert props["url"]["enum"] == ["http://127.0.0.1:8000/status"]


def test_sources_from_messages_take_this_turn_only() -> None:
    call = ToolCall(name="now", arguments="{}")
    messages = [
        SystemMessage(content="sys"), UserMessage(content="old 1999-01-01"), AssistantMessage(content="x"),
        UserMessage(content="How many days until 2027-12-25?"), AssistantMessage(tool_calls=[call]),
        ToolMessage(tool_call_id=call.id, name="now", content='"2026-12-06T05:00:00+00:00"'),
        ToolMessage(tool_call_id="x", name="now", content="boom", is_error=True),
    ]
    sources = ExtractionSources.from_messages(messages, None)
    dates = sources.dates()
    assert "2027-12-25" in dates and "2026-12-06" in dates and "1999-01-01" not in dates
    assert sources.results == ['"2026-12-06T05:00:00+00:00"']


def test_a_retry_avoids_the_values_of_the_failed_call() -> None:
    call = ToolCall(name="convert_units", arguments='{"value": 1, "from_unit": "meters", "to_unit": "square meters"}')
    messages = [
        UserMessage(content="convert 1 acre to square meters"), AssistantMessage(tool_calls=[call]),
        ToolMessage(tool_call_id=call.id, name="convert_units", content="unknown unit", is_error=True),
    ]
    sources = ExtractionSources.from_messages(messages, None, "convert_units")
    assert sources.avoid == {"value": [1], "from_unit": ["meters"], "to_unit": ["square meters"]}
    params = extractive_spec(Toolset.builtin()["convert_units"].openai_schema(), sources)["function"]["parameters"]
    assert all(b["properties"]["from_unit"]["enum"] != ["meters"] for b in params["anyOf"])
    assert params["anyOf"][0]["properties"]["value"]["enum"] == [1]  # nothing else to offer: kept


def _foreign(params: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "function", "function": {"name": "f", "parameters": {
        "type": "object", "properties": params, "required": required}}}


def test_identifier_text_takes_digit_strings_and_named_optional_text_is_kept() -> None:
    spec = _foreign({"first_name": {"type": "string"}, "zip": {"type": "string"},
                     "subject": {"type": "string"}, "style": {"type": "string", "default": "plain"}}, ["first_name", "zip"])
    text = "You are Yusuf Rossi in zip code 19122. Use 'Hello' as subject."
    params = extractive_spec(spec, ExtractionSources(text))["function"]["parameters"]
    props: dict[str, Any] = {}
    for branch in params.get("anyOf", [params]):  # two required texts: alternatives that differ
        for key, schema in branch["properties"].items():
            props.setdefault(key, {"enum": []})["enum"] += schema.get("enum", [])
    assert "19122" in props["zip"]["enum"]  # a zip code is all digits
    assert "19122" not in props["first_name"]["enum"]  # a name is not: bare numbers stay out
    assert "Hello" in props["subject"]["enum"]  # optional, but the request names it: offered (still optional)
    assert "style" not in props  # optional with a default and not named: left out, its default applies


def test_a_named_file_is_the_only_path() -> None:
    assert _props("write_file", "Save the text 'buy eggs' into shopping.txt")["path"]["enum"] == ["shopping.txt"]
    assert "." in _props("list_files", "Show me what is in the top folder")["path"]["enum"]  # no file named: words and "."


def test_two_named_zones_give_the_cued_sides() -> None:
    spec = Toolset.builtin()["convert_timezone"].openai_schema()
    request = "When it's 2024-08-15 14:30 in London, what time is it in New York?"
    params = extractive_spec(spec, ExtractionSources(request, "2026-01-05"))["function"]["parameters"]
    pairs = {(b["properties"]["from_timezone"]["enum"][0], b["properties"]["to_timezone"]["enum"][0]) for b in params["anyOf"]}
    assert pairs == {("Europe/London", "America/New_York")}  # the time is read in London (the zone next to it)
    assert all("from_timezone" in b["required"] for b in params["anyOf"])  # not left to its UTC default


def test_a_day_is_one_of_the_unit_and_holidays_are_dates() -> None:
    assert _props("convert_units", "How many seconds are in a day?")["value"]["enum"] == [1]
    assert "enum" not in _props("convert_units", "How many seconds are there?").get("value", {})
    props = _props("date_diff", "How many days until Christmas?", today="2026-12-06")
    end = props["end"]
    options = end.get("enum") or [o for b in end.get("anyOf", []) for o in b.get("enum", [])]
    assert options == ["2026-12-25"]  # "until Christmas": its date is the end, today the start
    assert "2026-12-06" in str(props["start"])
    # Christmas is a day here, not the Indian Ocean island's time zone.
    assert "Indian/Christmas" not in str(props.get("timezone", {}))


def test_holiday_dates_are_the_next_occurrence() -> None:
    from datetime import date

    from agentfn._named_dates import easter, holiday_dates, thanksgiving

    assert holiday_dates("days until Christmas", date(2026, 12, 26)) == ["2027-12-25"]
    assert holiday_dates("Christmas Eve party", date(2026, 1, 1)) == ["2026-12-24"]
    assert holiday_dates("weeks to New Year's Eve and Halloween", date(2026, 11, 1)) == ["2026-12-31", "2027-10-31"]
    assert easter(2024) == date(2024, 3, 31) and easter(2025) == date(2025, 4, 20)
    assert thanksgiving(2026) == date(2026, 11, 26)
    assert holiday_dates("a plain request", date(2026, 1, 1)) == []


def test_a_table_read_this_turn_is_the_csv_value() -> None:
    table = "city,temp\nOslo,3\nRome,18"
    props = _props("csv_summary", "What is the highest temperature in data.csv?", results=[json.dumps(table)])
    assert props["csv_text"]["enum"] == [table]
    from agentfn._values import request_values

    assert request_values("How many weeks until New Year's Eve?")["date"] == 2  # the holiday and today


def test_an_optional_switch_the_request_does_not_mention_keeps_its_default() -> None:
    assert "has_header" not in _props("csv_summary", "Summarise this table\na,b\n1,2\n3,4")
    assert "has_header" in _props("csv_summary", "Summarise this table, it has no header row\n1,2\n3,4")
    assert "recursive" in _props("list_files", "List every file in docs recursively")


def test_the_text_to_write_is_not_the_file_name() -> None:
    props = _props("write_file", 'Save "call the dentist" to reminders.txt')
    assert props["path"]["enum"] == ["reminders.txt"]
    assert "reminders.txt" not in props["content"]["enum"] and "call the dentist" in props["content"]["enum"]
    assert 'Save "call the dentist" to reminders.txt' not in props["content"]["enum"]
    assert not any(v.count('"') % 2 for v in props["content"]["enum"])  # no quote cut in half


def test_clock_times_with_am_pm_are_times_of_today() -> None:
    from agentfn._values import request_values, times_in

    assert times_in("at 9am, 3:30 pm, 12am and noon; 15:45") == ["09:00", "15:30", "00:00", "15:45", "12:00"]
    assert request_values("When it's 9am in London, what time is it in New York?")["date"] == 1
    dt = _props("convert_timezone", "When it's 9am in London, what time is it in New York?", today="2026-01-05")
    assert "2026-01-05T09:00:00" in str(dt)


def test_dates_written_with_month_names() -> None:
    from agentfn._named_dates import worded_dates
    from agentfn._values import numbers_in_request, request_values

    text = "How many days are between March 3, 2025 and April 10th, 2025?"
    assert worded_dates(text) == ["2025-03-03", "2025-04-10"]
    assert worded_dates("on 5 May", 2026) == ["2026-05-05"] and worded_dates("may I ask") == []
    assert request_values(text)["date"] == 2 and numbers_in_request(text) == []
    options = str(_props("date_diff", text, today="2026-12-06"))
    assert "2025-03-03" in options and "2025-04-10" in options


def test_a_birthday_weekday_question_is_about_that_date_only() -> None:
    props = _props("date_info", "What day of the week was I born if my birthday is 1995-08-23?", today="2026-12-06")
    assert "2026-12-06" not in str(props) and "1995-08-23" in str(props)


def test_an_option_is_named_by_the_verb_of_its_gloss() -> None:
    assert _props("write_file", 'Add "water the plants" to the end of todo.md')["mode"]["enum"] == ["append"]
    assert _props("write_file", 'Save "call the dentist" to reminders.txt')["mode"]["enum"] == ["create"]


_TIMER = {
    "name": "DecreaseTimer",
    "description": "Removes time from a timer",
    "parameters": {"type": "object", "required": [], "properties": {
        "hours": {"type": "integer", "description": "Number of hours"},
        "minutes": {"type": "integer", "description": "Number of minutes"},
        "seconds": {"type": "integer", "description": "Number of seconds"},
        "start_seconds": {"type": "integer", "description": "Seconds the timer was started with"},
        "name": {"type": "string", "description": "Name attached to the timer"},
        "area": {"type": "string", "description": "Area of the device"},
        "style": {"type": "string", "default": "plain"},
        "domain": {"type": "string", "enum": ["light", "fan"]},
    }},
}


def _narrowed(spec: dict[str, Any], request: str) -> dict[str, Any]:
    return extractive_spec({"type": "function", "function": spec}, ExtractionSources(request, "2026-01-05"))["function"]


def test_numbers_go_to_the_parameter_their_name_is_written_next_to() -> None:
    from agentfn.backends._extract_words import named_numbers

    assert named_numbers("set a timer for 1 hour 10 minutes and 30 seconds", ["hours", "minutes", "seconds"]) == {
        "hours": [1.0], "minutes": [10.0], "seconds": [30.0]}
    assert named_numbers("the area of a triangle with base 10 and height of 5", ["base", "height"]) == {
        "base": [10.0], "height": [5.0]}
    # a name of several words needs its other words in the request
    assert named_numbers("remove 30 seconds", ["start_seconds"]) == {}
    params = _narrowed(_TIMER, "remove 30 seconds from the timer")["parameters"]
    assert params["properties"]["seconds"]["enum"] == [30] and params["required"] == ["seconds"]
    # the number is claimed: no other number parameter is offered it
    assert not {"hours", "minutes", "start_seconds"} & set(params["properties"])
    both = _narrowed({"name": "area", "parameters": {"type": "object", "required": ["base", "height"], "properties": {
        "base": {"type": "number"}, "height": {"type": "number"}}}}, "triangle with base 10 and height 5")["parameters"]
    assert both["properties"]["base"]["enum"] == [10] and both["properties"]["height"]["enum"] == [5]


def test_optional_text_without_a_default_takes_free_spans_of_the_request() -> None:
    from agentfn.backends._extract_words import extraction_rules

    with extraction_rules(["named_numbers", "optional_text_spans"]):
        props = _narrowed(_TIMER, "remove 30 seconds from the kitchen timer")["parameters"]["properties"]
        lights = _narrowed(_TIMER, "turn on the lights in the kitchen")["parameters"]["properties"]
    # no number, no word naming another parameter or the tool ("seconds", "timer"), not the opening verb
    assert props["area"]["enum"] == ["kitchen"] == props["name"]["enum"]
    assert "style" not in props  # optional with a default: the default applies
    assert "kitchen" in lights["area"]["enum"]
    assert not any("light" in v for v in lights["area"]["enum"])  # "lights" names domain's option light
    assert lights["domain"]["enum"] == ["light"]


def test_extraction_rules_turn_the_new_rules_off_for_a_block() -> None:
    import pytest

    from agentfn.backends._extract_words import EXTRACTION_RULES, active_rules, extraction_rules

    with extraction_rules(()):
        assert active_rules() == frozenset()
        props = _narrowed(_TIMER, "remove 30 seconds from the kitchen timer")["parameters"]
    assert active_rules() == frozenset(EXTRACTION_RULES)
    # earlier rules: optional text left out, the number offered to one of the optional number parameters
    branches = props["anyOf"]
    assert all("area" not in b["properties"] and "name" not in b["properties"] for b in branches)
    with pytest.raises(ValueError, match="unknown extraction rules"), extraction_rules(["no_such_rule"]):
        pass


def test_optional_text_stays_out_when_a_required_text_parameter_takes_the_words() -> None:
    spec = {"name": "get_weather", "parameters": {"type": "object", "required": ["city"], "properties": {
        "city": {"type": "string"}, "unit": {"type": "string", "description": "celsius or fahrenheit"}}}}
    props = _narrowed(spec, "What is the weather in Paris?")["parameters"]["properties"]
    assert "Paris" in props["city"]["enum"] and "unit" not in props


def test_identifiers_of_the_examples_shape_dates_in_the_described_format_and_bare_domains() -> None:
    spec = _foreign({
        "reservation_id": {"type": "string", "description": "The reservation ID, such as '8JX2WO'."},
        "user_id": {"type": "string", "description": "The user ID, such as 'sara_doe_496'."},
        "day": {"type": "string", "description": "The day. Must be in format YYYY-MM-DD."},
        "start": {"type": "string", "description": "Start, in the format 'YYYY-MM-DD HH:MM'."},
        "url": {"type": "string", "description": "The URL of the webpage."},
        "recipients": {"type": "array", "items": {"type": "string"}, "description": "The email addresses."},
    }, ["reservation_id", "user_id", "day", "start", "url", "recipients"])
    text = ("Move reservation EUJUY6 of user lucas_brown_4047 (flight HAT045) to 2024-05-15 at 9:30, "
            "then read www.example-news.com and mail bob@example.org. Answer in the format 'HH:MM'.")
    props = extractive_spec(spec, ExtractionSources(text, "2026-01-05"))["function"]["parameters"]
    ids: list[str] = []
    for branch in props.get("anyOf", [props]):  # two required texts: alternatives that differ
        ids += [v for v in branch["properties"]["reservation_id"]["enum"] if v not in ids]
    props = props.get("properties") or props["anyOf"][0]["properties"]
    assert sorted(ids) == ["EUJUY6", "HAT045"]  # the example's shape: capitals and digits
    assert props["user_id"]["enum"] == ["lucas_brown_4047"]
    assert props["day"]["enum"] == ["2024-05-15"]
    assert props["start"]["enum"] == ["2024-05-15 09:30"]
    assert props["url"]["enum"] == ["www.example-news.com"]
    assert props["recipients"]["items"]["enum"] == ["bob@example.org"]


def test_a_quoted_format_is_not_a_span_of_free_text() -> None:
    spec = _foreign({"query": {"type": "string"}}, ["query"])
    props = extractive_spec(spec, ExtractionSources("Find the hiking trip. Give the time in the format 'HH:MM'."))
    assert not {"HH:MM", "MM"} & set(props["function"]["parameters"]["properties"]["query"]["enum"])


def test_exclusive_spans_drop_the_verb_and_give_at_most_one_of_the_span_parameters() -> None:
    params = _narrowed(_TIMER, "remove 30 seconds from the kitchen timer")["parameters"]
    assert params["properties"]["area"]["enum"] == ["kitchen"] and "name" not in params["properties"]  # a place
    params = _narrowed(_TIMER, "remove 30 seconds from the pasta timer")["parameters"]
    branches = params["anyOf"]
    given = [[n for n in ("name", "area") if n in b["properties"]] for b in branches]
    assert sorted(given) == [[], ["area"], ["name"]]  # one of them, or neither
    for branch in branches:
        for n in ("name", "area"):
            if n in branch["properties"]:
                assert branch["properties"][n]["enum"] == ["pasta"]  # "remove" is the command's verb
                assert "x-free-spans" not in branch["properties"][n]


def test_quoted_text_is_copied_whole_never_cut() -> None:
    from agentfn._values import quote_safe

    request = "Put 'pick up the kids' into a file called plan.txt"
    content = _props("write_file", request)["content"]["enum"]
    assert content[0] == "pick up the kids"
    assert not any(v in content for v in ("pick", "pick up", "kids", "kids' into a file"))  # no part of the quote
    assert not any("plan.txt" in v for v in content)  # nor words around the file name
    assert not quote_safe("plan", request) and quote_safe("a file called", request)
    assert quote_safe("pick up the kids", request) and not quote_safe("the kids' into", request)
    # a word that is also written outside the quote may still be given on its own
    assert quote_safe("notes", "Add 'buy notes' to my notes")


def test_optional_text_spans_keep_quotes_whole() -> None:
    props = _props("translate", "Translate 'see you at the station' into Spanish")
    assert "see you at the station" in props["text"]["enum"]
    assert not any(v in props["text"]["enum"] for v in ("see you", "station' into Spanish"))


def test_the_one_text_parameter_takes_what_the_request_quotes() -> None:
    content = _props("write_file", "Make notes.md and put '- feed the cat' in it")["content"]["enum"]
    assert content == ["- feed the cat"]
    assert _props("sentiment", "Mood of this: 'The hotel was lovely.'")["text"]["enum"] == ["The hotel was lovely."]
    assert "the early bird" in _props("text_stats", "count the words: the early bird")["text"]["enum"]  # no quote


def test_a_question_parameter_is_offered_the_question_the_request_asks() -> None:
    from agentfn._values import questions_in

    request = "Going by this, what does Ben collect? 'Ben collects old stamps and coins.'"
    assert questions_in(request) == ["Going by this, what does Ben collect?"]
    assert _props("answer", request)["question"]["enum"][0] == "Going by this, what does Ben collect?"


def test_a_question_parameter_takes_only_the_question_not_the_passage() -> None:
    # the passage is quoted before the question: it belongs to the context, never to the question
    request = "Read this and answer: 'The ferry leaves Split at 9 and reaches Hvar by noon.' Where does the ferry go?"
    props = _props("answer", request)
    assert props["question"]["enum"] == ["Where does the ferry go?"]
    assert "The ferry leaves Split at 9 and reaches Hvar by noon." in props["context"]["enum"]
    assert props["context"]["enum"] == ["The ferry leaves Split at 9 and reaches Hvar by noon."]
