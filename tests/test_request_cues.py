"""Request cues a router reads wrong: phrasal verbs, one-word durations, pleasantries, a passage's form, a genre."""

from __future__ import annotations

from typing import Any

import pytest

from agentfn._request_cues import (
    CueRouter,
    choice_tool,
    feeling_tool,
    form_tool,
    genre_tool,
    only_pleasantries,
    reading_tool,
    reworded,
    scaled_unit_tool,
    until_tool,
    verb_tool,
)
from agentfn._small_path import PLAIN_REPLY, build_router, small_model_router
from agentfn.messages import UserMessage
from agentfn.router.router import RoutePlan
from agentfn.toolset import Toolset


@pytest.fixture(scope="module")
def specs() -> dict[str, Any]:
    return {s["function"]["name"]: s for s in Toolset.builtin().specs()}


@pytest.mark.parametrize(
    ("text", "routed"),
    [
        ("please sum it up: the fair moved to June", "please summarize it : the fair moved to June"),
        ("add these up: 4, 9, 12", "add these : 4, 9, 12"),
        ("what's the gist of this memo: lunch moves to noon", "summarize this memo: lunch moves to noon"),
        ("what's the date in a fortnight from 2026-01-05", "what's the date in 2 weeks from 2026-01-05"),
        ("where will we be in a month", "where will we be 1 month from now"),
        ("Hey there! Hope you're well. What is 4 times 9? Thanks so much", "What is 4 times 9?"),
        ("Good evening, would you be so kind as to list my files", "list my files"),
        ("what's the mood of 'thanks so much, loved it'", "what's the mood of 'thanks so much, loved it'"),
        ("thank you for the thank-you card idea", "thank you for the thank-you card idea"),
        ("where will the moon be in twenty one days", "where will the moon be 21 days from now"),
        ("what weekday is it in 9 days", "what weekday is 9 days from now"),
        ("back in 2 hrs, the flight is 1 hr", "back in 2 hours, the flight is 1 hour"),
        ("we ran 12 km on sunday", "we walk 12 km on sunday"),
        ("whats 48 x 7", "whats 48 times 7"),
        ("is a 1920x1080 screen hd", "is a 1920x1080 screen hd"),
        ("is 22C warm in american units?", "is 22C warm in fahrenheit?"),
        ("100F in metric", "100F in celsius"),
        ("how far is 10 miles in metric", "how far is 10 miles in metric"),
        ("run this script for me, then run 3 tests", "run this script for me, then run 3 tests"),
    ],
)
def test_reworded_for_routing(text: str, routed: str) -> None:
    assert " ".join(reworded(text).split()) == " ".join(routed.split())


def test_only_pleasantries_is_chit_chat() -> None:
    assert only_pleasantries("Good evening!") and only_pleasantries("hiya, many thanks")
    assert not only_pleasantries("hello, what's 3 + 3") and not only_pleasantries("thanks, you saved my day")
    assert not only_pleasantries("")


def test_a_question_about_a_passages_form_goes_to_the_tool_that_names_it(specs: dict[str, Any]) -> None:
    text = "how many words are in this: We planned the picnic for Saturday afternoon by the lake."
    assert form_tool(text, specs, "date_info") == "text_stats"
    assert form_tool(text, specs, "text_stats") is None  # the head names it already
    quoted = "count the characters in 'see you on Tuesday at the station'"
    assert form_tool(quoted, specs, "date_info") == "text_stats"
    assert form_tool("how many days until Saturday", specs, "date_diff") is None  # no passage


def test_how_the_writer_of_a_passage_feels_goes_to_the_tool_that_names_feelings(specs: dict[str, Any]) -> None:
    text = "'we waited two hours in the rain and the gig got cancelled, never again' - how did she feel"
    assert feeling_tool(text, specs, "date_add") == "sentiment"
    assert feeling_tool("what's the tone of this note: 'sorry we missed you, we will call again tomorrow'", specs,
                        "date_add") == "sentiment"
    assert feeling_tool(text, specs, "sentiment") is None  # the head names it already
    assert feeling_tool("how do you feel today", specs, "generate") is None  # no passage


