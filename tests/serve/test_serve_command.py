"""``agentfn serve --config FILE`` as a real process, and run outcomes that end without an answer."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import openai

from agentfn.serve import ServeConfig, create_app, hash_key

from .conftest import free_port, running, scripted_model, sse_events, weather_tools

FIXTURE = Path(__file__).parent.parent / "mcp_fixtures" / "tools_fixture.py"


def test_agentfn_serve_process(tmp_path: Path) -> None:
    port = free_port()
    store = tmp_path / "traces.db"
    config = tmp_path / "agentfn.yaml"
    config.write_text(
        f"model: test\nport: {port}\ntrace_store: sqlite:///{store}\n"
        f"agents:\n  - name: helper\n    tools: ['{FIXTURE}']\n"
        f"keys:\n  - name: ci\n    sha256: {hash_key('sk-ci')}\n"
    )
    proc = subprocess.Popen([sys.executable, "-m", "agentfn.cli", "serve", "--config", str(config)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read().decode() if proc.stdout else ""
                raise AssertionError(f"agentfn serve did not become ready:\n{out}")
            time.sleep(0.2)
        with openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="sk-ci", max_retries=0) as client:
            resp = client.chat.completions.create(
                model="helper", messages=[{"role": "user", "content": "hi"}], tool_choice={"type": "function",
                                                                                        "function": {"name": "word_count"}})
            assert resp.choices[0].message.content == '{"word_count": "1"}'
    finally:
        proc.terminate()
        proc.wait(20)
        if proc.stdout:
            proc.stdout.close()
    # The run was recorded in the trace store, and flushed on shutdown.
    from agentfn.traces import TraceStore

    with TraceStore.open(str(store)) as traces:
        runs = list(traces.iter_runs())
    assert len(runs) == 1 and runs[0].outcome == "answered"


def test_limit_outcome_is_finish_reason_length() -> None:
    config = ServeConfig.model_validate({"auth": "none", "agents": [{"name": "a", "max_steps": 1}]})
    app = create_app(config, model=scripted_model(), toolsets={"a": weather_tools()})
    with running(app) as url:
        body = {"model": "a", "messages": [{"role": "user", "content": "Paris?"}]}
        r = httpx.post(f"{url}/v1/chat/completions", json=body)
        data = r.json()
        assert r.status_code == 200
        assert data["choices"][0]["finish_reason"] == "length"
        assert data["choices"][0]["message"]["content"] is None
        assert data["agentfn"]["outcome"] == "limit" and data["agentfn"]["reason"] == "max_steps"
        streamed = sse_events(httpx.post(f"{url}/v1/chat/completions", json={**body, "stream": True}).text)
        last = streamed[-2]
        assert last["choices"][0]["finish_reason"] == "length"
        assert last["agentfn"]["outcome"] == "limit"


def test_conversation_continues_with_client_history() -> None:
    """Stateless: the client sends the history back, including earlier turns."""
    config = ServeConfig.model_validate({"auth": "none"})
    app = create_app(config, model=scripted_model(), toolsets={"agentfn": weather_tools()})
    with running(app) as url, openai.OpenAI(base_url=f"{url}/v1", api_key="x", max_retries=0) as client:
        first = client.chat.completions.create(model="agentfn", messages=[{"role": "user", "content": "Paris?"}])
        history = [{"role": "user", "content": "Paris?"},
                   {"role": "assistant", "content": first.choices[0].message.content},
                   {"role": "user", "content": "use nothing"}]
        second = client.chat.completions.create(model="agentfn", messages=history)  # type: ignore[arg-type]
        assert second.choices[0].message.content == "No tools needed."
