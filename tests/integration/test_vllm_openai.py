"""OpenAIModel against a real vLLM CPU server serving SmolLM2-135M-Instruct."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from vllm_server import VLLMServer

from agentfn.backends.base import Done, ModelRequest, ToolCallDelta
from agentfn.backends.openai_compat import OpenAIModel
from agentfn.messages import UserMessage

pytestmark = pytest.mark.integration

WEATHER: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "maxLength": 40},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
    },
}
CONVERT: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "convert_currency",
        "description": "Convert an amount of money between currencies.",
        "parameters": {
            "type": "object",
            "properties": {
                "amount": {"type": "number", "minimum": 0, "maximum": 1000000},
                "source": {"type": "string", "enum": ["USD", "EUR", "GBP", "JPY"]},
                "target": {"type": "string", "enum": ["USD", "EUR", "GBP", "JPY"]},
            },
            "required": ["amount", "source", "target"],
            "additionalProperties": False,
        },
    },
}
TOOLS = [WEATHER, CONVERT]
PARAMS = {t["function"]["name"]: t["function"]["parameters"] for t in TOOLS}
PROMPTS = ["What is the weather in Paris?", "How much is 100 dollars in euros?", "Is it raining in Tokyo?"]


@pytest.fixture
async def model(vllm_server: VLLMServer) -> Any:
    m = OpenAIModel(vllm_server.served_name, base_url=vllm_server.base_url, timeout=120, max_retries=1)
    yield m
    await m.aclose()


def ask(prompt: str, **kwargs: Any) -> ModelRequest:
    return ModelRequest(messages=[UserMessage(content=prompt)], tools=TOOLS, max_tokens=96, temperature=0.0, **kwargs)


@pytest.mark.parametrize("prompt", PROMPTS)
async def test_required_choice_gives_schema_valid_call(model: OpenAIModel, prompt: str) -> None:
    response = await model.request(ask(prompt, tool_choice="required"))
    assert response.message.tool_calls, response
    for call in response.message.tool_calls:
        assert call.name in PARAMS
        jsonschema.validate(json.loads(call.arguments), PARAMS[call.name])
    assert response.usage.input_tokens > 0 and response.usage.output_tokens > 0


@pytest.mark.parametrize("name", ["get_weather", "convert_currency"])
async def test_named_choice_gives_schema_valid_call_of_that_tool(model: OpenAIModel, name: str) -> None:
    response = await model.request(ask(PROMPTS[1], tool_choice=name, parallel_tool_calls=False))
    [call] = response.message.tool_calls
    assert call.name == name
    jsonschema.validate(json.loads(call.arguments), PARAMS[name])


async def test_streamed_tool_deltas_assemble_to_the_same_call(model: OpenAIModel) -> None:
    request = ask(PROMPTS[0], tool_choice="get_weather")
    plain = await model.request(request)
    events = [e async for e in model.stream(request)]
    done = events[-1]
    assert isinstance(done, Done)
    deltas = [e for e in events if isinstance(e, ToolCallDelta)]
    assert deltas, events
    [streamed] = done.response.message.tool_calls
    assert streamed.name == "get_weather" == next(d.name for d in deltas if d.name)
    assembled = "".join(d.arguments for d in deltas if d.index == 0)
    assert json.loads(assembled) == json.loads(streamed.arguments)
    jsonschema.validate(json.loads(streamed.arguments), PARAMS["get_weather"])
    # greedy decoding: the streamed call is the call the non-streaming request returned
    assert json.loads(streamed.arguments) == json.loads(plain.message.tool_calls[0].arguments)


@pytest.mark.parametrize("mode", ["response_format", "structured_outputs"])
async def test_structured_output_is_schema_valid(vllm_server: VLLMServer, mode: Any) -> None:
    schema = {
        "type": "object",
        "properties": {
            "city": {"type": "string", "maxLength": 40},
            "country": {"type": "string", "maxLength": 40},
            "population_millions": {"type": "integer", "minimum": 0, "maximum": 100},
        },
        "required": ["city", "country", "population_millions"],
        "additionalProperties": False,
    }
    model = OpenAIModel(vllm_server.served_name, base_url=vllm_server.base_url, structured_outputs=mode)
    request = ModelRequest(
        messages=[UserMessage(content="Name a large city, its country and population as JSON.")],
        output_schema=schema,
        max_tokens=80,
        temperature=0.0,
    )
    response = await model.request(request)
    jsonschema.validate(json.loads(response.message.content or ""), schema)
    await model.aclose()


async def test_auto_choice_returns_a_well_formed_reply(model: OpenAIModel) -> None:
    # A 135M model usually answers in prose when left to choose; either outcome must be clean.
    response = await model.request(ask(PROMPTS[0], tool_choice="auto"))
    for call in response.message.tool_calls:
        assert call.name in PARAMS and isinstance(json.loads(call.arguments), dict)
    assert response.message.tool_calls or response.message.content


async def test_agent_loop_completes_a_two_step_task(vllm_server: VLLMServer) -> None:
    from agentfn.agent import Agent
    from agentfn.tool import tool

    seen: list[dict[str, Any]] = []

    @tool
    def get_weather(city: str, unit: str = "celsius") -> str:
        """Get the current weather for a city.

        Args:
            city: the city name, e.g. Paris.
            unit: celsius or fahrenheit.
        """
        seen.append({"city": city, "unit": unit})
        return f"Sunny, 21 degrees {unit} in {city}."

    model = OpenAIModel(vllm_server.served_name, base_url=vllm_server.base_url, timeout=120, max_retries=1)
    # Step 1 is a forced call (how a 135M model is made to use tools); step 2 answers from the result.
    agent = Agent(
        model=model,
        tools=[get_weather],
        tool_choice="required",
        max_steps=4,
        model_settings={"max_tokens": 80, "temperature": 0.0},
    )
    result = await agent.run("What is the weather in Paris?")
    await model.aclose()
    assert seen, result.messages
    assert result.outcome == "answered", (result.outcome, result.reason, result.messages)
    assert result.steps >= 2 and isinstance(result.output, str) and result.output.strip()
    assert result.usage.input_tokens > 0
