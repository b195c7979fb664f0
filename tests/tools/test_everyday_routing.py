"""The CLI's routing for the embedded model picks the tool that takes the request's values."""

from __future__ import annotations

import pytest

from agentfn._small_path import build_router
from agentfn.cli import load_tools
from agentfn.fill import FillRouter


@pytest.fixture(scope="module")
def router() -> FillRouter:
    tools = load_tools(None)
    return FillRouter(build_router("auto", tools, True), list(tools), never_abstain=True)


@pytest.mark.parametrize(
    ("request_text", "tool"),
    [
        ("How many weeks until 2030-03-01?", "date_diff"),
        ("How many days have passed since 2020-01-01?", "date_diff"),
        ("What will the date be 45 days from today?", "date_add"),
        ("How many days are there between 2024-01-01 and 2024-03-01?", "date_diff"),
        ("What day of the week was 2024-07-04?", "date_info"),
    ],
)
def test_relative_dates_route_to_the_tool_that_takes_today(router: FillRouter, request_text: str, tool: str) -> None:
    assert router.route(request_text, k=4).selected[:1] == [tool]


@pytest.mark.parametrize(
    ("request_text", "tool"),
    [
        ("What's the date 3 weeks from 2025-04-10?", "date_add"),
        ("What will the date be 10 days from now?", "date_add"),  # date_add takes "now": one call, no chain
        ("How does this shopper feel: 'Worst order ever, never again'", "sentiment"),
        ("Write a python function to compute the average of a list", "generate_code"),
        ("Pull out the name and phone number from 'Call Dana on 555-0199'", "extract"),
        ("Which of English, Spanish or Italian is 'buongiorno' written in? Classify it", "classify"),
    ],
)
def test_everyday_phrasings_reach_their_tool(router: FillRouter, request_text: str, tool: str) -> None:
    assert router.route(request_text, k=4).selected[:1] == [tool]
