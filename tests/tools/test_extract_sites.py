"""Offline extract: a web address without its scheme, and fields asked after a clause naming the source."""

from __future__ import annotations

from agentfn._fields import requested_fields
from agentfn.library._language_rules import extract_fields


def test_fields_asked_after_the_source_clause() -> None:
    assert requested_fields("From the invoice below, pull out the total and the due date: '...'") == ["total", "due date"]
    assert requested_fields("In this text, find the phone number: call 555-0101") == ["phone number"]


def test_a_site_without_its_scheme_is_a_url() -> None:
    text = "Visit Green Leaf Cafe at www.greenleaf-cafe.com.au or order from shop.greenleaf.org/menu today"
    assert extract_fields(text, ["website"]) == {"website": "www.greenleaf-cafe.com.au"}
    assert extract_fields("write to kim@bakery.org for orders", ["email", "link"]) == {"email": "kim@bakery.org"}
