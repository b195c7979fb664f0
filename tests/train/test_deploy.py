"""`agentfn deploy adapter` against a real HTTP server on 127.0.0.1 that implements vLLM's LoRA endpoints."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
import typer
from typer.testing import CliRunner

from agentfn.exceptions import ConfigError, ModelUnavailableError
from agentfn.train.cli import register
from agentfn.train.deploy import deploy_adapter


class LoraServer(BaseHTTPRequestHandler):
    """What vLLM does with VLLM_ALLOW_RUNTIME_LORA_UPDATING=True (status codes and messages as vLLM's)."""

    loaded: ClassVar[dict[str, str]] = {}
    auth: str | None = None

    def log_message(self, *_args: Any) -> None:
        return None

    def _reply(self, code: int, text: str) -> None:
        body = text.encode()
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.auth and self.headers.get("Authorization") != f"Bearer {self.auth}":
            return self._reply(401, "unauthorized")
        name, path = body.get("lora_name"), body.get("lora_path")
        if self.path == "/v1/load_lora_adapter":
            if name in self.loaded:
                return self._reply(400, f"The lora adapter '{name}' has already been loaded.")
            if not (Path(path) / "adapter_config.json").exists():
                return self._reply(404, f"No adapter found for {path}")
            self.loaded[name] = path
            return self._reply(200, f"Success: LoRA adapter '{name}' added successfully.")
        if self.path == "/v1/unload_lora_adapter":
            if self.loaded.pop(name, None) is None:
                return self._reply(404, f"The lora adapter '{name}' cannot be found.")
            return self._reply(200, f"Success: LoRA adapter '{name}' removed successfully.")
        return self._reply(404, "Not Found")


@pytest.fixture
def server() -> Iterator[str]:
    LoraServer.loaded = {}
    LoraServer.auth = None
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), LoraServer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def adapter(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from agentfn.train.llm import train_llm

    tmp = tmp_path_factory.mktemp("adapter")
    spec = {"type": "function", "function": {"name": "ping", "description": "Ping.", "parameters": {"type": "object"}}}
    rec = {
        "messages": [
            {"role": "user", "content": "ping"},
            {"role": "assistant", "content": None,
             "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "ping", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "pong"},
            {"role": "assistant", "content": "pong"},
        ],
        "tools": [spec],
    }
    (tmp / "t.jsonl").write_text(json.dumps(rec) + "\n")
    out = tmp / "adapter"
    train_llm(tmp / "t.jsonl", tiny_model_dir, out, epochs=1, batch_size=1)
    return out


def test_hot_loads_through_the_endpoint(server: str, adapter: Path) -> None:
    info = deploy_adapter(adapter, base_url=server + "/v1", name="weather-v1")
    assert info["status"] == 200 and "added successfully" in info["message"]
    assert LoraServer.loaded == {"weather-v1": str(adapter.resolve())}


def test_second_load_is_refused_unless_replacing(server: str, adapter: Path) -> None:
    deploy_adapter(adapter, base_url=server, name="w")
    with pytest.raises(ConfigError, match="already been loaded"):
        deploy_adapter(adapter, base_url=server, name="w")
    assert deploy_adapter(adapter, base_url=server, name="w", replace=True)["status"] == 200


def test_api_key_is_sent(server: str, adapter: Path) -> None:
    LoraServer.auth = "sk-test"
    with pytest.raises(ConfigError, match="HTTP 401"):
        deploy_adapter(adapter, base_url=server, name="w")
    assert deploy_adapter(adapter, base_url=server, name="w", api_key="sk-test")["status"] == 200


def test_server_down_and_bad_adapter(adapter: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailableError, match="cannot reach"):
        deploy_adapter(adapter, base_url="http://127.0.0.1:9", name="w", timeout=5)
    with pytest.raises(ConfigError, match="not a PEFT adapter"):
        deploy_adapter(tmp_path, base_url="http://127.0.0.1:9", name="w")


def test_cli_deploy_adapter(server: str, adapter: Path) -> None:
    app = typer.Typer()
    register(app)
    result = CliRunner().invoke(app, ["deploy", "adapter", str(adapter), "--base-url", server, "--name", "cli-v1"])
    assert result.exit_code == 0, result.output
    assert "loaded adapter 'cli-v1'" in result.output and "cli-v1" in LoraServer.loaded
    result = CliRunner().invoke(app, ["deploy", "adapter", str(adapter), "--base-url", server, "--name", "cli-v1"])
    assert result.exit_code == 2 and "already been loaded" in result.output
