"""Forced calls on the real vLLM CPU server: the narrowed schema OpenAIModel sends makes SmolLM2-135M copy
argument values from the request (agentfn.backends._served_calls)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from vllm_server import VLLMServer

from agentfn.backends.base import ModelRequest
from agentfn.backends.openai_compat import OpenAIModel
from agentfn.messages import UserMessage

pytestmark = pytest.mark.integration

CONVERT: dict[str, Any] = {"type": "function", "function": {
    "name": "convert", "description": "Convert a quantity between units.",
    "parameters": {"type": "object", "properties": {
        "value": {"type": "number"}, "from_unit": {"type": "string"}, "to_unit": {"type": "string"},
    }, "required": ["value", "from_unit", "to_unit"]}}}
NOTE: dict[str, Any] = {"type": "function", "function": {
    "name": "note", "parameters": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}}}


async def test_forced_call_copies_its_values_from_the_request(vllm_server: VLLMServer) -> None:
    model = OpenAIModel(vllm_server.served_name, base_url=vllm_server.base_url)  # extractive: auto, on by name
    text = "How many kilometres is 3 miles?"
    request = ModelRequest(messages=[UserMessage(content=text)], tools=[CONVERT, NOTE], tool_choice="convert", max_tokens=96)
    response = await model.request(request)
    call = response.message.tool_calls[0]
    arguments = json.loads(call.arguments)
    assert call.name == "convert"
    assert arguments == {"value": 3, "from_unit": "miles", "to_unit": "kilometres"}
    # a second request: every value is written in it
    text = "Convert 100 fahrenheit to celsius"
    response = await model.request(request.model_copy(update={"messages": [UserMessage(content=text)]}))
    arguments = json.loads(response.message.tool_calls[0].arguments)
    assert arguments["value"] == 100
    assert {arguments["from_unit"], arguments["to_unit"]} <= set(re.findall(r"\w+", text))
    assert arguments["from_unit"] != arguments["to_unit"]
    await model.aclose()
