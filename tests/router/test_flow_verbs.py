"""Verbs that ask for an action under another name: "book" a reservation, "invoice" someone.

Tools here are written for these tests (MCP ``inputSchema``/``outputSchema``): a
spa search and its reservation (the request says "book", the tool "reserve"), and
a ledger whose invoice is made, then mailed (the request uses "invoice" as its verb).
"""

from __future__ import annotations

import pytest

from agentfn.router import Router
from agentfn.router.encoder import Encoder
from agentfn.router.reqvalues import RequestValues

from .mcp_specs import N, S, mcp_tool, records

TOOLS = [
    mcp_tool("spa_search", "Find day spas in a town.", {"town": S}, {"spas": records(spa_id=S, label=S, price=N)}),
    mcp_tool("spa_reserve", "Reserve a treatment slot at a spa.", {"spa_id": S, "guest": S}, {"reservation": S}),
    mcp_tool("ledger_client_find", "Find a client by e-mail.", {"email": S}, {"client_id": S}),
    mcp_tool("ledger_invoice_create", "Create an invoice for a client.", {"client_id": S, "amount": N, "currency": S},
             {"invoice_id": S}),
    mcp_tool("ledger_invoice_mail", "Mail an invoice to its client.", {"invoice_id": S}, {"status": S}),
    mcp_tool("weather_now", "Current weather in a town.", {"town": S}, {"summary": S}),
]


def test_a_thing_used_as_the_opening_verb_is_read_as_one() -> None:
    assert RequestValues.of("Invoice kim@example.com for 400 USD").verb == "invoice"


@pytest.fixture(scope="module")
def router(encoder: Encoder) -> Router:
    return Router.build(TOOLS, encoder=encoder)


@pytest.mark.parametrize(("text", "chain"), [
    ("Book the cheapest spa in Bath for Ola Nowak", ["spa_search", "spa_reserve"]),
    ("Invoice kim@example.com for 400 USD and mail it to her", ["ledger_client_find", "ledger_invoice_create", "ledger_invoice_mail"]),
    ("What's the weather in Bath?", ["weather_now"]),
])
def test_the_action_asked_under_another_name_joins(router: Router, text: str, chain: list[str]) -> None:
    assert router.route(text).selected == chain
