"""Values people write in everyday requests: named days with years, month-name dates relative to
today, quantities in two units, filters nobody asked for, column totals."""

from __future__ import annotations

from datetime import date
from typing import Any

from agentfn._named_dates import holiday_dates, strip_holiday_years, weekday_dates, worded_dates
from agentfn._values import (
    combine_compound_quantities,
    listed_options,
    numbers_in_request,
    parameter_kind,
    request_values,
)
from agentfn.backends._direction import directional_options
from agentfn.backends._extract import ExtractionSources, extractive_spec
from agentfn.library.data import csv_summary
from agentfn.toolset import Toolset


def test_a_holiday_with_a_year_is_that_years_day_and_the_year_is_no_number() -> None:
    request = "What day of the week will New Year's Day 2027 be?"
    assert holiday_dates(request, date(2026, 12, 6)) == ["2027-01-01"]
    assert holiday_dates("Christmas of 2030", date(2026, 12, 6)) == ["2030-12-25"]
    assert strip_holiday_years(request) == "What day of the week will New Year's Day be?"
    assert numbers_in_request(request) == []
    assert request_values(request)["date"] == 1


def test_a_month_name_date_without_a_year_follows_the_requests_direction() -> None:
    today = date(2026, 12, 6)
    assert worded_dates("How many days until my birthday on August 14?", today=today) == ["2027-08-14"]
    assert worded_dates("How long has it been since March 3?", today=today) == ["2026-03-03"]
    assert worded_dates("What weekday is March 3?", today=today) == ["2026-03-03"]
    assert worded_dates("days since December 20", today=today) == ["2025-12-20"]
    assert worded_dates("March 3, 2025 to April 1, 2025", today=today) == ["2025-03-03", "2025-04-01"]
    assert worded_dates("What weekday is March 3?") == []  # no year to assume
    assert worded_dates("How many days are in February 2028?") == ["2028-02-01"]  # a month of a year
    assert numbers_in_request("How many days are in February 2028?") == []


def test_the_two_ends_of_a_range_share_the_year_written_once() -> None:
    today = date(2026, 12, 7)
    assert worded_dates("count the days from may 2 to june 9, 2023", today=today) == ["2023-05-02", "2023-06-09"]
    assert worded_dates("Between Oct 1 2022 and Nov 15?", today=today) == ["2022-10-01", "2022-11-15"]
    # a range runs forward: its yearless end crosses the new year rather than running backwards
    assert worded_dates("nov 28 through feb 2, 2030", today=today) == ["2029-11-28", "2030-02-02"]
    assert worded_dates("from 30 December 2031 till 4 January", today=today) == ["2031-12-30", "2032-01-04"]
    # two dates that are not a range keep their own years
    assert worded_dates("Is June 1 a Monday? And what about July 4, 2030?", today=today) == ["2026-06-01", "2030-07-04"]


def test_weekdays_with_a_direction_are_dates() -> None:
    monday = date(2026, 12, 7)
    assert weekday_dates("What's the date next Friday?", monday) == ["2026-12-11"]
    assert weekday_dates("until Monday", monday) == ["2026-12-14"]  # the coming one, not today
    assert weekday_dates("What did I do last Friday?", monday) == ["2026-12-04"]
    assert weekday_dates("Was 2000-01-01 a Saturday?", monday) == []  # a weekday asked about is no date
    assert request_values("What's the date next Friday?")["date"] == 1


def test_an_age_counts_from_the_birth() -> None:
    today, born = "2026-12-07", "1990-05-17"
    assert directional_options([today, born], [today, born], f"How old is someone born on {born}?") == ([born], [today])


def test_a_quantity_in_two_units_is_one_number() -> None:
    assert combine_compound_quantities("What's 6 feet 2 inches in centimeters?") == "What's 6.166667 feet in centimeters?"
    assert numbers_in_request("convert 2 hours 30 minutes to seconds") == [2.5]
    assert numbers_in_request("a baby of 7 lbs 8 oz in grams") == [7.5]
    assert numbers_in_request("Add 3 and 4") == [3.0, 4.0]  # plain numbers stay apart


def _props(name: str, request: str) -> dict[str, Any]:
    spec = Toolset.builtin()[name].openai_schema()
    params = extractive_spec(spec, ExtractionSources(request, "2026-12-06"))["function"]["parameters"]
    branches = params.get("anyOf") or [params]
    return {k: v for b in branches for k, v in b["properties"].items()}


def test_an_optional_filter_nobody_asked_for_keeps_its_default() -> None:
    schema = {"type": "string", "description": 'shell-style filter on file names, e.g. "*.csv".'}
    assert parameter_kind("pattern", schema) == "expression"  # "e.g. *.csv" does not make it a table
    assert "pattern" not in _props("list_files", "Show me the files in this folder")
    assert "pattern" not in _props("list_files", "What's inside the reports folder?")  # a question mark is no glob
    assert "pattern" in _props("list_files", "List the csv files in this folder")
    assert "pattern" in _props("list_files", "Which files end in .md?")
    pattern = _props("list_files", "List all the markdown files")["pattern"]
    options = pattern.get("enum") or [o for b in pattern.get("anyOf", []) for o in b.get("enum", [])]
    assert options == ["*.md"]  # a kind of file is its extension's pattern


def test_a_time_of_day_is_offered_on_the_day_not_midnight() -> None:
    props = _props("date_add", "What's 3 hours ahead of 10:15?")
    assert props["datetime"]["enum"] == ["2026-12-06T10:15:00"]


