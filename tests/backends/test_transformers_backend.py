"""TransformersModel with a tiny random model: constrained output is always schema-valid."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from agentfn.backends.base import Done, ModelRequest, TextDelta, ToolCallDelta
from agentfn.backends.transformers import TransformersModel
from agentfn.exceptions import ConfigError, UnexpectedModelBehavior
from agentfn.messages import AssistantMessage, ToolCall, ToolMessage, UserMessage


def spec(name: str, properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {"type": "object", "properties": properties}
    if required is not None:
        params["required"] = required
    return {"type": "function", "function": {"name": name, "description": f"tool {name}", "parameters": params}}


TOOLS = [
    spec("get_weather", {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}}, ["city", "unit"]),
    spec(
        "search",
        {
            "query": {"type": "string", "minLength": 1},
            "limit": {"type": "integer", "minimum": 1, "maximum": 50},
            "tags": {"type": "array", "items": {"type": "string", "maxLength": 8}},
            "exact": {"type": "boolean"},
        },
        ["query"],
    ),
    spec(
        "book",
        {
            "guest": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0, "maximum": 130}},
                "required": ["name"],
                "additionalProperties": False,
            },
            "nights": {"type": "integer", "minimum": 1, "maximum": 9},
        },
        ["guest", "nights"],
    ),
    spec("ping", {}),
]
PARAMS = {t["function"]["name"]: t["function"]["parameters"] for t in TOOLS}


@pytest.fixture(scope="module")
def model(tiny_model_dir: Path) -> TransformersModel:
    m = TransformersModel(str(tiny_model_dir), max_string_length=12, max_items=4, max_call_tokens=200)
    m.load()
    return m


def ask(**kwargs: Any) -> ModelRequest:
    kwargs.setdefault("messages", [UserMessage(content="What is the weather in Paris?")])
    kwargs.setdefault("tools", TOOLS)
    return ModelRequest(**kwargs)


def test_prompt_uses_the_hermes_template_when_the_model_has_none(model: TransformersModel) -> None:
    history = [
        UserMessage(content="hi"),
        AssistantMessage(tool_calls=[ToolCall(id="c", name="ping", arguments="{}")]),
        ToolMessage(tool_call_id="c", name="ping", content="pong"),
    ]
    prompt = model.render_prompt(ask(messages=history))
    assert "<tools>" in prompt and '"name": "get_weather"' in prompt
    assert '<tool_call>\n{"name": "ping", "arguments": {}}\n</tool_call>' in prompt
    assert "<tool_response>\npong\n</tool_response>" in prompt
    assert prompt.endswith("<|im_start|>assistant\n")
    assert "<tools>" not in model.render_prompt(ask(tool_choice="none"))


@pytest.mark.parametrize("seed", range(6))
async def test_required_call_is_schema_valid(model: TransformersModel, seed: int) -> None:
    response = await model.request(ask(tool_choice="required", temperature=1.0, seed=seed))
    [call] = response.message.tool_calls
    assert call.name in PARAMS
    jsonschema.validate(json.loads(call.arguments), PARAMS[call.name])
    assert response.raw_text is not None and response.raw_text.startswith("<tool_call>")
    assert response.usage.output_tokens > 0 and response.usage.input_tokens > 0


@pytest.mark.parametrize("name", ["get_weather", "search", "book", "ping"])
async def test_named_call_uses_that_tool(model: TransformersModel, name: str) -> None:
    response = await model.request(ask(tool_choice=name, temperature=0.8, seed=1))
    [call] = response.message.tool_calls
    assert call.name == name
    jsonschema.validate(json.loads(call.arguments), PARAMS[name])


async def test_greedy_forced_call_is_schema_valid(model: TransformersModel) -> None:
    response = await model.request(ask(tool_choice="required"))
    [call] = response.message.tool_calls
    jsonschema.validate(json.loads(call.arguments), PARAMS[call.name])


@pytest.mark.parametrize("seed", range(3))
async def test_output_schema_is_valid_json(model: TransformersModel, seed: int) -> None:
    schema = {
        "type": "object",
        "properties": {
            "answer": {"type": "string"},
            "confidence": {"type": "integer", "minimum": 0, "maximum": 100},
            "sources": {"type": "array", "items": {"type": "string", "enum": ["web", "book"]}},
        },
        "required": ["answer", "confidence", "sources"],
    }
    response = await model.request(ask(tools=[], output_schema=schema, temperature=1.0, seed=seed))
    assert response.message.tool_calls == []
    jsonschema.validate(json.loads(response.message.content or ""), schema)


async def test_output_schema_with_tools_allows_a_call_or_the_answer(model: TransformersModel) -> None:
    schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}
    for seed in range(4):
        response = await model.request(ask(output_schema=schema, temperature=1.0, seed=seed))
        raw = response.raw_text or response.message.content or ""
        if raw.startswith("<tool_call>"):
            body = json.loads(raw.removeprefix("<tool_call>\n").removesuffix("\n</tool_call>"))
            jsonschema.validate(body["arguments"], PARAMS[body["name"]])
        else:
            jsonschema.validate(json.loads(raw), schema)


async def test_free_generation_respects_max_tokens(model: TransformersModel) -> None:
    response = await model.request(ask(tool_choice="auto", max_tokens=7))
    assert response.usage.output_tokens <= 7
    assert response.finish_reason in ("length", "stop", "tool_calls")


async def test_unknown_named_tool_is_a_config_error(model: TransformersModel) -> None:
    with pytest.raises(ConfigError, match="nope"):
        await model.request(ask(tool_choice="nope"))


async def test_forced_call_cut_by_max_tokens_is_unexpected_behaviour(model: TransformersModel) -> None:
    with pytest.raises(UnexpectedModelBehavior) as info:
        await model.request(ask(tool_choice="book", max_tokens=3))
    assert info.value.body is not None and info.value.body.startswith("<tool_call>")


async def test_stream_yields_a_done_event(model: TransformersModel) -> None:
    events = [e async for e in model.stream(ask(tool_choice="ping"))]
    assert events[-1].kind == "done"
    assert [e.kind for e in events] == ["tool_call", "done"]


async def test_free_text_streams_and_adds_up_to_the_response(model: TransformersModel) -> None:
    events = [e async for e in model.stream(ask(tool_choice="none", max_tokens=12, temperature=1.0, seed=3))]
    done = events[-1]
    assert isinstance(done, Done)
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    # (TextStreamer releases text at word boundaries, so random bytes may come as one piece)
    assert len(events) >= 2 and text and text == (done.response.message.content or "")


def test_streamed_text_call_becomes_tool_call_deltas() -> None:
    # The text->delta path shared by the transformers and OpenAI streams, on known text
    # (a random model would not write a call by itself).
    from agentfn.backends._toolcalls import text_events, text_stream_parser

    parser = text_stream_parser("auto")
    calls: list[ToolCall] = []
    pieces = ["Hi <tool", '_call>\n{"name": "ping", "argu', 'ments": {}}\n</tool_call>']
    events = [e for p in pieces for e in text_events(parser.feed(p), calls)]
    events += text_events(parser.flush(), calls)
    assert "".join(e.text for e in events if isinstance(e, TextDelta)).strip() == "Hi"
    starts = [e for e in events if isinstance(e, ToolCallDelta) and e.name]
    assert [e.name for e in starts] == ["ping"] and calls[0].id == starts[0].id
