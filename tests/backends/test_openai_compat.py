"""OpenAIModel against a scripted server at the HTTP transport boundary."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest
from _fakeserver import FakeServer, chunk, completion, native_call, stream_response

from agentfn.backends.base import Done, ModelRequest, TextDelta, ToolCallDelta
from agentfn.backends.openai_compat import OpenAIModel
from agentfn.exceptions import ModelError, ModelUnavailableError, UnexpectedModelBehavior
from agentfn.messages import AssistantMessage, SystemMessage, ToolCall, ToolMessage, UserMessage

WEATHER: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "filters": {"type": "object", "properties": {"unit": {"type": "string"}}},
            },
            "required": ["city"],
        },
    },
}
TIME: dict[str, Any] = {
    "type": "function",
    "function": {"name": "get_time", "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}}},
}


def make(server: FakeServer, **kwargs: Any) -> OpenAIModel:
    kwargs.setdefault("backoff", 0.0)
    return OpenAIModel("m", base_url="http://127.0.0.1:9/v1", http_client=server.client(), **kwargs)


def req(**kwargs: Any) -> ModelRequest:
    kwargs.setdefault("messages", [UserMessage(content="weather in Paris?")])
    kwargs.setdefault("tools", [WEATHER, TIME])
    return ModelRequest(**kwargs)


async def test_native_tool_calls_and_usage() -> None:
    server = FakeServer(
        completion(None, [native_call("get_weather", '{"city": "Paris"}')], finish_reason="tool_calls", usage=(30, 7))
    )
    response = await make(server).request(req())
    assert response.message.tool_calls == [ToolCall(id="call_1", name="get_weather", arguments='{"city": "Paris"}')]
    assert response.message.content is None
    assert response.usage.input_tokens == 30 and response.usage.output_tokens == 7 and response.usage.requests == 1
    assert response.finish_reason == "tool_calls"
    sent = server.last
    assert sent["model"] == "m" and sent["tool_choice"] == "auto" and sent["parallel_tool_calls"] is True
    assert [t["function"]["name"] for t in sent["tools"]] == ["get_weather", "get_time"]
    assert "guided_json" not in json.dumps(sent)


@pytest.mark.parametrize(
    ("choice", "wire"),
    [
        ("auto", "auto"),
        ("required", "required"),
        ("none", "none"),
        ("get_time", {"type": "function", "function": {"name": "get_time"}}),
    ],
)
async def test_tool_choice_on_the_wire(choice: str, wire: Any) -> None:
    server = FakeServer(completion("ok"))
    await make(server).request(req(tool_choice=choice, parallel_tool_calls=False))
    assert server.last["tool_choice"] == wire
    if choice == "none":
        assert "parallel_tool_calls" not in server.last
    else:
        assert server.last["parallel_tool_calls"] is False


async def test_messages_round_trip_to_the_wire() -> None:
    server = FakeServer(completion("done"))
    history = [
        SystemMessage(content="be brief"),
        UserMessage(content="hi"),
        AssistantMessage(tool_calls=[ToolCall(id="c1", name="get_time", arguments="{}")]),
        ToolMessage(tool_call_id="c1", name="get_time", content="12:00"),
    ]
    response = await make(server).request(req(messages=history, max_tokens=20, temperature=0.0, seed=3, stop=["x"]))
    assert response.message.content == "done"
    sent = server.last
    assert [m["role"] for m in sent["messages"]] == ["system", "user", "assistant", "tool"]
    assert sent["messages"][2]["tool_calls"][0]["id"] == "c1"
    assert (sent["max_tokens"], sent["temperature"], sent["seed"], sent["stop"]) == (20, 0.0, 3, ["x"])


async def test_calls_left_in_text_are_parsed_client_side() -> None:
    text = 'Let me check.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>'
    server = FakeServer(completion(text))
    response = await make(server).request(req())
    [call] = response.message.tool_calls
    assert call.name == "get_weather" and json.loads(call.arguments) == {"city": "Paris"}
    assert response.raw_text == text
    assert response.message.content is None or "tool_call" not in response.message.content


async def test_text_is_not_parsed_when_tool_choice_is_none() -> None:
    text = '<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>'
    server = FakeServer(completion(text))
    response = await make(server).request(req(tool_choice="none"))
    assert response.message.tool_calls == [] and response.message.content == text


async def test_calls_lost_in_reasoning_are_recovered() -> None:
    reasoning = 'I should call <tool_call>{"name": "get_time", "arguments": {"tz": "UTC"}}</tool_call>'
    server = FakeServer(completion("", reasoning=reasoning))
    response = await make(server).request(req())
    [call] = response.message.tool_calls
    assert call.name == "get_time" and json.loads(call.arguments) == {"tz": "UTC"}


async def test_reasoning_content_is_kept() -> None:
    server = FakeServer(completion("It is sunny.", reasoning="think think"))
    response = await make(server).request(req())
    assert response.message.reasoning == "think think" and response.message.content == "It is sunny."


async def test_double_encoded_and_nested_string_arguments_are_decoded() -> None:
    double = json.dumps(json.dumps({"city": "Paris", "filters": json.dumps({"unit": "C"})}))
    server = FakeServer(completion(None, [native_call("get_weather", double)]))
    response = await make(server).request(req())
    assert json.loads(response.message.tool_calls[0].arguments) == {"city": "Paris", "filters": {"unit": "C"}}


async def test_malformed_arguments_survive_for_the_model_to_see() -> None:
    server = FakeServer(completion(None, [native_call("get_weather", '{"city": "Par')]))
    response = await make(server).request(req())
    assert response.message.tool_calls[0].arguments == '{"city": "Par'


async def test_single_call_enforced_when_parallel_calls_are_off() -> None:
    calls = [native_call("get_weather", '{"city": "Paris"}', "a"), native_call("get_time", "{}", "b")]
    server = FakeServer(completion(None, calls), completion(None, calls))
    model = make(server)
    assert [c.id for c in (await model.request(req(parallel_tool_calls=False))).message.tool_calls] == ["a"]
    assert [c.id for c in (await model.request(req())).message.tool_calls] == ["a", "b"]


async def test_output_schema_as_response_format_and_as_structured_outputs() -> None:
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
    server = FakeServer(completion('{"answer": "x"}'), completion('{"answer": "y"}'), completion("z"))
    await make(server).request(req(tools=[], output_schema=schema))
    assert server.last["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "output", "schema": schema, "strict": True},
    }
    await make(server, structured_outputs="structured_outputs").request(req(tools=[], output_schema=schema))
    assert server.last["structured_outputs"] == {"json": schema} and "response_format" not in server.last
    # while a call is still possible the reply is left free (vLLM would constrain the whole reply)
    await make(server).request(req(output_schema=schema))
    assert "response_format" not in server.last


async def test_strict_tools_flag() -> None:
    server = FakeServer(completion("ok"))
    await make(server, strict_tools=True).request(req())
    assert all(t["function"]["strict"] is True for t in server.last["tools"])


async def test_model_name_is_discovered_from_the_server() -> None:
    server = FakeServer(completion("ok"), models=("served-model",))
    model = OpenAIModel(base_url="http://127.0.0.1:9", http_client=server.client(), backoff=0.0)
    await model.request(req())
    assert server.last["model"] == "served-model" and model.name == "openai:served-model"
    assert model.base_url == "http://127.0.0.1:9/v1"


async def test_5xx_is_retried_then_succeeds() -> None:
    server = FakeServer(httpx2.Response(503, json={"error": {"message": "busy"}}), completion("ok"))
    response = await make(server).request(req())
    assert response.message.content == "ok" and len(server.requests) == 2


async def test_persistent_5xx_raises_model_unavailable_after_bounded_retries() -> None:
    server = FakeServer(*[httpx2.Response(500, json={"error": {"message": "boom"}}) for _ in range(5)])
    with pytest.raises(ModelUnavailableError) as info:
        await make(server, max_retries=2).request(req())
    assert info.value.attempts == 3 and info.value.status_code == 500 and "boom" in str(info.value)
    assert len(server.requests) == 3


async def test_connection_refused_raises_model_unavailable() -> None:
    # a real closed port on 127.0.0.1: nothing listens on port 9 (discard) here
    model = OpenAIModel("m", base_url="http://127.0.0.1:9/v1", max_retries=1, backoff=0.0, timeout=5)
    with pytest.raises(ModelUnavailableError) as info:
        await model.request(req())
    assert info.value.attempts == 2
    await model.aclose()
    await model.aclose()


async def test_timeout_raises_model_unavailable() -> None:
    def hang(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ReadTimeout("timed out", request=request)

    server = FakeServer(hang, hang)
    with pytest.raises(ModelUnavailableError):
        await make(server, max_retries=1).request(req())


async def test_4xx_raises_model_error_with_the_server_message() -> None:
    body = {"object": "error", "message": "tool_choice names an unknown tool", "type": "BadRequestError", "code": 400}
    server = FakeServer(httpx2.Response(400, json=body))
    with pytest.raises(ModelError) as info:
        await make(server).request(req())
    assert not isinstance(info.value, ModelUnavailableError)
    assert "tool_choice names an unknown tool" in str(info.value) and len(server.requests) == 1


async def test_truncated_call_is_retried_then_raises() -> None:
    cut = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paaaaaaaaa'
    server = FakeServer(completion(cut, finish_reason="length"), completion(cut, finish_reason="length"))
    with pytest.raises(UnexpectedModelBehavior) as info:
        await make(server).request(req(max_tokens=16))
    assert info.value.body == cut and len(server.requests) == 2


async def test_truncated_greedy_call_is_repeated_sampled() -> None:
    # a greedy request that loops until max_tokens would loop the same way again: the repeat samples
    cut = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "1.1.1.1.1.1.1.1'
    good = completion(None, [native_call("get_weather", '{"city": "Paris"}')])
    server = FakeServer(completion(cut, finish_reason="length"), good)
    # (constrain_forced_calls=False: only the sampling changes; the default also tightens the request,
    # tests/backends/test_served_calls.py)
    response = await make(server, constrain_forced_calls=False).request(req(max_tokens=16, tool_choice="required"))
    assert response.message.tool_calls[0].name == "get_weather"
    first, again = server.requests[0], server.requests[1]
    assert "temperature" not in first and again["temperature"] > 0 and "seed" in again
    assert {k: v for k, v in again.items() if k not in ("temperature", "seed")} == first
    # a request that already samples is repeated as it is
    server = FakeServer(completion(cut, finish_reason="length"), good)
    await make(server, constrain_forced_calls=False).request(req(max_tokens=16, temperature=0.3, seed=5))
    assert server.requests[1]["temperature"] == 0.3 and server.requests[1]["seed"] == 5


async def test_truncated_call_then_good_retry() -> None:
    cut = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Pa'
    good = completion(None, [native_call("get_weather", '{"city": "Paris"}')])
    server = FakeServer(completion(cut, finish_reason="length"), good)
    response = await make(server).request(req(max_tokens=16))
    assert response.message.tool_calls[0].name == "get_weather"


async def test_plain_text_cut_by_length_is_not_an_error() -> None:
    server = FakeServer(completion("The weather in Paris is", finish_reason="length"))
    response = await make(server).request(req())
    assert response.finish_reason == "length" and response.message.content == "The weather in Paris is"


async def test_stream_assembles_native_tool_deltas() -> None:
    chunks = [
        chunk({"role": "assistant", "content": ""}),
        chunk({"tool_calls": [{"index": 0, "id": "c0", "type": "function", "function": {"name": "get_weather", "arguments": ""}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"city": '}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": '"Paris"}'}}]}),
        chunk({"tool_calls": [{"index": 1, "id": "c1", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}]}),
        chunk({}, finish_reason="tool_calls"),
        {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0, "model": "m", "choices": [],
         "usage": {"prompt_tokens": 11, "completion_tokens": 9, "total_tokens": 20}},
    ]
    server = FakeServer(stream_response(chunks))
    events = [e async for e in make(server).stream(req())]
    deltas = [e for e in events if isinstance(e, ToolCallDelta)]
    assert [d.index for d in deltas] == [0, 0, 0, 1]
    assert "".join(d.arguments for d in deltas if d.index == 0) == '{"city": "Paris"}'
    done = events[-1]
    assert isinstance(done, Done)
    calls = done.response.message.tool_calls
    assert [(c.id, c.name, c.arguments) for c in calls] == [
        ("c0", "get_weather", '{"city": "Paris"}'),
        ("c1", "get_time", "{}"),
    ]
    assert done.response.usage.input_tokens == 11 and done.response.finish_reason == "tool_calls"
    assert server.last["stream"] is True


async def test_stream_text_and_calls_in_text() -> None:
    pieces = ["Sure. <tool", '_call>{"name": "get_time", ', '"arguments": {"tz": "UTC"}}</tool_call>']
    chunks = [chunk({"content": p}) for p in pieces] + [chunk({}, finish_reason="stop")]
    server = FakeServer(stream_response(chunks))
    events = [e async for e in make(server).stream(req())]
    # the call markup is cut out of the text stream and arrives as a tool-call delta
    assert "".join(e.text for e in events if isinstance(e, TextDelta)).strip() == "Sure."
    deltas = [e for e in events if isinstance(e, ToolCallDelta)]
    assert deltas[0].name == "get_time" and json.loads("".join(d.arguments for d in deltas)) == {"tz": "UTC"}
    done = events[-1]
    assert isinstance(done, Done)
    [call] = done.response.message.tool_calls
    assert call.name == "get_time" and call.id == deltas[0].id
    assert done.response.raw_text == "".join(pieces)


async def test_stream_plain_text_passes_through() -> None:
    pieces = ["The answer", " is 42 <not a call>", "."]
    chunks = [chunk({"content": p}) for p in pieces] + [chunk({}, finish_reason="stop")]
    server = FakeServer(stream_response(chunks))
    events = [e async for e in make(server).stream(req())]
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "".join(pieces)
    done = events[-1]
    assert isinstance(done, Done) and done.response.message.content == "".join(pieces)


async def test_stream_cut_mid_call_raises_model_unavailable() -> None:
    body = b'data: {"id":"x","object":"chat.completion.chunk","created":0,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c","type":"function","function":{"name":"get_time","arguments":"{\\"tz"}}]},"finish_reason":null}]}\n\n'

    class Broken(httpx2.AsyncByteStream):
        async def __aiter__(self):  # type: ignore[override]
            yield body
            raise httpx2.RemoteProtocolError("peer closed connection")

    server = FakeServer(httpx2.Response(200, stream=Broken(), headers={"content-type": "text/event-stream"}))
    with pytest.raises(ModelUnavailableError):
        _ = [e async for e in make(server).stream(req())]


async def test_stream_truncated_call_raises() -> None:
    chunks = [chunk({"content": '<tool_call>{"name": "get_time", "arguments": {"tz": "UUUU'}), chunk({}, "length")]
    server = FakeServer(stream_response(chunks))
    with pytest.raises(UnexpectedModelBehavior):
        _ = [e async for e in make(server).stream(req())]