def test_a_passage_to_put_under_listed_labels_goes_to_the_tool_that_names_categories(specs: dict[str, Any]) -> None:
    text = "file this under kitchen, garden or bathroom: 'the tap drips every 5 minutes since Monday'"
    assert choice_tool(text, specs, "convert_units") == "classify"
    assert choice_tool(text, specs, "classify") is None  # the head names it already
    assert choice_tool("'the soup was cold and the bill wrong' positive or negative?", specs, "sentiment") is None
    assert choice_tool("convert 5 km to miles or yards", specs, "convert_units") is None  # no passage


def test_how_far_away_a_given_date_is_goes_to_the_tool_that_names_until(specs: dict[str, Any]) -> None:
    assert until_tool("the exam is on 2027-06-01, how many weeks away is that", specs, "date_info") == "date_diff"
    assert until_tool("payday is 2027-01-29, how many days left", specs, "date_info") == "date_diff"
    assert until_tool("how many weeks away is summer", specs, "date_info") is None  # no date given
    assert until_tool("what weekday is 2027-06-01", specs, "date_info") is None  # not a question of how far


def test_a_request_for_creative_writing_goes_to_the_tool_that_names_its_genre(specs: dict[str, Any]) -> None:
    assert genre_tool("tell me a funny poem about database admins", specs, "generate_code") == "generate"
    assert genre_tool("a limerick about a python coder", specs, "generate_code") == "generate"
    assert genre_tool("write a python function that prints a joke", specs, "generate_code") is None  # code first
    assert genre_tool("how many km is a marathon", specs, "convert_units") is None
    assert genre_tool("save jokes.txt with the line 'knock knock'", specs, "write_file") is None  # a file's name


def test_a_question_about_a_named_file_reads_it(specs: dict[str, Any]) -> None:
    assert reading_tool("which user is set in settings.yaml", specs, "write_file") == "read_file"
    assert reading_tool("hi! what timeout does app.json set?", specs, "write_file") == "read_file"
    assert reading_tool("set the timeout to 9 in app.json", specs, "write_file") is None  # an instruction
    assert reading_tool("which user is set in settings.yaml", specs, "read_file") is None
    assert reading_tool("when is the party according to my invites file?", specs, "now") == "read_file"
    assert reading_tool("what's the date in my diary file", specs, "list_files") is None  # names files already


def test_a_plain_reply_plan_takes_the_tool_its_verb_names(specs: dict[str, Any]) -> None:
    assert verb_tool("could you summarise this: the bus is late", specs) == "summarize"
    assert verb_tool("write a poem about rain", specs) is None  # write_file's name is more than the verb
    assert verb_tool("hello there", specs) is None


class _Fixed:
    def __init__(self, head: str) -> None:
        self.head = head
        self.seen: list[Any] = []

    def route(self, query: Any, k: int = 10) -> RoutePlan:
        self.seen.append(query)
        return RoutePlan(selected=[self.head], ranked=[(self.head, 1.0)])


def test_cue_router_routes_the_reworded_latest_turn_and_keeps_other_turns(specs: dict[str, Any]) -> None:
    inner = _Fixed("now")
    router = CueRouter(inner, list(specs.values()), PLAIN_REPLY)
    turns = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"},
             {"role": "user", "content": "date in a fortnight?"}]
    router.route(turns)
    assert inner.seen[-1][0] == turns[0] and inner.seen[-1][-1]["content"] == "date in 2 weeks?"
    assert turns[-1]["content"] == "date in a fortnight?"  # the caller's conversation is not changed
    router.route([UserMessage(content="back in a decade?")])
    assert inner.seen[-1][-1].content == "back in 10 years?"
    assert router.route("Hiya, good morning!").selected == [PLAIN_REPLY]
    assert router.route("what's the time").selected == ["now"]


