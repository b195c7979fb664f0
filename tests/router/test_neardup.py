"""The head among near-duplicate tools, name splitting, and the generated set's scores."""

from __future__ import annotations

import functools
from typing import Any

from agentfn.router import Router, RouterConfig
from agentfn.router.dataflow import tool_io
from agentfn.router.neardup import near_duplicate_head
from agentfn.router.text import ToolRecord, split_name, tokenize

NEAR: list[dict[str, Any]] = [
    # Two tools for one job, named differently; only one takes what the request gives.
    {"name": "geo.circle_measure", "description": "Measure a circle.",
     "parameters": {"type": "object", "properties": {"shape_id": {"type": "string", "description": "id of a stored shape"}},
                    "required": ["shape_id"]}},
    {"name": "circle_area_from_radius", "description": "Measure a circle from its radius.",
     "parameters": {"type": "object", "properties": {"radius": {"type": "number", "description": "radius"},
                                                     "unit": {"type": "string", "description": "length unit"}},
                    "required": ["radius"]}},
    {"name": "send_email", "description": "Send an email message.",
     "parameters": {"type": "object", "properties": {"to": {"type": "string"}}, "required": ["to"]}},
]


def _records() -> dict[str, ToolRecord]:
    return {s["name"]: ToolRecord.of(s) for s in NEAR}


def _head(ranked: list[tuple[str, float]], text: str, **weights: float) -> list[tuple[str, float]]:
    recs = _records()
    io_of = functools.cache(lambda n: tool_io(recs[n]))
    kw: dict[str, Any] = {"margin": 0.05, "depth": 5, "w_fill": 0.1, "w_name": 0.03, "w_words": 0.2, **weights}
    return near_duplicate_head(ranked, text, recs, io_of, **kw)


def test_near_tie_goes_to_the_tool_the_request_fills() -> None:
    ranked = [("geo.circle_measure", 0.80), ("circle_area_from_radius", 0.79), ("send_email", 0.40)]
    out = _head(ranked, "what is the area of a circle with radius 5 in cm")
    assert [n for n, _ in out] == ["circle_area_from_radius", "geo.circle_measure", "send_email"]
    # The values stay where they were: only the order of the near-tie changed.
    assert [s for _, s in out] == [0.80, 0.79, 0.40]


def test_a_clear_lead_is_not_overturned() -> None:
    ranked = [("geo.circle_measure", 0.90), ("circle_area_from_radius", 0.70)]  # 0.2 apart: not near-duplicates
    assert _head(ranked, "area of a circle with radius 5") == ranked


def test_off_when_margin_is_zero_or_one_candidate() -> None:
    ranked = [("geo.circle_measure", 0.80), ("circle_area_from_radius", 0.79)]
    assert _head(ranked, "area of a circle with radius 5", margin=0.0) == ranked
    assert _head(ranked[:1], "area of a circle with radius 5") == ranked[:1]
    assert _head(ranked, "   ") == ranked


_CIRCLES: list[dict[str, Any]] = [
    # BM25 alone puts tool a first (its text repeats the request's words), but it needs a date the request lacks.
    {"name": "circle_tool_a", "description": "Circle area: the area of a circle.",
     "parameters": {"type": "object", "properties": {"since": {"type": "string", "format": "date", "description": "start date"}},
                    "required": ["since"]}},
    {"name": "circle_tool_b", "description": "Circle area of a number.",
     "parameters": {"type": "object", "properties": {"value": {"type": "number", "description": "the length"}},
                    "required": ["value"]}},
    {"name": "send_email", "description": "Send an email message.",
     "parameters": {"type": "object", "properties": {"to": {"type": "string"}}}},
]


def test_router_head_and_forced_call_use_the_fitting_duplicate() -> None:
    tools = _CIRCLES
    cfg = RouterConfig(encoder=None, abstain_mode="threshold", abstain_threshold=0.0, head_margin=0.5)
    router = Router.build(tools, encoder=None, config=cfg)
    text = "circle area: 5"
    plan = router.route(text, k=3)
    assert plan.selected[0] == "circle_tool_b" == plan.ranked[0][0]
    off = Router.build(tools, encoder=None, config=cfg.model_copy(update={"head_margin": 0.0})).route(text, k=3)
    assert [n for n, _ in off.ranked[:2]] == ["circle_tool_a", "circle_tool_b"]
    assert [s for _, s in off.ranked] == [s for _, s in plan.ranked]


async def test_follow_route_forces_the_re_ordered_head() -> None:
    from agentfn import Agent, AssistantMessage, FunctionModel, ModelRequest
    from agentfn.backends.function import call
    from agentfn.messages import Message
    from agentfn.tool import Tool

    def done(**_: Any) -> str:
        return "ok"

    tools = [Tool.from_schema(s, function=done) for s in _CIRCLES]
    cfg = RouterConfig(encoder=None, abstain_mode="threshold", abstain_threshold=0.0, head_margin=0.5)
    router = Router.build(tools, encoder=None, config=cfg)
    forced: list[str] = []

    def reply(messages: list[Message], request: ModelRequest) -> AssistantMessage | str:
        forced.append(str(request.tool_choice))
        if request.tool_choice in request.tool_names():
            return AssistantMessage(tool_calls=[call(str(request.tool_choice), {"value": 5})])
        return "done"

    agent = Agent(FunctionModel(reply), tools, router=router, route_k=3, tool_choice="required", follow_route=True)
    await agent.run("circle area: 5")
    assert forced[0] == "circle_tool_b"


def test_split_name_handles_namespaces_and_case() -> None:
    assert split_name("geometry.area_circle") == ["geometry", "area", "circle"]
    assert split_name("get_user_info") == ["get", "user", "info"]
    assert split_name("getUserInfo") == ["get", "user", "info"]
    assert split_name("HTTPServerError") == ["http", "server", "error"]
    assert split_name("workspace__search-calendar_events") == ["workspace", "search", "calendar", "events"]


def test_camel_cased_brands_also_match_as_one_word() -> None:
    toks = tokenize("withdraw it on HelloSign")
    assert "hellosign" in toks and "hello" in toks and "sign" in toks
    assert "hellosign" in tokenize(" ".join(split_name("hellosign_void_envelope")))
    assert tokenize("NASA data") == ["nasa", "data"]  # all-caps words are not doubled


def test_generated_set_scores_do_not_drop() -> None:
    """The generated set in lexical mode (no model): floors at the scores measured with these changes
    (before them: recall@1 0.339, recall@5 0.794, selected_exact 0.301)."""
    from agentfn.evals.evalset import build_evalset
    from agentfn.evals.evaluate import evaluate

    e = build_evalset(0)
    m = evaluate(Router.build(e.tools, encoder=None, config=RouterConfig(encoder=None)), e)
    assert m["recall@1"] >= 0.37
    assert m["recall@5"] >= 0.80
    assert m["selected_exact"] >= 0.30
