"""The official openai client against a real ``agentfn serve`` on 127.0.0.1."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from agentfn.exceptions import ModelUnavailableError
from agentfn.serve import ServeConfig, create_app, hash_key

from .conftest import running, scripted_model, sse_events, weather_tools

KEYS = {"main": "sk-main-123", "limited": "sk-limited-456", "narrow": "sk-narrow-789"}


def make_config(**overrides: object) -> ServeConfig:
    data: dict[str, object] = {
        "auth": "keys",
        "keys": [
            {"name": "main", "sha256": hash_key(KEYS["main"]), "rate_per_minute": 6000, "burst": 1000},
            {"name": "limited", "sha256": hash_key(KEYS["limited"]), "rate_per_minute": 1, "burst": 2},
            {"name": "narrow", "sha256": hash_key(KEYS["narrow"]), "tools": ["get_weather"]},
        ],
        "agents": [{"name": "weather"}],
        "limits": {"max_body_bytes": 4096, "max_messages": 5},
    }
    data.update(overrides)
    return ServeConfig.model_validate(data)


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    app = create_app(make_config(), model=scripted_model(), toolsets={"weather": weather_tools()})
    with running(app) as url:
        yield url


_CLIENTS: list[openai.OpenAI] = []


@pytest.fixture(autouse=True, scope="module")
def _close_clients() -> Iterator[None]:
    yield
    while _CLIENTS:
        _CLIENTS.pop().close()


def client(base_url: str, key: str = KEYS["main"]) -> openai.OpenAI:
    made = openai.OpenAI(base_url=f"{base_url}/v1", api_key=key, max_retries=0)
    _CLIENTS.append(made)
    return made


def test_non_streaming_tool_answer(base_url: str) -> None:
    resp = client(base_url).chat.completions.create(
        model="weather", messages=[{"role": "user", "content": "Weather in Paris?"}]
    )
    assert resp.choices[0].message.content == 'Answer: {"city":"Paris","temperature":21.5}'
    assert resp.choices[0].finish_reason == "stop"
    extra = resp.model_extra or {}
    steps = extra["agentfn"]["tool_steps"]
    assert [(s["name"], s["status"]) for s in steps] == [("get_weather", "ok")]
    assert steps[0]["arguments"] == '{"city": "Paris"}'
    assert resp.usage is not None and resp.usage.total_tokens > 0


def test_streaming_tool_answer(base_url: str) -> None:
    stream = client(base_url).chat.completions.create(
        model="weather", messages=[{"role": "user", "content": "Weather in Paris?"}], stream=True,
        stream_options={"include_usage": True},
    )
    text, finish, kinds, usage = "", None, [], None
    for ch in stream:
        if ch.choices:
            text += ch.choices[0].delta.content or ""
            finish = ch.choices[0].finish_reason or finish
        if ch.usage is not None:
            usage = ch.usage
        extra = (ch.model_extra or {}).get("agentfn")
        if extra:
            kinds.append(extra["type"])
    assert text == 'Answer: {"city":"Paris","temperature":21.5}'
    assert finish == "stop"
    assert kinds == ["tool_call", "tool_result", "run_end"]
    assert usage is not None and usage.total_tokens > 0


def test_stream_wire_format_is_openai_chunks(base_url: str) -> None:
    r = httpx.post(f"{base_url}/v1/chat/completions", headers={"Authorization": f"Bearer {KEYS['main']}"},
                   json={"model": "weather", "stream": True, "include_tool_steps": False,
                         "messages": [{"role": "user", "content": "use nothing"}]})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    events = sse_events(r.text)
    assert events[-1] == "[DONE]"
    chunks = events[:-1]
    assert all(c["object"] == "chat.completion.chunk" and c["id"] == chunks[0]["id"] for c in chunks)
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks) == "No tools needed."
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert not any(c.get("agentfn", {}).get("type") == "tool_call" for c in chunks)


def test_models_and_tools(base_url: str) -> None:
    assert [m.id for m in client(base_url).models.list()] == ["weather"]
    r = httpx.get(f"{base_url}/v1/tools", headers={"Authorization": f"Bearer {KEYS['main']}"})
    names = [t["function"]["name"] for t in r.json()["data"]]
    assert names == ["get_weather", "delete_file"]
    assert r.json()["data"][1]["agentfn"]["requires_approval"] is True


def test_bad_key_is_401(base_url: str) -> None:
    with pytest.raises(openai.AuthenticationError) as info:
        client(base_url, "sk-wrong").chat.completions.create(model="weather", messages=[{"role": "user", "content": "hi"}])
    assert info.value.status_code == 401
    r = httpx.get(f"{base_url}/v1/models")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert r.json()["error"]["code"] == "invalid_api_key"


def test_rate_limit_is_429_with_retry_after(base_url: str) -> None:
    headers = {"Authorization": f"Bearer {KEYS['limited']}"}
    statuses = [httpx.get(f"{base_url}/v1/models", headers=headers).status_code for _ in range(2)]
    assert statuses == [200, 200]
    r = httpx.get(f"{base_url}/v1/models", headers=headers)
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) >= 1
    assert r.json()["error"]["type"] == "rate_limit_error"
    with pytest.raises(openai.RateLimitError):
        client(base_url, KEYS["limited"]).models.list()
    # Other keys are unaffected.
    assert httpx.get(f"{base_url}/v1/models", headers={"Authorization": f"Bearer {KEYS['main']}"}).status_code == 200


def test_oversize_body_is_413(base_url: str) -> None:
    headers = {"Authorization": f"Bearer {KEYS['main']}"}
    big = {"model": "weather", "messages": [{"role": "user", "content": "x" * 10_000}]}
    r = httpx.post(f"{base_url}/v1/chat/completions", headers=headers, json=big)
    assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit applies while reading
        yield b'{"model": "weather", "messages": [{"role": "user", "content": "'
        for _ in range(10):
            yield b"y" * 1000
        yield b'"}]}'

    r = httpx.post(f"{base_url}/v1/chat/completions", headers=headers, content=chunks())
    assert r.status_code == 413
    with pytest.raises(openai.APIStatusError) as info:
        client(base_url).chat.completions.create(model="weather", messages=[{"role": "user", "content": "y" * 10_000}])
    assert info.value.status_code == 413


def test_too_many_messages_is_413(base_url: str) -> None:
    messages = [{"role": "user", "content": "hi"}] * 6
    r = httpx.post(f"{base_url}/v1/chat/completions", headers={"Authorization": f"Bearer {KEYS['main']}"},
                   json={"model": "weather", "messages": messages})
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_many_messages"


def test_bad_requests_are_400(base_url: str) -> None:
    c = client(base_url)
    with pytest.raises(openai.BadRequestError) as info:
        c.chat.completions.create(
            model="weather", messages=[{"role": "user", "content": "hi"}],
            tools=[{"type": "function", "function": {"name": "x", "parameters": {"type": "object"}}}],
        )
    assert "client-supplied tools" in info.value.message
    with pytest.raises(openai.NotFoundError):
        c.chat.completions.create(model="nope", messages=[{"role": "user", "content": "hi"}])
    headers = {"Authorization": f"Bearer {KEYS['main']}"}
    for body in (b"not json", b"[1, 2]", b'{"model": "weather"}', b'{"model": "weather", "messages": [{"role": "wizard"}]}',
                 b'{"model": "weather", "messages": [{"role": "system", "content": "only"}]}',
                 b'{"model": "weather", "messages": [{"role": "user", "content": "hi"}], "tool_choice": "missing_tool"}'):
        r = httpx.post(f"{base_url}/v1/chat/completions", headers=headers, content=body)
        assert r.status_code == 400, body
        assert r.json()["error"]["message"]


def test_approval_tool_is_denied_without_approver(base_url: str) -> None:
    resp = client(base_url).chat.completions.create(
        model="weather", messages=[{"role": "user", "content": "please use delete_file now"}]
    )
    steps = (resp.model_extra or {})["agentfn"]["tool_steps"]
    assert [(s["name"], s["status"]) for s in steps] == [("delete_file", "denied")]
    assert "no approver is configured" in (resp.choices[0].message.content or "")


def test_allow_list_per_key(base_url: str) -> None:
    headers = {"Authorization": f"Bearer {KEYS['narrow']}"}
    r = httpx.get(f"{base_url}/v1/tools", headers=headers)
    assert [t["function"]["name"] for t in r.json()["data"]] == ["get_weather"]
    resp = client(base_url, KEYS["narrow"]).chat.completions.create(
        model="weather", messages=[{"role": "user", "content": "use delete_file"}]
    )
    steps = (resp.model_extra or {})["agentfn"]["tool_steps"]
    assert [(s["name"], s["status"]) for s in steps] == [("delete_file", "not_found")]


def test_health_ready_metrics(base_url: str) -> None:
    assert httpx.get(f"{base_url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{base_url}/readyz")
    assert ready.status_code == 200 and ready.json()["models"] == ["weather"]
    client(base_url).chat.completions.create(model="weather", messages=[{"role": "user", "content": "Paris?"}])
    text = httpx.get(f"{base_url}/metrics").text
    assert 'agentfn_http_requests_total{method="POST",path="/v1/chat/completions",status="200"}' in text
    assert 'agentfn_tool_calls_total{status="ok",tool="get_weather"}' in text
    assert 'agentfn_runs_total{agent="weather",outcome="answered"}' in text
    assert 'agentfn_tokens_total{kind="input"}' in text
    assert "agentfn_http_request_duration_seconds_bucket" in text
    assert "agentfn_errors_total" in text


def test_cors_off_by_default(base_url: str) -> None:
    r = httpx.options(f"{base_url}/v1/models", headers={"Origin": "https://evil.example",
                                                       "Access-Control-Request-Method": "GET"})
    assert "access-control-allow-origin" not in r.headers


def test_approver_from_config_and_cors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "my_approvals.py").write_text(textwrap.dedent("""
        def approve(request):
            return request.tool_name == "delete_file" and request.arguments == {"path": "/tmp/x"}
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    config = make_config(approver="my_approvals:approve", cors_origins=["https://app.example"])
    app = create_app(config, model=scripted_model(), toolsets={"weather": weather_tools()})
    with running(app) as url:
        resp = client(url).chat.completions.create(model="weather", messages=[{"role": "user", "content": "use delete_file"}])
        steps = (resp.model_extra or {})["agentfn"]["tool_steps"]
        assert [(s["name"], s["status"]) for s in steps] == [("delete_file", "ok")]
        assert resp.choices[0].message.content == "Answer: deleted /tmp/x"
        r = httpx.options(f"{url}/v1/models", headers={"Origin": "https://app.example",
                                                      "Access-Control-Request-Method": "GET"})
        assert r.headers["access-control-allow-origin"] == "https://app.example"


