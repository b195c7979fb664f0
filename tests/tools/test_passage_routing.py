"""The CLI's routing for the embedded model: a request about a passage goes to the tool for what it asks,
not to a tool that takes the passage's own dates and numbers."""

from __future__ import annotations

import pytest

from agentfn._small_path import build_router
from agentfn.cli import load_tools
from agentfn.fill import FillRouter


@pytest.fixture(scope="module")
def router() -> FillRouter:
    tools = load_tools(None)
    return FillRouter(build_router("auto", tools, True), list(tools), never_abstain=True, fallback="generate")


@pytest.mark.parametrize(
    ("request_text", "tool"),
    [
        ("what time do the doors open, going by this: 'Doors open at 7pm on 2026-05-02 and tickets cost 15 euros.'", "answer"),
        ("How far is the lake from the town? 'The lake lies 12 km north of the town and opens in June.'", "answer"),
        ("Sort this message into billing, delivery or returns: 'I was charged twice for order 4412 on Monday.'", "classify"),
        ("is this text German, Dutch or Swedish: 'goedemorgen allemaal'", "classify"),
        ("Please shorten this: The pool closes at 8pm on weekdays and at 6pm on Sundays from 2026-06-01 on.", "summarize"),
        ("grab the invoice number and amount from 'Invoice 7781 for 45.50 EUR is due on 2026-03-01'", "extract"),
        ("Is this comment good or bad? 'Two hours late and the soup was cold.'", "sentiment"),
        ("Translate 'The train leaves at 9am on Monday' into French", "translate"),
        ("How many words are in 'The train leaves at 9am on Monday from platform 4'?", "text_stats"),
    ],
)
def test_passage_requests_route_to_what_they_ask(router: FillRouter, request_text: str, tool: str) -> None:
    assert router.route(request_text, k=4).selected[:1] == [tool]


def test_arithmetic_on_a_conversion_adds_no_dates(router: FillRouter) -> None:
    assert router.route("convert 4 kg to pounds and add 2", k=4).selected == ["convert_units", "calculate"]
