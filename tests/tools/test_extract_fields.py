"""The offline ``extract`` rules: each field takes the value its name describes, two fields of one kind differ."""

from __future__ import annotations

from agentfn.library._language_rules import extract_fields


def test_names_skip_an_opening_verb_or_greeting() -> None:
    assert extract_fields("Email Priya Raman about the invoice", ["name"]) == {"name": "Priya Raman"}
    assert extract_fields("Thanks for the flowers! Love, Tomas Berg", ["sender"]) == {"sender": "Tomas Berg"}


def test_two_places_go_to_two_fields_the_country_last() -> None:
    assert extract_fields("We moved to Lyon, France last year.", ["country", "city"]) == {"country": "France", "city": "Lyon"}
    assert extract_fields("Shipped from Osaka, Japan", ["city", "country"]) == {"city": "Osaka", "country": "Japan"}


def test_a_field_without_a_known_kind_takes_the_sentence_subject() -> None:
    assert extract_fields("A used road bike sells for 250 dollars.", ["item", "price"]) == {"item": "used road bike", "price": 250}


def test_two_times_and_dates_differ() -> None:
    out = extract_fields("Doors open 18:00, show starts 19:30 on 2026-05-02", ["date", "time"])
    assert out == {"date": "2026-05-02", "time": "18:00"}


def test_a_possessive_is_no_quote_around_the_fields() -> None:
    from agentfn._fields import requested_fields

    assert requested_fields("get the landlord's email out of 'write to Jo at jo@flat.org'") == ["landlord's email"]
    assert requested_fields("find the shop's phone in: 'ring Lu's Cafe on 555-0199'") == ["shop's phone"]
