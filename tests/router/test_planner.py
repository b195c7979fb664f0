"""ModelPlanner: a scripted model chooses and orders among the router's candidates; bad answers fall back."""

from __future__ import annotations

import json

import pytest

from agentfn import Agent, AssistantMessage, FunctionModel, ModelRequest
from agentfn.backends.function import call
from agentfn.events import RouteDecision
from agentfn.exceptions import ConfigError, ModelUnavailableError, UserError
from agentfn.messages import Message
from agentfn.router import Router
from agentfn.router.planner import ModelPlanner, PlannedRouter, plan_schema
from agentfn.tool import Tool
from tests.router.conftest import SPECS, make_tools


@pytest.fixture(scope="module")
def router() -> Router:
    return Router.build(SPECS, encoder=None)  # BM25 only: no weights needed


def answering(answer: str) -> FunctionModel:
    return FunctionModel(lambda messages, request: answer)


async def test_model_choice_becomes_selected_and_leads_ranked(router: Router) -> None:
    query = "convert 100 dollars to euros and then email the result to Ann"
    plan = router.route(query, k=8)
    candidates = [n for n, _ in plan.ranked]
    assert {"convert_currency", "send_email"} <= set(candidates)
    model = answering(json.dumps({"tools": ["convert_currency", "send_email"]}))
    result = await ModelPlanner(model, k=8).replan(query, plan, router)
    assert result.status == "planned" and result.reason is None
    assert result.plan.selected == ["convert_currency", "send_email"]
    assert [n for n, _ in result.plan.ranked][:2] == ["convert_currency", "send_email"]
    assert sorted(n for n, _ in result.plan.ranked) == sorted(candidates)  # nothing lost, nothing added
    assert dict(result.plan.ranked) == dict(plan.ranked)  # the router's scores travel along
    assert result.usage.requests == 1 and result.usage.input_tokens > 0
    # What the model was asked: the request, the candidates, and an enum-constrained JSON list.
    request = model.requests[0]
    assert request.output_schema == plan_schema(candidates, 5)
    assert request.output_schema["properties"]["tools"]["items"]["enum"] == candidates
    prompt = request.messages[-1].content
    assert query in prompt and "convert_currency(amount?: number" in prompt and "-> amount, currency" in prompt


async def test_narrow_keeps_only_the_chosen_tools(router: Router) -> None:
    plan = router.route("weather in Paris tomorrow", k=6)
    result = await ModelPlanner(answering('{"tools": ["get_weather_forecast"]}'), k=6, narrow=True).replan(
        "weather in Paris tomorrow", plan, router)
    assert [n for n, _ in result.plan.ranked] == ["get_weather_forecast"]


async def test_empty_choice_abstains_unless_disallowed(router: Router) -> None:
    plan = router.route("tell me a joke about cats", k=5)
    result = await ModelPlanner(answering('{"tools": []}')).replan("tell me a joke about cats", plan, router)
    assert result.status == "planned" and result.plan.abstain and result.plan.selected == []
    must_choose = answering('{"tools": []}')  # a backend that ignored the schema's minItems
    strict = await ModelPlanner(must_choose, allow_abstain=False).replan("tell me a joke", plan, router)
    assert strict.status == "fallback" and strict.plan == plan
    assert must_choose.requests[0].output_schema["properties"]["tools"]["minItems"] == 1


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        ('{"tools": ["launch_rocket"]}', "not one of the candidates"),
        ('{"tools": ["delete_file"]}', "not one of the candidates"),  # a real tool, but not a candidate here
        ("I would use convert_currency", "not JSON"),
        ('{"tools": "convert_currency"}', "expected"),
        ('{"tools": [1, 2]}', "expected"),
    ],
)
async def test_invalid_answers_fall_back_to_the_router(router: Router, answer: str, why: str) -> None:
    query = "convert 20 USD to EUR"
    plan = router.route(query, k=3)
    assert "delete_file" not in dict(plan.ranked)
    result = await ModelPlanner(answering(answer), k=3).replan(query, plan, router)
    assert result.status == "fallback" and why in (result.reason or "")
    assert result.plan == plan


