"""Parameter-fill re-ranking of the router's near-tied candidates."""

from __future__ import annotations

from typing import Any

import pytest

from agentfn._values import parameter_kinds, request_values
from agentfn.fill import FillRouter
from agentfn.router import Router
from agentfn.toolset import Toolset


@pytest.fixture(scope="module")
def router() -> FillRouter:
    toolset = Toolset.builtin()
    return FillRouter(Router.build(list(toolset), encoder=None), list(toolset), never_abstain=True)


def test_request_values() -> None:
    values = request_values("days between 2024-01-01 and 2024-03-01")
    assert values["date"] == 2 and values["number"] == 0
    assert request_values("What is 17.5% of 2480?")["number"] == 2
    assert request_values("Read notes.txt")["file"] == 1
    assert request_values("Fetch http://127.0.0.1:8000/a.txt")["url"] == 1
    assert request_values('From this JSON {"age": 36}, what is the age?')["json"] == 1
    assert request_values("Summarize: 'It was 1937.'")["number"] == 0  # numbers in quotes belong to the quote
    assert request_values("Run: print(sum(range(101)))")["code"] == 1


def test_parameter_kinds_of_builtin_tools() -> None:
    kinds = {t.name: {n: k for n, k, _ in parameter_kinds(t.openai_schema())} for t in Toolset.builtin()}
    assert kinds["date_diff"]["start"] == "date" and kinds["date_diff"]["unit"] == "other"
    assert kinds["convert_units"]["value"] == "number" and kinds["convert_units"]["from_unit"] == "text"
    assert kinds["calculate"]["expression"] == "math" and kinds["json_query"]["path"] == "expression"
    assert kinds["now"]["timezone"] == "timezone" and kinds["read_file"]["path"] == "file"
    assert kinds["http_get"]["url"] == "url" and kinds["run_python"]["code"] == "code"


@pytest.mark.parametrize(
    ("prompt", "tool"),
    [
        ("days between 2024-01-01 and 2024-03-01", "date_diff"),
        ("What date is 90 days after 2024-01-15?", "date_add"),
        ("Summarize: the council met and voted to fund a park.", "summarize"),
        ("Fetch http://127.0.0.1:8000/status", "http_get"),
    ],
)
def test_the_tool_the_request_fills_wins(router: FillRouter, prompt: str, tool: str) -> None:
    plan = router.route(prompt, k=4)
    assert plan.selected[0] == tool and plan.ranked[0][0] == tool and not plan.abstain


def test_rescore_keeps_far_candidates_and_scores_by_fill() -> None:
    specs: list[Any] = [t for t in Toolset.builtin() if t.name in ("date_add", "date_diff", "now")]

    class Fixed:  # a router with a fixed ranking (the protocol the agent uses)
        def route(self, query: Any, k: int = 10) -> Any:
            from agentfn.router.router import RoutePlan

            return RoutePlan(ranked=[("date_add", 0.7), ("date_diff", 0.69), ("now", -1.0)], selected=["date_add", "now"])

    plan = FillRouter(Fixed(), specs).route("days between 2024-01-01 and 2024-03-01", k=3)
    assert [n for n, _ in plan.ranked] == ["date_diff", "date_add", "now"]
    assert plan.selected == ["date_diff"]  # the router's chain belonged to its own head
    assert dict(plan.ranked)["now"] == -1.0


def test_the_chain_survives_when_producers_feed_the_new_head() -> None:
    from agentfn.fill import reranked_plan
    from agentfn.router import RoutePlan

    plan = RoutePlan(ranked=[("read_file", 1.0), ("text_stats", 0.9)], selected=["read_file", "text_stats"])
    ranked = [("text_stats", 1.2), ("read_file", 1.0)]
    # The counter cannot fill its text from "notes.txt": the reader that feeds it stays first.
    kept = reranked_plan(plan, ranked, 4, abstain=False, needs_input=lambda name: name == "text_stats")
    assert kept.selected == ["read_file", "text_stats"] and kept.ranked[0][0] == "text_stats"
    # A head the request fills by itself (or no data-flow view at all) is selected alone.
    assert reranked_plan(plan, ranked, 4, abstain=False, needs_input=lambda name: False).selected == ["text_stats"]
    assert reranked_plan(plan, ranked, 4, abstain=False).selected == ["text_stats"]
    assert reranked_plan(plan, ranked, 4, abstain=True).selected == []