def test_holidays_come_in_the_requests_order() -> None:
    assert holiday_dates("days between Christmas and New Year's Eve", date(2026, 12, 7)) == ["2026-12-25", "2026-12-31"]


def test_ounces_beside_a_volume_are_fluid_ounces() -> None:
    from agentfn.library.units import convert_units

    assert round(convert_units.function(1.5, "liters", "ounces").value, 2) == 50.72
    assert convert_units.function(1, "pound", "ounces").value == 16  # beside a mass, a mass
    assert request_values("How many weeks are in a year?")["number"] == 1  # one of a measure


def test_csv_summary_gives_column_totals() -> None:
    summary = csv_summary.function("city,temp\nOslo,3\nRome,18\nCairo,31")
    temp = next(c for c in summary.columns if c.name == "temp")
    assert temp.total == 52 and temp.mean is not None
    assert next(c for c in summary.columns if c.name == "city").total is None


def test_times_words_and_links_inside_a_quoted_passage_are_the_passages() -> None:
    assert request_values("Passage: 'The flight leaves from gate B12 at 14:05.' Question: Which gate?")["date"] == 0
    assert request_values("Get the website link from 'More info at https://example.org/docs today'")["url"] == 0
    assert request_values("Fetch 'http://127.0.0.1:8000/a'")["url"] == 1  # a quoted link alone is a link
    assert request_values("What time is it in Tokyo at 9am?")["date"] == 1


def test_two_clock_times_are_two_dates_of_today() -> None:
    assert request_values("How many hours between 9:30 and 17:15?")["date"] == 2
    assert request_values("When it's 9am in London, what time is it in New York?")["date"] == 1


def test_a_count_of_operands_is_no_value_of_the_request() -> None:
    assert numbers_in_request("Give me a Rust function that multiplies three integers") == []
    assert numbers_in_request("a script that sorts 2 strings by length") == []
    assert numbers_in_request("Add these four numbers: 1, 2, 3 and 4") == [1, 2, 3, 4]
    assert numbers_in_request("What is two plus five?") == [2, 5]


def test_slashed_dates_with_a_year_are_dates_not_numbers() -> None:
    from agentfn._named_dates import worded_dates
    from agentfn._values import numbers_in_request, request_values

    assert worded_dates("3 weeks after 11/30/2026") == ["2026-11-30"]  # month first
    assert worded_dates("from 30/11/2026 on") == ["2026-11-30"]  # a first number past 12 is the day
    assert worded_dates("on 13/13/2026") == [] and worded_dates("3/4 of a cup") == []
    assert request_values("days from 1/15/2027 to 3/1/2027")["date"] == 2
    assert numbers_in_request("what is 9 days after 4/2/2027") == [9]


def test_a_year_asked_about_as_a_leap_year_is_a_date() -> None:
    from agentfn._named_dates import leap_years, worded_dates
    from agentfn._values import request_values

    assert leap_years("was 1700 a leap year?") == ["1700"] and leap_years("is the leap day in 2044") == ["2044"]
    assert leap_years("I was born in 1990 and leapt") == []
    assert worded_dates("did 2044 have a leap day") == ["2044-01-01"]
    assert request_values("was 1700 a leap year")["date"] == 1


def test_a_label_or_not_lists_the_label_and_its_negation() -> None:
    assert listed_options("Is this review fake or not? 'Best blender ever!!!'") == ["fake", "not fake"]
    assert listed_options("label it urgent or not urgent: the server is down") == ["urgent", "not urgent"]
    assert listed_options("positive, negative or neutral?") == ["positive", "negative", "neutral"]


def test_an_apostrophe_between_letters_stays_inside_single_quotes() -> None:
    from agentfn._values import quoted_spans

    assert quoted_spans("'we've waited an hour, it's a joke' - is that negative") == ["we've waited an hour, it's a joke"]
    assert quoted_spans("the words 'can't' and 'won't'") == ["can't", "won't"]
    assert quoted_spans("I've got it, it's fine") == []


def test_a_date_counted_from_tomorrow_starts_tomorrow() -> None:
    from agentfn._values import relative_days

    assert relative_days("two weeks from tomorrow", date(2027, 3, 30)) == ["2027-03-31"]
    assert relative_days("what was the date the day before yesterday", date(2027, 3, 1)) == ["2027-02-27"]
    assert relative_days("what's the date today", date(2027, 3, 1)) == []
    assert ExtractionSources("10 days after tomorrow, which date is it", today="2027-03-30").dates() == ["2027-03-31"]
    assert ExtractionSources("the exam is 2027-06-01, how many days away", today="2027-03-30").dates()[-1] == "2027-03-30"


def test_a_passage_after_a_colon_keeps_its_closing_mark() -> None:
    phrasings = ExtractionSources("count the characters of my status: back from the beach, so tired!").phrasings()
    assert phrasings[0] == "back from the beach, so tired!"
    assert ExtractionSources("translate to german: thank you").phrasings()[0] == "thank you"


def test_a_length_limit_takes_only_a_number_written_before_its_unit() -> None:
    specs = {t.openai_schema()["function"]["name"]: t.openai_schema() for t in Toolset.builtin()}

    def limit(tool: str, request: str) -> Any:
        props = extractive_spec(specs[tool], ExtractionSources(request, today="2027-01-04"))["function"]["parameters"]
        return props["properties"].get("max_words")

    assert limit("summarize", "tl;dr: the pool shuts from 8 to 6 on Monday while the tiles are fixed.") is None
    assert limit("generate", "write me a three-line verse about rain") is None
    assert limit("generate", "a 40-word story about a lost dog")["anyOf"][0]["enum"] == [40]
