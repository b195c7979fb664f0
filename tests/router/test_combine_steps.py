"""Counting the actions a request asks for: action sentences, nested operations, expressions, and the chain routed on them."""

from __future__ import annotations

from typing import Any

import pytest

from agentfn.router import Router, RouterConfig
from agentfn.router.combine import segment
from agentfn.router.encoder import Encoder
from agentfn.router.steps import asks_for_action, expression_steps, nested_steps


def _steps(query: str, actions: bool = True) -> list[str]:
    return [s.text for s in sorted(segment(query, actions=actions), key=lambda s: s.order)]


@pytest.mark.parametrize(
    ("query", "steps"),
    [
        ("Add 3 and 4, then multiply the result by 5 and then take the square root of it",
         ["Add 3 and 4", "multiply the result by 5", "take the square root of it"]),
        ("add 2 and 3 then negate it", ["add 2 and 3", "negate it"]),
        # Nested phrasing: the inner operation is a step of its own, run first.
        ("the square of the sum of 3 and 4", ["the sum of 3 and 4", "the square of the result"]),
        ("multiply the sum of 3 and 4 by 5", ["the sum of 3 and 4", "multiply the result by 5"]),
        ("after calculating the sin of 1.5 radians, divide the result by cos of 1.5 radians",
         ["calculating the sin of 1.5 radians", "cos of 1.5 radians", "divide the result by the result"]),
        # A written-out expression: one step per operation, innermost first.
        ("-(1 + 1)", ["add 1 and 1", "negate the result"]),
        ("what is cos(pi)?", ["pi", "cos of pi"]),
        ("2 * (3 + 4)", ["add 3 and 4", "multiply 2 by the result"]),
        # An enumeration of imperatives separated by commas: one step each.
        ("Add 5 and 3, multiply the result by 2, and subtract 4", ["Add 5 and 3", "multiply the result by 2", "subtract 4"]),
        ("Paris, find a hotel for me, then book it", ["Paris, find a hotel for me", "book it"]),
    ],
)
def test_step_count_and_order(query: str, steps: list[str]) -> None:
    assert _steps(query) == steps


@pytest.mark.parametrize(
    "query",
    [
        "what is the sum of 3 and 4",  # the operation is the whole request
        "the sum of my transactions this month",  # no value inside: a description, not a nested step
        "raise 2 to the power of 3",
        "find flights from Paris and London",
        "Find cheap flights from Paris, London and Rome",
        "Hi, find a hotel",
        "Visit the website of Dora (www.dora-website.com)",  # a value in parentheses is no step
    ],
)
def test_one_action_stays_one_step(query: str) -> None:
    assert len(segment(query, actions=True)) == 1
    assert nested_steps(query) == [query] or len(nested_steps(query)) == 1


def _asked(query: str) -> list[str]:
    return [s.text for s in sorted(segment(query, actions=True), key=lambda s: s.order) if s.asks]


def test_expressions_need_an_operator_or_a_call() -> None:
    assert expression_steps("5") is None
    assert expression_steps("Add 2 and 3") is None
    assert expression_steps("calculate 101 to the power of 0.5") is None
    assert expression_steps("(3+4)^2 - 1") == ["add 3 and 4", "the result to the power of 2", "subtract 1 from the result"]


PERSONA = (
    "You recently spoke on the phone with a customer support representative that told you that a service agent "
    "will be able to help you. You are Raj Sanchez. Your user id is raj_sanchez_7340. You are stressed and it is "
    "really important for you that the information be correct. You want to cancel your reservation EHGLP3. "
    "Your confirmation number is JMO1MG."
)


def test_a_persona_is_no_step() -> None:
    for sentence in ("You are Raj Sanchez.", "Your user id is raj_sanchez_7340.", "Spotify sent me a note.",
                     "Apple called and said the amount was too little.", "The reservation ID is VA5SGQ."):
        assert not asks_for_action(sentence), sentence
    for sentence in ("You want to cancel your reservation.", "Please pay the bill.", "How many fruits did I eat?",
                     "On Linear, track a work item about the outage.", "Then In XE: turn 1,200 JPY into INR",
                     "I did 45 minutes of cycling, save that with Google Fit"):
        assert asks_for_action(sentence), sentence
    # Told sentences stay segments that may lift tools in the ranking (asks=False), never steps that choose one.
    assert _asked(PERSONA) == ["You want to cancel your reservation EHGLP3"]
    assert len(segment(PERSONA, actions=True)) == 6
    assert _asked("Invite our new colleague to Slack. Note that usernames start with a capital letter.") == [
        "Invite our new colleague to Slack"]
    # main's behaviour (connectives only) makes one step of every sentence.
    assert len(_steps(PERSONA, actions=False)) == 6