class _Fixed:
    """A router with a fixed plan (the protocol the agent uses) and a data-flow view of inputs."""

    def __init__(self, ranked: list[tuple[str, float]], selected: list[str], open_inputs: set[str] | None = None) -> None:
        self.ranked, self.selected, self.open_inputs = ranked, selected, open_inputs or set()

    def route(self, query: Any, k: int = 10) -> Any:
        from agentfn.router import RoutePlan

        return RoutePlan(ranked=self.ranked, selected=self.selected)

    def fill_score(self, query: str, name: str) -> float:
        return 0.0 if name in self.open_inputs else 1.0


def test_the_chain_survives_when_a_later_tool_needs_what_the_head_reads() -> None:
    # "Count the lines in docs/plan.txt": the reader takes every value (the file name) and is re-ranked
    # first, but the counter after it needs the text it reads: the chain is kept.
    tools = [t for t in Toolset.builtin() if t.name in ("read_file", "text_stats", "list_files")]
    base = _Fixed([("text_stats", 0.52), ("list_files", 0.34), ("read_file", 0.3)], ["read_file", "text_stats"],
                  open_inputs={"text_stats"})
    plan = FillRouter(base, tools, never_abstain=True).route("Count the lines in docs/plan.txt", k=4)
    assert plan.ranked[0][0] == "read_file" and plan.selected == ["read_file", "text_stats"]
    # A chain whose later tools the request fills alone is still cut after a head that takes everything.
    base.open_inputs = set()
    assert FillRouter(base, tools, never_abstain=True).route("Count the lines in docs/plan.txt").selected == ["read_file"]


@pytest.mark.parametrize(
    ("prompt", "chain"),
    [
        ("Convert 3 miles to kilometres and multiply by 4", ["convert_units", "calculate"]),
        ("Convert 5 miles to km and then double it", ["convert_units", "calculate"]),
        ("What is 25 miles in km, rounded to a whole number?", ["convert_units", "calculate"]),
        ("How many kilometres is 3 miles?", ["convert_units"]),
    ],
)
def test_a_computed_value_feeds_the_calculator(prompt: str, chain: list[str]) -> None:
    tools = [t for t in Toolset.builtin() if t.name in ("convert_units", "calculate", "convert_timezone")]
    base = _Fixed([("convert_units", 0.69), ("convert_timezone", 0.38), ("calculate", 0.29)], ["convert_units"])
    assert FillRouter(base, tools, never_abstain=True).route(prompt, k=4).selected == chain


def test_asks_arithmetic_and_a_calculator_head_is_left_alone() -> None:
    from agentfn._arith import asks_arithmetic

    assert asks_arithmetic("Convert 3 miles to km and multiply by 4")
    assert not asks_arithmetic("Round 3.7 to the nearest integer") and not asks_arithmetic("Add 3 days to 2024-01-01")
    tools = [t for t in Toolset.builtin() if t.name in ("convert_units", "calculate")]
    base = _Fixed([("calculate", 0.8), ("convert_units", 0.5)], ["calculate"])
    assert FillRouter(base, tools).route("What is 12 and then double it").selected == ["calculate"]


