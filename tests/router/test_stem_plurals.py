"""A word and its plural (or its -ing/-ed form) index to the same token, whichever side uses which."""

from __future__ import annotations

import pytest

from agentfn.router import Router
from agentfn.router.text import tokenize

PAIRS = [
    ("address", "addresses"), ("status", "statuses"), ("class", "classes"), ("process", "processes"),
    ("response", "responses"), ("database", "databases"), ("size", "sizes"), ("case", "cases"),
    ("booking", "bookings"), ("setting", "settings"), ("string", "strings"), ("meeting", "meetings"),
    ("box", "boxes"), ("match", "matches"), ("company", "companies"), ("email", "emails"), ("book", "booked"),
]


@pytest.mark.parametrize(("one", "other"), PAIRS)
def test_word_and_its_plural_meet(one: str, other: str) -> None:
    assert tokenize(one) == tokenize(other)


def test_words_ending_in_s_are_not_plurals() -> None:
    assert tokenize("address status analysis") == ["address", "status", "analysis"]


def test_a_plural_tool_name_is_found_by_the_singular_request() -> None:
    specs = [
        {"name": "list_bookings", "description": "List the reservations of an account."},
        {"name": "get_account_info", "description": "Get the details of an account."},
        {"name": "update_shipping_addresses", "description": "Change where orders of an account go."},
        {"name": "get_order", "description": "Get one order of an account."},
    ]
    r = Router.build(specs, encoder=None)
    assert r.route("show my booking for this account").ranked[0][0] == "list_bookings"
    assert r.route("change the address of my account").ranked[0][0] == "update_shipping_addresses"
