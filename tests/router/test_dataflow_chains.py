"""End to end on the project's own data-flow set (agentfn/evals/data/flow_chains.json): ``selected`` is the chain.

The registry holds 49 MCP tools with output schemas; each case below needs
producers the request does not name (a lookup of airport codes, a search of
the drive, the order behind a refund), or, for the guards, none at all because
the request gives the value.
"""

from __future__ import annotations

import pytest

from agentfn.evals.flow_chains import flow_chains_source
from agentfn.router import Router
from agentfn.router.encoder import Encoder

SOURCE = flow_chains_source()
GOLD = {e.text: e.gold for e in SOURCE.examples}


@pytest.fixture(scope="module")
def router(encoder: Encoder) -> Router:
    return Router.build(SOURCE.tools, encoder=encoder)


@pytest.mark.parametrize(
    "text",
    [
        "Book a flight from Madrid to Athens on August 12 for Lena Fischer",  # codes, then a flight id: 3 steps
        "What is the weather at 221B Baker Street, London?",
        "Share the budget spreadsheet with anna@example.com",  # the drive search ranks nowhere near the top
        "Summarize the file quarterly-report.pdf from my drive",  # search, read, then work on the content
        "Refund order 90412 in full",  # the number names the order; the amount comes from it
        "Post 'standup moved to 10am' in the channel with the most members",
        "What's the temperature in the capital of Kenya right now?",
        "Download the attachments of my newest email",
        "Mark the Initech deal as won",
        "Make a new document containing a summary of meeting-notes.txt",  # read, summarize, then create: 4 steps
    ],
)
def test_producers_are_pulled_in_before_the_tools_they_feed(router: Router, text: str) -> None:
    assert router.route(text).selected == GOLD[text]


@pytest.mark.parametrize(
    "text",
    ["Book flight LH2231 for Jean Dupont", "Weather at latitude 52.52 longitude 13.40", "Track parcel 1Z999AA10123456784",
     "Convert 80 EUR to GBP"],
)
def test_no_producer_when_the_request_gives_every_value(router: Router, text: str) -> None:
    assert router.route(text).selected == GOLD[text]
