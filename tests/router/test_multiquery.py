"""Server agreement on long requests: a service several sentences point at brings its unnamed lookups up."""

from __future__ import annotations

from typing import Any

import numpy as np

from agentfn.router import Router, RouterConfig
from agentfn.router.encoder import Encoder
from agentfn.router.multiquery import server_votes


def test_agreed_server_lifts_all_its_tools_in_order() -> None:
    # slots: 0 shop__return_item, 1 shop__find_customer, 2 shop__get_order, 3 home__set_heating, 4 home__lock, 5 plain
    fused = np.asarray([1.0, 0.8, 0.3, 0.9, 0.7, 0.6, 0.0], dtype=np.float32)
    ids = np.asarray([1, 1, 1, 2, 2, 0, 0], dtype=np.int64)
    whole = fused
    ask = np.asarray([1.0, 0.1, 0.2, 0.0, 0.0, 0.5, 0.0], dtype=np.float32)  # "I want to return ..."
    told = np.asarray([0.1, 1.0, 0.2, 0.0, 0.0, 0.3, 0.0], dtype=np.float32)  # "I am ..., zip code ..."
    story = np.asarray([0.0, 0.0, 0.1, 1.0, 0.2, 0.0, 0.0], dtype=np.float32)  # back-story about a thermostat
    out = server_votes(fused, [whole, ask, told, story], ids, 3, weight=0.5, depth=2, spread_rank=7)
    order = list(np.argsort(-out, kind="stable"))
    assert order[:4] == [0, 1, 2, 3]  # the shop's lookup (never named) now beats the home tools
    assert out[5] == fused[5] and out[6] == fused[6]  # no server: unchanged
    assert np.all(out >= fused)


def test_one_voter_or_no_weight_changes_nothing() -> None:
    fused = np.asarray([1.0, 0.5, 0.2], dtype=np.float32)
    ids = np.asarray([1, 1, 2], dtype=np.int64)
    assert server_votes(fused, [fused], ids, 3, weight=1.0) is fused
    assert server_votes(fused, [fused, fused], ids, 3, weight=0.0) is fused
    assert server_votes(fused, [fused, fused], np.zeros(3, dtype=np.int64), 1, weight=1.0) is fused


def test_a_server_only_one_voter_likes_gets_nothing() -> None:
    fused = np.asarray([1.0, 0.9, 0.2, 0.1, -np.inf], dtype=np.float32)
    ids = np.asarray([1, 2, 1, 2, 1], dtype=np.int64)
    a = np.asarray([1.0, 0.0, 0.0, 0.0, -np.inf], dtype=np.float32)
    b = np.asarray([0.0, 1.0, 0.0, 0.0, -np.inf], dtype=np.float32)
    out = server_votes(fused, [a, b], ids, 3, weight=1.0, depth=1, spread_rank=4)
    assert np.array_equal(out[:4], fused[:4])
    assert np.isneginf(out[4])


def _spec(tool: str, description: str, **params: str) -> dict[str, Any]:
    props = {p: {"type": "string", "description": d} for p, d in params.items()}
    return {"name": tool, "description": description,
            "parameters": {"type": "object", "properties": props, "required": list(props)}}


TOOLS = [
    _spec("bookshop__get_purchase", "Look up a purchase by its number: items, status, payment.", purchase_id="purchase number"),
    _spec("bookshop__refund_purchase", "Refund a delivered purchase to the original payment method.",
          purchase_id="purchase number", reason="why"),
    _spec("bookshop__find_member", "Find a member account by full name and postcode.", full_name="full name", postcode="postcode"),
    _spec("bookshop__list_titles", "List the book titles in a genre.", genre="genre"),
    _spec("cinema__refund_ticket", "Refund a cinema ticket.", ticket_id="ticket number"),
    _spec("cinema__list_showings", "List the film showings at a cinema today.", cinema="cinema name"),
    _spec("garden__water_plants", "Start watering the garden plants for some minutes.", minutes="how long"),
    _spec("garden__mow_lawn", "Start the robot lawn mower.", zone="lawn zone"),
    _spec("weather__forecast", "Weather forecast for a city.", city="city"),
    _spec("maps__find_postcode", "Find the postcode of an address.", address="street address"),
]

REQUEST = ("Last spring you bought three novels for your niece, who loves gardening and spends her weekends "
           "watering plants. She already owned two of them, so you now want your money back for that purchase, "
           "number BK-4471. You are Mira Okafor and your postcode is 4410.")


def test_a_long_request_brings_its_servers_unnamed_lookup_into_the_top_five(encoder: Encoder) -> None:
    on = Router.build(TOOLS, encoder=encoder)
    off = Router.build(TOOLS, encoder=encoder, config=RouterConfig(server_agreement=0.0))
    rank_on = [n for n, _ in on.route(REQUEST).ranked]
    rank_off = [n for n, _ in off.route(REQUEST).ranked]
    shop = [n for n in rank_on if n.startswith("bookshop__")]
    assert sum(rank_on.index(n) for n in shop) <= sum(rank_off.index(n) for n in shop)
    assert {"bookshop__get_purchase", "bookshop__refund_purchase", "bookshop__find_member"} <= set(rank_on[:5])


def test_short_requests_are_ranked_without_agreement(encoder: Encoder) -> None:
    on = Router.build(TOOLS, encoder=encoder)
    off = Router.build(TOOLS, encoder=encoder, config=RouterConfig(server_agreement=0.0))
    for query in ("refund purchase BK-4471 and then water the plants", "weather in Lagos"):
        assert on.route(query).ranked == off.route(query).ranked