def test_model_down_is_503() -> None:
    from agentfn import FunctionModel

    def down(messages: object, request: object) -> str:
        raise ModelUnavailableError("connection refused", attempts=3)

    config = make_config()
    app = create_app(config, model=FunctionModel(down), toolsets={"weather": weather_tools()})
    with running(app) as url:
        for stream in (False, True):
            with pytest.raises(openai.InternalServerError) as info:
                client(url).chat.completions.create(model="weather", messages=[{"role": "user", "content": "hi"}],
                                                    stream=stream)
            assert info.value.status_code == 503
        text = httpx.get(f"{url}/metrics").text
        assert 'agentfn_errors_total{kind="model_unavailable"} 2.0' in text


def test_auth_none_only_on_localhost() -> None:
    from agentfn.exceptions import ConfigError

    with pytest.raises(ConfigError, match="loopback"):
        ServeConfig(auth="none", host="0.0.0.0").check()
    app = create_app(ServeConfig(auth="none"), model=scripted_model(), toolsets={"agentfn": weather_tools()})
    with running(app) as url:
        resp = client(url, "anything").chat.completions.create(
            model="agentfn", messages=[{"role": "user", "content": "Paris?"}])
        assert resp.choices[0].message.content and resp.choices[0].message.content.startswith("Answer:")


