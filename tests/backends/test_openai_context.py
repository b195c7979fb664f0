"""OpenAIModel reads the served model's context length (vLLM's ``max_model_len``) and keeps a
narrowed forced call inside it: a real OpenAI-compatible server on 127.0.0.1 (stdlib http.server)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from _fakeserver import completion, native_call
from _localhttp import serving

from agentfn.backends._openai_wire import ModelCard, model_cards, request_token_budget
from agentfn.backends.base import ModelRequest
from agentfn.backends.openai_compat import OpenAIModel
from agentfn.messages import UserMessage

NOTE = {"type": "function", "function": {
    "name": "save_note", "description": "Save a note.",
    "parameters": {"type": "object", "properties": {"title": {"type": "string", "description": "the note's title"},
                                                    "body": {"type": "string", "description": "the note's text"}},
                   "required": ["title", "body"]}}}
LONG = ("Please save a note titled 'Garden plans' saying that the tomatoes go by the south fence, the beans climb "
        "the old trellis near the shed, the herbs stay in pots on the patio, and the compost heap moves behind the "
        "apple tree before the first frost arrives in October.")


class Served:
    """A server whose model list shows ``card`` (None: no model list, 404) and counts the times it is read."""

    def __init__(self) -> None:
        self.card: dict[str, Any] | None = {}
        self.listings = 0
        self.requests: list[dict[str, Any]] = []
        self.url = ""

    def answer(self, method: str, path: str, body: dict[str, Any] | None) -> tuple[int, Any]:
        if body is None:
            self.listings += 1
            if self.card is None:
                return 404, {"error": {"message": "not found"}}
            return 200, {"object": "list", "data": [{"id": "small", "object": "model", "created": 0, "owned_by": "t", **self.card}]}
        self.requests.append(body)
        return 200, completion(None, [native_call("save_note", '{"title": "Garden plans", "body": "beans"}')], model="small")


@pytest.fixture
def server() -> Iterator[Served]:
    served = Served()
    with serving(served.answer) as httpd:
        served.url = httpd.url
        yield served


def forced(text: str = LONG, max_tokens: int | None = 256) -> ModelRequest:
    return ModelRequest(messages=[UserMessage(content=text)], tools=[NOTE], tool_choice="save_note", max_tokens=max_tokens)


def sent_parameters(body: dict[str, Any]) -> dict[str, Any]:
    return body["tools"][0]["function"]["parameters"]


def narrowed(body: dict[str, Any]) -> bool:
    return any("enum" in p for p in sent_parameters(body)["properties"].values())


def model_at(server: Served, name: str | None = None, **options: Any) -> OpenAIModel:
    return OpenAIModel(name, base_url=server.url, backoff=0.0, max_retries=0, timeout=10,
                       extractive=True, **options)


async def test_a_small_context_gets_the_wider_schema_read_once(server: Served) -> None:
    server.card = {"max_model_len": 656}  # 656 - 256 reply tokens: the narrowed request (~600) does not fit
    model = model_at(server)
    await model.request(forced())
    await model.request(forced())
    assert server.listings == 1  # the model list is read once: name and context together
    assert not any(narrowed(b) for b in server.requests)
    assert sent_parameters(server.requests[0])["properties"]["title"]["maxLength"] > 0  # still bounded
    await model.aclose()


async def test_a_large_context_keeps_the_narrowed_schema(server: Served) -> None:
    server.card = {"max_model_len": 8192}
    model = model_at(server, "small")  # named: the list is still read once, for the context length
    await model.request(forced())
    await model.request(forced())
    assert server.listings == 1
    assert all(narrowed(b) for b in server.requests)
    await model.aclose()


async def test_the_reply_budget_decides(server: Served) -> None:
    server.card = {"max_model_len": 1400}
    model = model_at(server, "small")
    await model.request(forced(max_tokens=128))  # ~600 + 128 fits in 1400
    await model.request(forced(max_tokens=1000))  # ~600 + 1000 does not
    assert [narrowed(b) for b in server.requests] == [True, False]
    await model.aclose()


async def test_without_a_context_length_nothing_changes(server: Served) -> None:
    server.card = None  # no model list at all (404): a named model still works, narrowed as before
    model = model_at(server, "small")
    await model.request(forced())
    await model.request(forced())
    assert server.listings == 1 and all(narrowed(b) for b in server.requests)
    server.card = {}  # a list without a context field
    other = model_at(server, "small")
    await other.request(forced())
    assert narrowed(server.requests[-1])
    await model.aclose()
    await other.aclose()


async def test_a_given_context_length_is_not_asked_for(server: Served) -> None:
    server.card = {"max_model_len": 100_000}
    model = model_at(server, "small", context_length=656)
    await model.request(forced())
    assert server.listings == 0 and not narrowed(server.requests[0])
    await model.aclose()


async def test_calls_not_narrowed_never_read_the_list(server: Served) -> None:
    model = model_at(server, "small")
    await model.request(ModelRequest(messages=[UserMessage(content=LONG)], tools=[NOTE]))  # tool_choice auto
    assert server.listings == 0
    await model.aclose()


def test_model_cards_read_the_context_fields() -> None:
    cards = model_cards([{"id": "a", "max_model_len": 2048}, {"id": "b", "context_length": 4096}, {"id": "c"},
                         {"id": "d", "max_model_len": "big"}, {"object": "model"}, "junk"])
    assert cards == [ModelCard("a", 2048), ModelCard("b", 4096), ModelCard("c"), ModelCard("d")]
    assert model_cards(None) == []
    assert request_token_budget(2048, 128) == 1920
    assert request_token_budget(2048, None) == 2048 - 256
    assert request_token_budget(None, 128) is None