def test_an_optional_parameter_the_request_names_counts_in_full() -> None:
    # "one year after 2024-02-29": date_add takes the date and the number (its optional 'years'),
    # date_info only the date; the router's near-tie goes to the tool the request fills.
    tools = [t for t in Toolset.builtin() if t.name in ("date_add", "date_info", "now")]
    base = _Fixed([("date_info", 1.16), ("date_add", 1.06), ("now", 0.77)], ["date_info"])
    plan = FillRouter(base, tools, never_abstain=True).route("What is the date one year after 2024-02-29?", k=3)
    assert plan.selected == ["date_add"]
    plan = FillRouter(base, tools, never_abstain=True).route("What day of the week is 2024-07-04?", k=3)
    assert plan.selected == ["date_info"]


def test_a_word_used_as_a_noun_after_an_article_does_not_name_a_tool() -> None:
    # "... in a list" is an object, not the verb of ``list_files``: the router's head stays.
    tools = [t for t in Toolset.builtin() if t.name in ("generate_code", "list_files", "run_python")]
    base = _Fixed([("generate_code", 0.55), ("run_python", 0.43), ("list_files", 0.28)], ["generate_code"])
    plan = FillRouter(base, tools, never_abstain=True).route(
        "Write a Python function that returns the largest number in a list", k=4)
    assert plan.selected == ["generate_code"]
    base = _Fixed([("list_files", 0.5), ("generate_code", 0.45)], ["list_files"])
    assert FillRouter(base, tools, never_abstain=True).route("List the files in docs").selected == ["list_files"]


def test_a_reader_feeds_a_head_that_lacks_its_document() -> None:
    # "the highest temperature in data.csv": the summariser needs the table, the file name fills the
    # reader, which re-ranks first: the plan reads the file, then summarises it.
    tools = [t for t in Toolset.builtin() if t.name in ("csv_summary", "read_file", "convert_units")]
    base = _Fixed([("csv_summary", 0.53), ("convert_units", 0.48), ("read_file", 0.23)], ["csv_summary"])
    router = FillRouter(base, tools, never_abstain=True)
    assert router.route("What is the highest temperature in data.csv?", k=4).selected == ["read_file", "csv_summary"]
    # A pasted table needs no reader: the head the request fills stays alone.
    pasted = "What is the highest temperature?\ncity,temp\nOslo,3\nRome,18"
    assert router.route(pasted, k=4).selected[-1] == "csv_summary"
    assert "read_file" not in router.route(pasted, k=4).selected


def test_a_tool_that_takes_the_named_file_competes_even_when_ranked_low() -> None:
    tools = [t for t in Toolset.builtin() if t.name in ("read_file", "generate", "now", "list_files")]
    ranked = [("generate", 0.22), ("now", 0.2)] + [(f"other_{i}", 0.1) for i in range(10)] + [("read_file", 0.05)]
    base = _Fixed(ranked, [])
    plan = FillRouter(base, tools, never_abstain=True, pool=4).route("What's in todo.md?", k=4)
    assert plan.selected == ["read_file"]


def test_the_router_chain_stays_when_the_calculator_is_reranked_first() -> None:
    tools = [t for t in Toolset.builtin() if t.name in ("convert_units", "calculate")]
    base = _Fixed([("convert_units", 0.78), ("calculate", 0.78)], ["convert_units", "calculate"])
    plan = FillRouter(base, tools, never_abstain=True).route("Convert 5 kilometers to miles and round to 1 decimal")
    assert plan.selected == ["convert_units", "calculate"]


def test_an_abstaining_plan_with_no_evidence_falls_back_to_the_plain_reply() -> None:
    tools = [t for t in Toolset.builtin() if t.name in ("translate", "generate", "calculate")]
    fixed = _Fixed([("translate", 0.2), ("generate", 0.15), ("calculate", 0.1)], [])

    class Abstaining(_Fixed):
        def route(self, query: Any, k: int = 10) -> Any:
            return super().route(query, k).model_copy(update={"abstain": True})

    base = Abstaining(fixed.ranked, [])
    router = FillRouter(base, tools, never_abstain=True, fallback="generate")
    assert router.route("What's the capital of France?").selected == ["generate"]
    # A request that gives the nearest tool something to take keeps it (a tip on a bill).
    base.ranked = [("calculate", 0.2), ("generate", 0.15)]
    assert router.route("How much is a 15% tip on a $64 bill?").selected == ["calculate"]
    # Without a fallback the nearest tool is selected, as before.
    base.ranked = fixed.ranked
    assert FillRouter(base, tools, never_abstain=True).route("What's the capital of France?").selected == ["translate"]