def test_route_endpoint_with_lexical_router() -> None:
    config = make_config(agents=[{"name": "weather", "router": "lexical"}])
    app = create_app(config, model=scripted_model(), toolsets={"weather": weather_tools()})
    with running(app) as url:
        headers = {"Authorization": f"Bearer {KEYS['main']}"}
        r = httpx.post(f"{url}/v1/route", headers=headers, json={"model": "weather", "query": "weather in Paris", "k": 2})
        assert r.status_code == 200, r.text
        assert r.json()["ranked"][0][0] == "get_weather"
        narrow = httpx.post(f"{url}/v1/route", headers={"Authorization": f"Bearer {KEYS['narrow']}"},
                            json={"model": "weather", "query": "delete the file /tmp/x"})
        assert all(name == "get_weather" for name, _ in narrow.json()["ranked"])
        resp = client(url).chat.completions.create(model="weather", messages=[{"role": "user", "content": "Paris?"}])
        assert resp.choices[0].message.content == 'Answer: {"city":"Paris","temperature":21.5}'


async def test_agent_access_and_misc_refusals_in_process() -> None:
    """The same app through httpx's ASGI transport: per-key agents, router absent, n > 1."""
    config = make_config(
        agents=[{"name": "weather"}, {"name": "other"}],
        keys=[{"name": "main", "sha256": hash_key(KEYS["main"])},
              {"name": "only-other", "sha256": hash_key("sk-other"), "agents": ["other"]}],
    )
    model = scripted_model()
    app = create_app(config, model=model, toolsets={"weather": weather_tools(), "other": weather_tools()})
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        other = {"Authorization": "Bearer sk-other"}
        models = (await c.get("/v1/models", headers=other)).json()
        assert [m["id"] for m in models["data"]] == ["other"]
        body = {"model": "weather", "messages": [{"role": "user", "content": "hi"}]}
        r = await c.post("/v1/chat/completions", headers=other, json=body)
        assert r.status_code == 403 and r.json()["error"]["code"] == "model_not_allowed"
        main = {"Authorization": f"Bearer {KEYS['main']}"}
        r = await c.post("/v1/route", headers=main, json={"model": "weather", "query": "x"})
        assert r.status_code == 404 and r.json()["error"]["code"] == "router_not_configured"
        r = await c.post("/v1/chat/completions", headers=main, json={**body, "n": 2})
        assert r.status_code == 400
        r = await c.post("/v1/chat/completions", headers=main, json={
            **body, "messages": [{"role": "user", "content": "use nothing"}], "temperature": 0.2, "max_tokens": 5,
            "seed": 7, "stop": "END", "tool_choice": "none"})
        assert r.status_code == 200
        sent = model.requests[-1]  # the sampling settings reach the model
        assert (sent.temperature, sent.max_tokens, sent.seed, sent.stop, sent.tool_choice) == (0.2, 5, 7, ["END"], "none")