def test_parse_accepts_fences_and_bare_lists_and_drops_repeats() -> None:
    names = ["a", "b", "c"]
    assert ModelPlanner.parse('```json\n{"tools": ["b", "a", "b"]}\n```', names) == (["b", "a"], None)
    assert ModelPlanner.parse('["c"]', names) == (["c"], None)


async def test_model_failure_falls_back_and_is_not_cached(router: Router) -> None:
    calls = {"n": 0}

    def flaky(messages: list[Message], request: ModelRequest) -> str:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ModelUnavailableError("server down")
        return '{"tools": ["send_sms"]}'

    planner = ModelPlanner(FunctionModel(flaky))
    plan = router.route("text my mom that I'm late", k=8)
    first = await planner.replan("text my mom that I'm late", plan, router)
    assert first.status == "fallback" and "server down" in (first.reason or "") and first.plan == plan
    second = await planner.replan("text my mom that I'm late", plan, router)
    assert second.status == "planned" and second.plan.selected == ["send_sms"]
    third = await planner.replan("text my mom that I'm late", plan, router)
    assert third.cached and third.usage.requests == 0 and calls["n"] == 2


async def test_nothing_to_choose_from_is_skipped(router: Router) -> None:
    model = answering('{"tools": []}')
    result = await ModelPlanner(model).replan("", router.route("", k=5), router)
    assert result.status == "skipped" and model.requests == []


def test_bad_settings_are_rejected() -> None:
    with pytest.raises(ConfigError):
        ModelPlanner(answering("{}"), k=0)


def test_planned_router_routes_from_sync_code(router: Router) -> None:
    planned = PlannedRouter(router, ModelPlanner(answering('{"tools": ["send_email", "convert_currency"]}')))
    try:
        plan = planned.route("email Ann the price of 100 USD in EUR", k=3)
    finally:
        planned.close()
    assert plan.selected == ["send_email", "convert_currency"]
    assert len(plan.ranked) == 3 and [n for n, _ in plan.ranked][:2] == ["send_email", "convert_currency"]
    assert [r.status for r in planned.results] == ["planned"]


async def test_planned_router_refuses_sync_route_inside_a_loop(router: Router) -> None:
    planned = PlannedRouter(router, ModelPlanner(answering('{"tools": []}')))
    with pytest.raises(UserError, match="aroute"):
        planned.route("anything", k=3)
    assert (await planned.aroute("send an email to Bob", k=3)).abstain


async def test_agent_follows_the_planned_chain_and_counts_planner_tokens() -> None:
    tools = [Tool.from_schema(t.openai_schema(), function=lambda **kw: "done") for t in make_tools()]
    router = Router.build(tools, encoder=None)
    planner_model = answering('{"tools": ["convert_currency", "send_email"]}')
    forced: list[str] = []

    def reply(messages: list[Message], request: ModelRequest) -> AssistantMessage | str:
        forced.append(str(request.tool_choice))
        if request.tool_choice == "convert_currency":
            return AssistantMessage(tool_calls=[call("convert_currency", {"amount": 100, "from_currency": "USD", "to_currency": "EUR"})])
        if request.tool_choice == "send_email":
            return AssistantMessage(tool_calls=[call("send_email", {"to": "ann@example.com", "subject": "EUR", "body": "92"})])
        return "Sent."

    agent = Agent(FunctionModel(reply), tools, router=router, planner=ModelPlanner(planner_model, k=8), route_k=8,
                  tool_choice="required", follow_route=True)
    run = agent.iter("email Ann how much 100 dollars is in euros")
    events = [e async for e in run]
    decision = next(e for e in events if isinstance(e, RouteDecision))
    assert decision.selected == ["convert_currency", "send_email"]
    assert forced == ["convert_currency", "send_email", "auto"]
    assert len(planner_model.requests) == 1  # one planner call for the turn, cached for later steps
    assert run.result.ok and run.result.usage.requests == 4  # three agent steps + one planner call


def test_agent_rejects_a_planner_without_router() -> None:
    with pytest.raises(UserError, match="router"):
        Agent(answering("hi"), make_tools(), planner=ModelPlanner(answering("{}")))