def test_an_amount_named_without_a_number_does_not_fill_the_adder() -> None:
    tools = [t for t in Toolset.builtin() if t.name in ("date_add", "date_diff", "date_info")]
    base = _Fixed([("date_add", 0.84), ("date_info", 0.64), ("date_diff", 0.59)], ["date_add"])
    router = FillRouter(base, tools, never_abstain=True)
    assert router.route("How many weeks are there between 2024-01-01 and 2024-12-31?").selected == ["date_diff"]
    assert router.route("What date is 2 weeks after 2024-01-01?").selected == ["date_add"]  # the amount is given


def test_the_routers_head_that_needs_a_table_is_fed_by_the_reader() -> None:
    # "temp" reads like a unit, so the re-rank prefers the converter; it takes no file and the
    # router's head needs the table the file holds: read the file, then summarise it.
    tools = [t for t in Toolset.builtin() if t.name in ("csv_summary", "read_file", "convert_units")]
    base = _Fixed([("csv_summary", 0.73), ("convert_units", 0.38), ("read_file", 0.1)], ["csv_summary"])
    plan = FillRouter(base, tools, never_abstain=True).route("What's the total of the temp column in data.csv?")
    assert plan.selected == ["read_file", "csv_summary"]
    # No file named: nothing to read.
    assert "read_file" not in FillRouter(base, tools, never_abstain=True).route("What's the total of the temp column?").selected


def test_a_number_does_not_feed_a_tool_that_needs_a_date_the_request_lacks() -> None:
    tools = [t for t in Toolset.builtin() if t.name in ("calculate", "date_add", "date_diff")]
    base = _Fixed([("calculate", 0.57), ("date_add", 0.57)], ["calculate", "date_diff", "date_add"])
    router = FillRouter(base, tools, never_abstain=True)
    assert router.route("If I save $250 a month, how much will I have after 18 months?").selected == ["calculate"]


def test_the_plain_reply_is_not_fed_a_file() -> None:
    # "What does notes.txt say?": reading it is the answer; the fallback reply does not get the text.
    tools = [t for t in Toolset.builtin() if t.name in ("generate", "read_file", "write_file")]
    base = _Fixed([("generate", 0.55), ("read_file", 0.42), ("write_file", 0.4)], ["generate"])
    plan = FillRouter(base, tools, never_abstain=True, fallback="generate").route("What does notes.txt say?")
    assert plan.selected == ["read_file"]


def test_a_tool_that_takes_the_asked_amount_as_input_does_not_answer_it() -> None:
    tools = [t for t in Toolset.builtin() if t.name in ("date_add", "convert_units")]
    base = _Fixed([("date_add", 0.9), ("convert_units", 0.85)], ["date_add"])
    router = FillRouter(base, tools, never_abstain=True)
    assert router.route("how many hours are in 5 days").selected == ["convert_units"]  # hours are asked, not given
    assert router.route("What is the date 5 days from 2025-06-01?").selected == ["date_add"]  # days given