async def test_client_tools_ignored_when_configured() -> None:
    app = create_app(make_config(client_tools="ignore"), model=scripted_model(), toolsets={"weather": weather_tools()})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        r = await c.post("/v1/chat/completions", headers={"Authorization": f"Bearer {KEYS['main']}"}, json={
            "model": "weather", "messages": [{"role": "user", "content": "Paris?"}],
            "tools": [{"type": "function", "function": {"name": "client_side", "parameters": {"type": "object"}}}]})
        assert r.status_code == 200
        assert [s["name"] for s in r.json()["agentfn"]["tool_steps"]] == ["get_weather"]  # only server tools ran


async def test_world_changing_tools_need_opt_in() -> None:
    """The built-in run_python (side_effects="write") is not served unless allowed; approval tools stay."""
    for allow, expected in ((None, False), (["none", "read", "write"], True)):
        agent: dict[str, object] = {"name": "a", "tools": ["builtin"]}
        if allow is not None:
            agent["allow_side_effects"] = allow
        app = create_app(make_config(agents=[agent]), model=scripted_model())
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
            r = await c.get("/v1/tools", headers={"Authorization": f"Bearer {KEYS['main']}"})
            names = [t["function"]["name"] for t in r.json()["data"]]
            assert ("run_python" in names) is expected
            assert "calculate" in names
    app = create_app(make_config(), model=scripted_model(), toolsets={"weather": weather_tools()})
    assert "delete_file" in app.state.agentfn.pool.agents["weather"].agent.toolset  # write, but requires approval


async def test_text_before_tool_calls_streams_apart_from_the_answer() -> None:
    from agentfn import FunctionModel
    from agentfn.backends.function import call as make_call
    from agentfn.messages import AssistantMessage, ToolMessage

    def reply(messages: list[object], _request: object) -> AssistantMessage | str:
        if any(isinstance(m, ToolMessage) for m in messages):
            return "It is 21.5 degrees."
        return AssistantMessage(content="Let me check.", tool_calls=[make_call("get_weather", {"city": "Paris"})])

    app = create_app(make_config(), model=FunctionModel(reply), toolsets={"weather": weather_tools()})
    headers = {"Authorization": f"Bearer {KEYS['main']}"}
    body = {"model": "weather", "messages": [{"role": "user", "content": "Paris?"}]}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        plain = (await c.post("/v1/chat/completions", headers=headers, json=body)).json()
        assert plain["choices"][0]["message"]["content"] == "It is 21.5 degrees."
        streamed = sse_events((await c.post("/v1/chat/completions", headers=headers, json={**body, "stream": True})).text)
    text = "".join(e["choices"][0]["delta"].get("content", "") for e in streamed[:-1] if e["choices"])
    assert text == "Let me check.\n\nIt is 21.5 degrees."
