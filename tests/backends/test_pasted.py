"""A pasted passage is copied into a forced call byte for byte, never written by the model.

The passages here are written for these tests (English and German, 200 to 4,000 characters).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _fakeserver import FakeServer, completion, native_call

from agentfn.backends._pasted import PASTE_CHARS, forced_fill, passage_parameter, pasted_passage
from agentfn.backends.base import ModelRequest
from agentfn.backends.openai_compat import OpenAIModel
from agentfn.backends.transformers import TransformersModel
from agentfn.messages import AssistantMessage, ToolCall, ToolMessage, UserMessage

HARBOUR = (
    "The harbour board met on a windy Thursday to settle the ferry timetable for the summer. Two captains "
    "asked for an earlier first crossing, the café owners on the pier wanted the last boat moved to ten "
    "o'clock, and the treasurer warned that fuel costs had risen by 18% since March. "
)
WALD = (
    "Im Stadtwald wurden im Herbst über dreihundert junge Eichen gepflanzt. Die Försterin erklärte, dass "
    "die Fichten nach drei trockenen Sommern kaum noch wachsen und der Wald gemischter werden müsse. "
    "Freiwillige aus den Schulen halfen beim Gießen, und im Frühjahr soll gezählt werden, wie viele überleben. "
)
ENGLISH = (HARBOUR * 20)[:3000].rstrip()  # a long paste
GERMAN = (WALD * 2).rstrip()  # about 600 characters, non-ASCII


def tool(name: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    params = {"type": "object", "properties": properties, "required": required}
    return {"type": "function", "function": {"name": name, "description": f"tool {name}", "parameters": params}}


TEXT = {"type": "string", "description": "the text to work on"}
SUMMARIZE = tool("summarize", {"text": TEXT, "max_words": {"type": "integer"}}, ["text"])
SENTIMENT = tool("sentiment", {"text": TEXT}, ["text"])
TRANSLATE = tool("translate", {"text": TEXT, "target": {"type": "string", "description": "target language"},
                               "source": {"type": "string", "description": "source language"}}, ["text", "target"])
RUN = tool("run_python", {"code": {"type": "string"}, "stdin": {"type": "string"}}, ["code"])


@pytest.mark.parametrize(
    ("request_text", "passage"),
    [
        (f"summarize this: {ENGLISH}", ENGLISH),
        (f"Fasse bitte zusammen:\n{GERMAN}", GERMAN),
        (f"Summarise the following\n\n{ENGLISH}\n\n{GERMAN}", f"{ENGLISH}\n\n{GERMAN}"),
        (f'is this review positive? "{GERMAN}"', GERMAN),
        (f"'{ENGLISH}' -- how does that read?", ENGLISH),
        (f"run this please:\n```python\nrows = {GERMAN!r}\nprint(len(rows))\n```", f"rows = {GERMAN!r}\nprint(len(rows))"),
    ],
)
def test_the_passage_is_found_by_position_and_markers(request_text: str, passage: str) -> None:
    assert pasted_passage(request_text) == passage


def test_short_spans_are_no_pasted_passage() -> None:
    assert pasted_passage("translate 'good morning' into French") is None
    assert pasted_passage("summarize this: " + "word " * 20) is None
    assert pasted_passage(HARBOUR * 3) is None  # a long request with no instruction before it and no quotes
    assert len(ENGLISH) >= PASTE_CHARS and len(GERMAN) >= PASTE_CHARS


def test_the_parameter_meant_for_the_text() -> None:
    assert [passage_parameter(t) for t in (SUMMARIZE, SENTIMENT, TRANSLATE, RUN)] == ["text", "text", "text", "code"]
    assert passage_parameter(tool("convert", {"unit": {"type": "string"}, "value": {"type": "number"}}, [])) is None
    assert passage_parameter(tool("open", {"path": {"type": "string"}, "title": {"type": "string"}}, [])) is None


def ask(text: str, tools: list[dict[str, Any]], choice: str, **kwargs: Any) -> ModelRequest:
    return ModelRequest(messages=[UserMessage(content=text)], tools=tools, tool_choice=choice, **kwargs)


def test_a_call_that_failed_with_the_passage_is_not_filled_again() -> None:
    failed = ToolCall(id="c1", name="sentiment", arguments=json.dumps({"text": GERMAN}))
    messages = [UserMessage(content=f"Stimmung? {GERMAN!r}"), AssistantMessage(tool_calls=[failed]),
                ToolMessage(tool_call_id="c1", name="sentiment", content="boom", is_error=True)]
    assert forced_fill(ModelRequest(messages=messages, tools=[SENTIMENT], tool_choice="sentiment")) is None
    assert forced_fill(ask(f"Stimmung? {GERMAN!r}", [SENTIMENT], "sentiment")) is not None


@pytest.fixture(scope="module")
def model(tiny_model_dir: Path) -> TransformersModel:
    m = TransformersModel(str(tiny_model_dir), max_call_tokens=48, extractive=True)
    m.load()
    return m


@pytest.mark.parametrize("passage", [ENGLISH, GERMAN])
async def test_transformers_copies_the_passage_and_writes_only_the_rest(model: TransformersModel, passage: str) -> None:
    response = await model.request(ask(f"translate into French: {passage}", [TRANSLATE, SUMMARIZE], "translate"))
    (call,) = response.message.tool_calls
    arguments = json.loads(call.arguments)
    assert call.name == "translate" and arguments["text"] == passage and isinstance(arguments["target"], str)
    assert response.usage.output_tokens < len(passage) // 4  # the model wrote the short arguments only


async def test_a_call_with_nothing_else_to_write_needs_no_model(model: TransformersModel) -> None:
    response = await model.request(ask(f"what is the sentiment of this: {GERMAN}", [SENTIMENT, SUMMARIZE], "sentiment"))
    assert json.loads(response.message.tool_calls[0].arguments) == {"text": GERMAN}
    assert response.usage.requests == 0


async def test_required_among_several_tools_fills_the_one_chosen(model: TransformersModel) -> None:
    response = await model.request(ask(f"summarize this: {ENGLISH}", [SUMMARIZE, TRANSLATE], "required", seed=1))
    (call,) = response.message.tool_calls
    assert json.loads(call.arguments)["text"] == ENGLISH


async def test_served_path_sends_no_passage_parameter_and_fills_it() -> None:
    server = FakeServer(completion(tool_calls=[native_call("translate", '{"target": "French"}')], finish_reason="tool_calls"))
    model = OpenAIModel("m", base_url="http://127.0.0.1:9/v1", http_client=server.client(), backoff=0.0)
    response = await model.request(ask(f"translate into French: {ENGLISH}", [TRANSLATE, SUMMARIZE], "translate"))
    sent = {t["function"]["name"]: t["function"]["parameters"] for t in server.last["tools"]}
    assert "text" not in sent["translate"]["properties"] and "text" in sent["summarize"]["properties"]
    assert json.loads(response.message.tool_calls[0].arguments) == {"text": ENGLISH, "target": "French"}


async def test_served_path_calls_a_passage_only_tool_without_the_server() -> None:
    server = FakeServer()
    model = OpenAIModel("m", base_url="http://127.0.0.1:9/v1", http_client=server.client(), backoff=0.0)
    response = await model.request(ask(f"sentiment of this review: {ENGLISH}", [SENTIMENT], "sentiment"))
    assert json.loads(response.message.tool_calls[0].arguments) == {"text": ENGLISH} and server.requests == []


LONG_CHOICE = tool("pick", {"quote": {"type": "string", "enum": [HARBOUR * 6, "ferry"]}}, ["quote"])


def test_vllm_local_budget_covers_the_longest_choice_and_leaves_the_passage_out() -> None:
    pytest.importorskip("vllm")
    from agentfn.backends.vllm_local import VLLMModel

    model = VLLMModel("/nonexistent-model", max_call_tokens=64)  # nothing loads until the first request
    job, forced = model._job(ask("pick one", [LONG_CHOICE], "pick"))  # pyright: ignore[reportPrivateUsage]
    assert forced and job.sampling_params.max_tokens >= len(HARBOUR * 6) // 3
    request = ask(f"translate into French: {ENGLISH}", [TRANSLATE], "translate")
    job, _ = model._job(request, forced_fill(request))  # pyright: ignore[reportPrivateUsage]
    assert "text" not in json.dumps(job.sampling_params.structured_outputs.json) and job.sampling_params.max_tokens == 64


async def test_served_budget_covers_the_longest_choice() -> None:
    server = FakeServer(completion(tool_calls=[native_call("pick", '{"quote": "ferry"}')], finish_reason="tool_calls"),
                        completion("fine"))
    model = OpenAIModel("m", base_url="http://127.0.0.1:9/v1", http_client=server.client(), backoff=0.0, extractive=False)
    await model.request(ask("pick one", [LONG_CHOICE, SENTIMENT], "pick", max_tokens=64))
    assert server.last["max_tokens"] >= len(HARBOUR * 6) // 3
    await model.request(ask("pick one", [LONG_CHOICE, SENTIMENT], "auto", max_tokens=64))
    assert server.last["max_tokens"] == 64  # no forced call: the request's own limit