def test_later_tools_of_a_chain_must_be_asked_for() -> None:
    tools = [t for t in Toolset.builtin() if t.name in ("read_file", "sentiment", "summarize", "text_stats")]
    base = _Fixed([("read_file", 0.7), ("sentiment", 0.69), ("summarize", 0.6)], ["read_file", "sentiment", "summarize"],
                  open_inputs={"sentiment", "summarize"})
    router = FillRouter(base, tools, never_abstain=True)
    assert router.route("Open diary/monday.md and show me what it contains").selected == ["read_file"]
    assert router.route("Open diary/monday.md and summarise it").selected == ["read_file", "summarize"]
    # "what is in" a file asks for its text: the reader alone, not the router's head after it
    base.ranked, base.selected = [("text_stats", 0.6), ("read_file", 0.5)], ["text_stats"]
    base.open_inputs = {"text_stats"}
    assert router.route("What is inside letters/june.txt?").selected == ["read_file"]
    assert router.route("How many sentences are in letters/june.txt?").selected == ["read_file", "text_stats"]


def test_an_adder_given_no_amount_loses_to_the_tool_that_reads_the_date() -> None:
    tools = [t for t in Toolset.builtin() if t.name in ("date_add", "date_info")]
    base = _Fixed([("date_add", 0.4), ("date_info", 0.38)], ["date_add"])
    router = FillRouter(base, tools, never_abstain=True)
    assert router.route("Did 2019-03-09 fall on a Saturday?").selected == ["date_info"]
    assert router.route("What is 2019-03-09 plus two weeks?").selected == ["date_add"]


def test_a_named_tool_joins_the_pool_and_the_heads_words_ground_no_later_tool() -> None:
    tools = list(Toolset.builtin())
    ranked = [(t.name, 0.3 - 0.01 * i) for i, t in enumerate(tools) if t.name != "summarize"] + [("summarize", 0.0)]
    router = FillRouter(_Fixed(ranked, []), tools, never_abstain=True, pool=4)
    passage = "The pool opens early on weekdays. Lessons for children start in spring and are popular."
    assert router.route(f"Summarise briefly: {passage}").selected[0] == "summarize"
    chain = _Fixed([("sentiment", 0.9), ("date_diff", 0.8)], ["sentiment", "date_diff", "calculate"])
    plan = FillRouter(chain, tools, never_abstain=True).route("Positive or negative? 'Broke after a week.'")
    assert plan.selected == ["sentiment"]


def test_a_question_about_a_quoted_passage_goes_to_the_answering_tool() -> None:
    values = request_values("Who painted it, going by this? 'The mural was painted by Ana Ruiz in the spring of 1998.'")
    assert values["question"] == 1
    assert request_values("How many words are in 'we met by the old mill last night'?")["question"] == 0  # its form
    assert request_values("Which fits 'the bus broke down on the bridge': travel, food or money?")["question"] == 0
    tools = [t for t in Toolset.builtin() if t.name in ("answer", "text_stats", "extract")]
    base = _Fixed([("text_stats", 0.3), ("extract", 0.28), ("answer", 0.25)], [])
    router = FillRouter(base, tools, never_abstain=True)
    request = "Going by this text, where did they stay? 'We stayed in a small hotel in Porto for three nights.'"
    assert router.route(request).selected == ["answer"]  # "this text" is a noun, it names no text_stats


def test_a_passage_task_tool_far_below_the_router_best_is_not_chosen() -> None:
    from agentfn.fill import FillRouter
    from agentfn.router.router import RoutePlan

    spec = {"type": "function", "function": {"name": "ask", "description": "Answer a question about a text.", "parameters": {
        "type": "object", "properties": {"question": {"type": "string"}, "context": {"type": "string"}},
        "required": ["question", "context"]}}}
    other = {"type": "function", "function": {"name": "book_table", "description": "Book a restaurant table.", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
    router = FillRouter(None, [spec, other])  # pyright: ignore[reportArgumentType]
    text = "Where is it? 'The new cafe on the corner opened last week in Lyon.'"
    plan = RoutePlan(ranked=[("book_table", 0.9), ("ask", 0.1)], selected=["book_table"])
    assert router.passage_task(text, plan, {"book_table": 0.9, "ask": 0.1}).selected == ["book_table"]
    assert router.passage_task(text, plan, {"book_table": 0.5, "ask": 0.2}).selected == ["ask"]