def _fn(name: str, desc: str, params: dict[str, str], returns: str = "number") -> dict[str, Any]:
    return {"name": name, "description": desc,
            "parameters": {"type": "object", "properties": {p: {"type": t} for p, t in params.items()},
                           "required": list(params)},
            "outputSchema": {"type": "object", "properties": {"result": {"type": returns}}}}


MATH = [
    _fn("add", "Add two numbers: a + b.", {"a": "number", "b": "number"}),
    _fn("subtract", "Subtract b from a: a - b.", {"a": "number", "b": "number"}),
    _fn("multiply", "Multiply two numbers: a * b.", {"a": "number", "b": "number"}),
    _fn("divide", "Divide a by b: a / b.", {"a": "number", "b": "number"}),
    _fn("negate", "Negate a number: -a.", {"a": "number"}),
    _fn("square_root", "The square root of a number.", {"a": "number"}),
    _fn("cos", "Cosine of an angle in radians.", {"radians": "number"}),
    _fn("sin", "Sine of an angle in radians.", {"radians": "number"}),
    _fn("pi", "Returns the value of the constant pi.", {}),
    _fn("get_weather", "Current weather for a city.", {"city": "string"}, "string"),
    _fn("send_email", "Send an email to a recipient.", {"to": "string", "body": "string"}, "string"),
    _fn("book_flight", "Book a plane ticket between two airports.", {"origin": "string", "destination": "string"}, "string"),
]


def test_a_persona_chooses_no_tool(encoder: Encoder) -> None:
    specs = [
        _fn("find_user_id_by_name", "Find a user's id from their name.", {"name": "string"}, "string"),
        _fn("get_user_details", "Get the details of a user by user id.", {"user_id": "string"}, "string"),
        _fn("cancel_reservation", "Cancel a flight reservation by reservation id.", {"reservation_id": "string"}, "string"),
        _fn("book_reservation", "Book a flight reservation.", {"origin": "string", "destination": "string"}, "string"),
    ]
    router = Router.build(specs, encoder=encoder)
    text = "You are Raj Sanchez. Your user id is raj_sanchez_7340. You want to cancel your reservation EHGLP3."
    assert router.route(text).selected == ["cancel_reservation"]
    # main's behaviour: one step per sentence, each persona sentence choosing a junk tool.
    router.config.step_parse = "connectives"
    assert len(router.route(text).selected) > 1


@pytest.fixture(scope="module")
def math_router(encoder: Encoder) -> Router:
    return Router.build(MATH, encoder=encoder)


@pytest.mark.parametrize(
    ("query", "chain"),
    [
        ("Add 3 and 4, then multiply the result by 5", ["add", "multiply"]),
        ("multiply the sum of 3 and 4 by 5", ["add", "multiply"]),
        ("-(1 + 1)", ["add", "negate"]),
        ("after calculating the sin of 1.5 radians, divide the result by cos of 1.5 radians", ["sin", "cos", "divide"]),
        ("add 2 and 3, then multiply the result by 4, then take the square root of that",
         ["add", "multiply", "square_root"]),
    ],
)
def test_selected_holds_one_tool_per_step_in_data_flow_order(math_router: Router, query: str, chain: list[str]) -> None:
    plan = math_router.route(query)
    assert plan.selected == chain
    assert set(chain) <= {n for n, _ in plan.ranked[:5]}


def test_the_same_operation_twice_is_one_tool(math_router: Router) -> None:
    # Gold chains name each tool once (first use), so a repeated operation does not repeat in ``selected``.
    plan = math_router.route("add 1 and 2, then add 3 to the result, then multiply the result by 4")
    assert plan.selected == ["add", "multiply"]


def test_main_behaviour_stays_available(encoder: Encoder) -> None:
    # The baseline arm of benchmarks/chains_bench.py: an expression is one step, so one tool.
    router = Router.build(MATH, encoder=encoder, config=RouterConfig(step_parse="connectives"))
    assert len(router.route("-(1 + 1)").selected) == 1
