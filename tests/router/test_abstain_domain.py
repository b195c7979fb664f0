"""Domain signals of abstention (``domain.domain_features``): does a request act on what the offered tools act on?"""

from __future__ import annotations

from typing import Any

from agentfn.router import Router
from agentfn.router.calibration import ABSTAIN_FEATURES
from agentfn.router.domain import DOMAIN_FEATURES, domain_features, domain_mention, object_coverage
from agentfn.router.encoder import Encoder


def _tool(name: str, description: str, *params: str) -> dict[str, Any]:
    props = {p: {"type": "string", "description": p.replace("_", " ")} for p in params}
    return {"name": name, "description": description,
            "parameters": {"type": "object", "properties": props, "required": list(params)}}


# A ferry operator's tools and a bakery's: both cancel things for a customer, neither serves the other's requests.
FERRY = [
    _tool("ferry__cancel_crossing", "Cancel a booked ferry crossing for a passenger.", "booking_code"),
    _tool("ferry__change_cabin", "Move a passenger of a ferry crossing to another cabin.", "booking_code", "cabin"),
    _tool("ferry__find_customer_id", "Find a customer's id by their name and postcode.", "name", "postcode"),
]
BAKERY = [
    _tool("bakery__cancel_cake_order", "Cancel a cake order that has not been baked yet.", "order_code"),
    _tool("bakery__change_cake_order_icing", "Change the icing of a pending cake order.", "order_code", "icing"),
    _tool("bakery__find_customer_id", "Find a customer's id by their name and postcode.", "name", "postcode"),
]


def _vocab(tools: list[dict[str, Any]]) -> dict[str, frozenset[str]]:
    return {t["name"]: frozenset(f"{t['name']} {t['description']} {' '.join(t['parameters']['properties'])}"
                                 .lower().replace("_", " ").replace(".", " ").split()) for t in tools}


def test_object_coverage_counts_what_the_request_acts_on_not_generic_record_words() -> None:
    ferry, bakery = _vocab(FERRY), _vocab(BAKERY)
    text = "Please cancel my ferry crossings; my customer id is Rosa_77"
    assert object_coverage(text, list(ferry.values())) == 1.0  # "crossings" and "crossing" share a stem
    assert object_coverage(text, list(bakery.values())) < 0.5  # "cancel" and "customer id" alone do not fit it
    assert object_coverage("please do it", list(ferry.values())) == 0.5  # nothing acted on: no evidence


def test_domain_mention_needs_an_object_the_tools_share() -> None:
    ferry = [t["name"] for t in FERRY]
    bakery = [t["name"] for t in BAKERY]
    assert domain_mention("cancel the crossing booked for Saturday", ferry) == 1.0
    assert domain_mention("cancel the crossing booked for Saturday", bakery) == 0.0  # shares "cancel", not "cake order"
    assert domain_mention("change the icing on my birthday cake", bakery) == 1.0
    assert domain_mention("anything", ["run", "do_it"]) == 0.5  # names that act on nothing


def test_route_reports_the_domain_signals_of_its_top_tools(encoder: Encoder) -> None:
    text = "I need to cancel the ferry crossing I booked; find my customer id first"
    got: dict[str, dict[str, float]] = {}
    for label, tools in (("ferry", FERRY), ("bakery", BAKERY)):
        feats: dict[str, float] = {}
        Router.build(tools, encoder=encoder).route(text, k=3, features=feats)
        assert set(feats) == set(ABSTAIN_FEATURES) and set(DOMAIN_FEATURES) <= set(feats)
        got[label] = feats
    assert got["ferry"]["dom"] == 1.0 and got["bakery"]["dom"] == 0.0
    assert got["ferry"]["ocov"] > got["bakery"]["ocov"]
    assert domain_features(text, [], lambda n: frozenset()) == {"ocov": 0.0, "dom": 0.5}
