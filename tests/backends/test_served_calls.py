"""Forced calls on a served model: the schema sent is narrowed and bounded, and a failed call is retried
with a different request. Over real HTTP: a scripted OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from _fakeserver import completion, native_call

from agentfn.backends._served_calls import (
    call_failure,
    extraction_applies,
    forced_call_tools,
    is_openai_api,
    retry_overrides,
)
from agentfn.backends.base import ModelRequest
from agentfn.backends.openai_compat import OpenAIModel
from agentfn.exceptions import UnexpectedModelBehavior
from agentfn.messages import ToolCall, UserMessage

CONVERT: dict[str, Any] = {"type": "function", "function": {
    "name": "convert", "description": "Convert a quantity between units.",
    "parameters": {"type": "object", "properties": {
        "value": {"type": "number"},
        "from_unit": {"type": "string"},
        "to_unit": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "integer"}},
    }, "required": ["value", "from_unit", "to_unit"]}}}
OTHER: dict[str, Any] = {"type": "function", "function": {
    "name": "note", "parameters": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}}}
ASK = "How many kilometres is 3 miles?"


class Scripted(BaseHTTPRequestHandler):
    server: Any

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        self.server.requests.append(json.loads(self.rfile.read(int(self.headers["content-length"]))))
        status, body = self.server.replies.pop(0) if self.server.replies else (500, {"error": {"message": "none left"}})
        self._send(status, body)


@pytest.fixture
def server() -> Iterator[Any]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
    httpd.requests = []  # type: ignore[attr-defined]
    httpd.replies = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def model(server: Any, **kwargs: Any) -> OpenAIModel:
    return OpenAIModel("m", base_url=f"http://127.0.0.1:{server.server_address[1]}/v1", backoff=0.0, timeout=10, **kwargs)


def forced(choice: str = "convert", text: str = ASK, **kwargs: Any) -> ModelRequest:
    return ModelRequest(messages=[UserMessage(content=text)], tools=[CONVERT, OTHER], tool_choice=choice, **kwargs)


def good(arguments: str = '{"value": 3, "from_unit": "miles", "to_unit": "kilometres"}') -> tuple[int, dict[str, Any]]:
    return 200, completion(None, [native_call("convert", arguments)], finish_reason="tool_calls")


def sent_params(body: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t["function"] for t in body["tools"] if t["function"]["name"] == name)


async def test_call_forced_by_name_sends_a_narrowed_bounded_strict_schema(server: Any) -> None:
    server.replies.append(good())
    m = model(server)
    response = await m.request(forced())
    assert response.message.tool_calls[0].name == "convert"
    fn = sent_params(server.requests[0], "convert")
    branches = fn["parameters"].get("anyOf") or [fn["parameters"]]  # from_unit != to_unit: one branch per from_unit
    assert fn["strict"] is True
    assert all(b["properties"]["value"]["enum"] == [3] for b in branches)  # the number the request writes
    sides = [{u for b in branches for u in b["properties"][side]["enum"]} for side in ("from_unit", "to_unit")]
    assert "miles" in sides[0] and "kilometres" in sides[1]  # the direction the request cues
    assert all(u.lower() in ASK.lower() for side in sides for u in side)  # spans of the request only
    assert sent_params(server.requests[0], "note") == OTHER["function"]  # not forced: sent as given
    assert "temperature" not in server.requests[0]
    await m.aclose()


async def test_required_is_bounded_not_narrowed_by_default_and_both_can_be_switched(server: Any) -> None:
    server.replies += [good(), good(), good()]
    m = model(server)
    await m.request(forced("required"))
    fn = sent_params(server.requests[0], "convert")
    props = fn["parameters"]["properties"]
    assert props["from_unit"] == {"type": "string", "maxLength": 200} and "enum" not in props["value"]
    assert props["tags"]["maxItems"] == 16 and fn["strict"] is True
    assert sent_params(server.requests[0], "note")["parameters"]["properties"]["text"]["maxLength"] == 200
    m.extractive = True  # explicit on: "required" is narrowed too
    await m.request(forced("required"))
    assert "enum" in json.dumps(sent_params(server.requests[1], "convert")["parameters"])
    plain = model(server, extractive=False, constrain_forced_calls=False)
    await plain.request(forced())
    assert server.requests[2]["tools"] == [CONVERT, OTHER]  # exactly as given
    await m.aclose()
    await plain.aclose()


async def test_a_looping_forced_call_is_repeated_with_a_different_request(server: Any) -> None:
    loop = '<tool_call>\n{"name": "convert", "arguments": {"value": 3, "from_unit": "1.1.1.1.1.1.1.1.1.1.1'
    server.replies += [(200, completion(loop, finish_reason="length")), good()]
    m = model(server, extractive=False)
    response = await m.request(forced(max_tokens=64))
    assert response.message.tool_calls[0].arguments.startswith('{"value": 3')
    first, again = server.requests
    assert "temperature" not in first and "repetition_penalty" not in first
    assert again["temperature"] > 0 and again["seed"] == 1 and again["repetition_penalty"] > 1.0
    before = sent_params(first, "convert")["parameters"]["properties"]
    after = sent_params(again, "convert")["parameters"]["properties"]
    assert before["from_unit"]["maxLength"] == 200 and after["from_unit"]["maxLength"] < 200
    assert after["tags"]["maxItems"] < before["tags"]["maxItems"]
    await m.aclose()


async def test_cut_off_arguments_of_a_named_call_are_retried_then_returned(server: Any) -> None:
    # vLLM's named tool_choice puts the raw (cut) JSON into the call's arguments
    cut = (200, completion(None, [native_call("convert", '{"value": 3, "from_unit": "mimimimimimi')], finish_reason="length"))
    server.replies += [cut, cut]
    m = model(server)
    response = await m.request(forced())
    assert len(server.requests) == 2 and server.requests[1]["repetition_penalty"] > 1.0
    assert response.message.tool_calls[0].arguments.startswith('{"value": 3')  # left to the agent's validation
    # raw call text with no parsed call, after the retries: an error that names why
    raw = (200, completion('<tool_call>\n{"name": "convert", "arguments": {"value": 3, "from_unit": "m', finish_reason="length"))
    server.replies += [raw, raw, raw]
    with pytest.raises(UnexpectedModelBehavior, match="cut off by the token limit"):
        await model(server, truncated_call_retries=2).request(forced())
    penalties = [r["repetition_penalty"] for r in server.requests[3:]]
    assert penalties == [1.3, 1.5] and [r["seed"] for r in server.requests[3:]] == [1, 2]
    await m.aclose()


async def test_a_rejected_constrained_schema_is_sent_again_as_given(server: Any) -> None:
    rejected = (400, {"object": "error", "message": "The provided JSON schema contains features not supported by xgrammar."})
    server.replies += [rejected, good()]
    m = model(server)
    response = await m.request(forced())
    assert response.message.tool_calls[0].name == "convert"
    assert "strict" in sent_params(server.requests[0], "convert")
    assert server.requests[1]["tools"] == [CONVERT, OTHER]
    await m.aclose()


def test_policy_helpers() -> None:
    assert is_openai_api(None) and is_openai_api("https://api.openai.com/v1") and not is_openai_api("http://127.0.0.1:8000/v1")
    assert extraction_applies(None, "convert", "http://127.0.0.1:8000/v1")
    assert not extraction_applies(None, "convert", None)  # OpenAI's strict mode wants every property required
    assert not extraction_applies(None, "required", "http://127.0.0.1:8000/v1")
    assert not extraction_applies(True, "auto", "http://x") and extraction_applies(True, "required", "http://x")
    fields, extra = retry_overrides(1, temperature=None, seed=None, repetition_penalty=1.3, base_url=None)
    assert fields["temperature"] > 0 and extra == {}  # OpenAI's API rejects unknown fields
    fields, extra = retry_overrides(2, temperature=0.4, seed=7, repetition_penalty=1.3, base_url="http://h:1/v1")
    assert fields == {"seed": 9} and extra == {"repetition_penalty": 1.5}
    assert call_failure("auto", "<tool_call>{", [], "length") is None  # not forced: the model's choice
    assert call_failure("x", "<tool_call>{", [], "stop") == "the raw call was left in the text, unparsed"
    assert call_failure("x", None, [ToolCall(id="1", name="x", arguments='{"a": [1, 2')], "length")
    assert call_failure("x", None, [ToolCall(id="1", name="x", arguments='{"a": 1}')], "stop") is None
    tools, changed = forced_call_tools([CONVERT], "convert", [UserMessage(content=ASK)], extractive=False,
                                       max_string_length=None, max_items=None)
    assert not changed and tools == [CONVERT]


# --- compaction: a narrowed schema must fit where the original fits -----------------------------

LONG_TASK = (
    "You think that you've added insurance to your upcoming flight but it's not showing up online. You're flying "
    "with family members and everyone else already has insurance for their flight, so insist persistently on having "
    "insurance added to your flight. Your user id is sophia_taylor_9065. The reservation number is PEP4E0. You want "
    "the agent to add it for free because the website was broken when you booked, and you will not accept any other "
    "offer, a voucher or a refund of the difference; if the agent refuses, ask for a supervisor and repeat the request."
)
MANY: dict[str, Any] = {"type": "function", "function": {
    "name": "update_booking", "parameters": {"type": "object", "properties": {
        **{f"note_{i}": {"type": "string", "description": f"Free note number {i}."} for i in range(6)},
        "title": {"type": "string"}, "body": {"type": "string"}, "reason": {"type": "string"},
        "reservation_id": {"type": "string", "description": "The reservation ID, such as '8JX2WO'."},
    }, "required": ["title", "body", "reason", "reservation_id"]}}}


def _chars(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":")))


def test_long_request_and_many_parameters_give_a_bounded_schema() -> None:
    from agentfn.backends._compact import EXTRA_SCHEMA_CHARS, MAX_SERVED_OPTIONS
    from agentfn.backends._extract import ExtractionSources, extractive_spec

    messages = [UserMessage(content=LONG_TASK)]
    raw = extractive_spec(MANY, ExtractionSources.from_messages(messages, "2026-01-01", "update_booking"))
    original = MANY["function"]["parameters"]
    assert _chars(raw["function"]["parameters"]) > _chars(original) + 10 * EXTRA_SCHEMA_CHARS  # what overflowed
    sent, changed = forced_call_tools([MANY], "update_booking", messages, extractive=True,
                                      max_string_length=200, max_items=16)
    params = sent[0]["function"]["parameters"]
    assert changed and _chars(params) <= _chars(original) + EXTRA_SCHEMA_CHARS + 400  # + the bounds added

    def enums(node: Any) -> list[list[Any]]:
        if isinstance(node, dict):
            found = [node["enum"]] if isinstance(node.get("enum"), list) else []
            return found + [e for v in node.values() for e in enums(v)]
        return [e for v in node for e in enums(v)] if isinstance(node, list) else []

    assert all(len(e) <= MAX_SERVED_OPTIONS for e in enums(params))
    assert params["properties"]["reservation_id"]["enum"] == ["PEP4E0"]  # the id of the example's shape


def test_the_wider_schema_is_sent_when_the_narrowed_request_would_not_fit() -> None:
    from agentfn.backends._compact import estimate_tokens

    messages = [UserMessage(content=LONG_TASK)]
    narrow, _ = forced_call_tools([MANY], "update_booking", messages, extractive=True, max_string_length=200, max_items=16)
    wide, _ = forced_call_tools([MANY], "update_booking", messages, extractive=False, max_string_length=200, max_items=16)
    sent = [m.model_dump(mode="json") for m in messages]
    limit = (estimate_tokens([sent, narrow]) + estimate_tokens([sent, wide])) // 2  # the wide fits, the narrow not
    out, _ = forced_call_tools([MANY], "update_booking", messages, extractive=True, max_string_length=200,
                               max_items=16, max_request_tokens=limit)
    assert out == wide and estimate_tokens([sent, out]) <= limit
    roomy, _ = forced_call_tools([MANY], "update_booking", messages, extractive=True, max_string_length=200,
                                 max_items=16, max_request_tokens=10 * limit)
    assert roomy == narrow


def test_compact_options_prefers_quoted_text_and_identifiers_and_drops_long_spans() -> None:
    from agentfn.backends._compact import compact_options

    request = "Please email 'Important message!' to the whole team at mark.black-2134@gmail.com today"
    options = [request, "Please email", "email", "EMAIL", "Important message!", "mark.black-2134@gmail.com",
               "the whole team at mark.black-2134@gmail.com today and more words here", 3]
    kept = compact_options(options, request, limit=4)
    assert kept == ["Please email", "Important message!", "mark.black-2134@gmail.com", 3]
    assert compact_options(options, request, limit=40)[:3] == ["Please email", "email", "Important message!"]