@pytest.fixture(scope="module")
def small_router() -> Any:
    tools = Toolset.builtin()
    return small_model_router(build_router("auto", tools, True), tools)


@pytest.mark.parametrize(
    ("text", "tool"),
    [
        ("what will the date be in a fortnight", "date_add"),
        ("could you sum up: The gym is shut on Monday for cleaning and reopens on Tuesday at six.", "summarize"),
        ("how many words does this have: Our bake sale on Friday raised money for the school library.", "text_stats"),
        ("tell me a funny poem about programmers", "generate"),
        ("Good evening! Would you be so kind as to tell me today's date?", "now"),
        ("hello there!", PLAIN_REPLY),
        ("could you give me the gist of this: The pool closes for a week in May while the tiles are replaced.",
         "summarize"),
        ("what date will it be in twelve days", "date_add"),
        ("was 2000 a leap yr?", "date_info"),
        ("what's the date 5 days after 10/30/2026", "date_add"),
        ("the bus ride takes 1 hr 20 min, how many minutes", "calculate"),
        ("she jogs 8 km each morning, how many miles a week is that", "convert_units"),
        ("what's 37 x 3", "calculate"),
        ("each jar takes 250 ml of milk and I'm filling 6 jars, how many litres do I need", "convert_units"),
        ("at 45 mph for 3 hours, how far does the bus get", "calculate"),
        ("can you boil this down for me: The ferry was cancelled on Sunday after a storm, and the next one left at noon.",
         "summarize"),
    ],
)
def test_small_model_routes_these_wordings(small_router: Any, text: str, tool: str) -> None:
    assert small_router.route(text, k=4).selected[:1] == [tool]


def test_a_scaled_amount_asked_in_another_unit_converts_then_calculates(small_router: Any) -> None:
    plan = small_router.route("a tray needs 12 oz of flour per tray and I am baking 4 trays, how many kilograms is that", k=4)
    assert plan.selected[:2] == ["convert_units", "calculate"]


def test_a_scaled_amount_asked_in_its_own_unit_stays_arithmetic(specs: dict[str, Any]) -> None:
    assert scaled_unit_tool("each jar holds 250 ml and I have 6 jars, how many ml in all", specs, "calculate") is None
    assert scaled_unit_tool("I save 15 a day, how much in a week", specs, "calculate") is None
    assert scaled_unit_tool("each jar takes 250 ml and I fill 6 jars, how many litres", specs, "calculate") == "convert_units"


_SCHEDULE = ("The allotment society met on Saturday 14 March to settle the watering rota for the spring. Three "
             "members asked for earlier slots on Mondays and Wednesdays, the treasurer reported 240 pounds in the "
             "seed fund, and everyone agreed to meet again in 6 weeks, on 25 April, to count the new beds.")


@pytest.mark.parametrize(
    ("instruction", "tool"),
    [("what is the sentiment of this", "sentiment"), ("summarize this", "summarize"),
     ("translate into Spanish", "translate")],
)
def test_a_pasted_passage_is_routed_by_its_instruction_alone(small_router: Any, instruction: str, tool: str) -> None:
    from agentfn._request_cues import pasted_instruction

    text = f"{instruction}: {_SCHEDULE}"
    assert pasted_instruction(text) == instruction  # dates and sums in the passage do not pick the date tools
    assert small_router.route(text).selected[0] == tool


def test_short_passages_and_requests_without_an_instruction_route_as_before() -> None:
    from agentfn._request_cues import pasted_instruction

    assert pasted_instruction("summarize this: the fair moved to June") is None  # short: the request itself
    assert pasted_instruction(_SCHEDULE) is None  # no instruction before a colon
    assert pasted_instruction(f"note: {_SCHEDULE}") is None  # one word is a label, not an instruction
