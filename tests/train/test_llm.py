"""LoRA SFT on traces with a tiny random model: rendering, loss masking, loss decreases, adapter checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentfn.exceptions import ConfigError, UserError
from agentfn.traces import TraceStore, run_from_openai
from agentfn.traces.records import Run
from agentfn.train.llm import check_adapter, render_example, sft_runs, train_llm

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def record(city: str, *, answer: str | None = None) -> dict[str, object]:
    return {
        "messages": [
            {"role": "user", "content": f"weather in {city}?"},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": json.dumps({"city": city})}}
            ]},
            {"role": "tool", "tool_call_id": "c1", "content": json.dumps({"temp": 21})},
            {"role": "assistant", "content": answer or f"It is 21 degrees in {city}."},
        ],
        "tools": [WEATHER],
    }


def write_jsonl(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_render_uses_runtime_template_and_marks_only_assistant_turns() -> None:
    run = run_from_openai(record("Paris"))
    text, spans = render_example(run)
    assert text.startswith("<|im_start|>system") and "<tools>" in text and '"get_weather"' in text
    assert len(spans) == 2
    first = text[spans[0][0] : spans[0][1]]
    assert first.startswith("<tool_call>") and '"city": "Paris"' in first and first.rstrip().endswith("<|im_end|>")
    assert text[spans[1][0] : spans[1][1]].startswith("It is 21 degrees in Paris.")
    outside = text[: spans[0][0]] + text[spans[0][1] : spans[1][0]]
    assert "weather in Paris?" in outside and "<tool_response>" in outside


def test_sft_keeps_only_clean_successful_runs() -> None:
    good = run_from_openai(record("Paris"))
    bad = run_from_openai(record("Oslo"))
    bad.feedback_score = -1.0
    unfinished = Run(id="x", started_at=0.0, outcome="error")
    assert [r.id for r in sft_runs([good, bad, unfinished])] == [good.id]


def test_lora_training_lowers_loss_and_adapter_loads_back(tiny_model_dir: Path, tmp_path: Path) -> None:
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    traces = write_jsonl(tmp_path / "t.jsonl", [record(c) for c in ("Paris", "Oslo", "Lima", "Cairo")])
    out = tmp_path / "adapter"
    report = train_llm(traces, tiny_model_dir, out, epochs=10, batch_size=4, lr=1e-2, rank=8, alpha=16, seed=0)
    assert report["examples"] == 4 and report["steps"] == 10
    assert sum(report["losses"][-3:]) / 3 < report["first_loss"] - 0.5
    check = check_adapter(out)
    assert set(check["target_modules"]) == {"q_proj", "k_proj", "v_proj", "o_proj"}
    assert all(n == 2 for n in check["per_module"].values())  # both layers of the tiny model
    base = AutoModelForCausalLM.from_pretrained(str(tiny_model_dir), dtype=torch.float32)
    tuned = PeftModel.from_pretrained(base, str(out))
    ids = torch.tensor([[1, 2, 3]])
    with torch.no_grad():
        tuned_logits = tuned(ids).logits
        with tuned.disable_adapter():
            base_logits = tuned(ids).logits
    assert not torch.allclose(tuned_logits, base_logits)


def test_training_is_deterministic_under_a_seed(tiny_model_dir: Path, tmp_path: Path) -> None:
    traces = write_jsonl(tmp_path / "t.jsonl", [record(c) for c in ("Paris", "Oslo")])
    a = train_llm(traces, tiny_model_dir, tmp_path / "a", epochs=2, batch_size=2, seed=3)
    b = train_llm(traces, tiny_model_dir, tmp_path / "b", epochs=2, batch_size=2, seed=3)
    assert a["losses"] == b["losses"]


def test_trains_from_a_trace_store(tiny_model_dir: Path, tmp_path: Path) -> None:
    store = TraceStore.open(tmp_path / "t.db")
    store.add_runs([run_from_openai(record("Paris")), run_from_openai(record("Oslo"))])
    report = train_llm(str(tmp_path / "t.db"), tiny_model_dir, tmp_path / "ad", epochs=1, batch_size=2)
    store.close()
    assert report["examples"] == 2


def test_no_usable_traces_is_a_clear_error(tiny_model_dir: Path, tmp_path: Path) -> None:
    traces = write_jsonl(tmp_path / "t.jsonl", [])
    with pytest.raises(UserError, match=r"too few successful traces.*at least 1"):
        train_llm(traces, tiny_model_dir, tmp_path / "ad")


def test_unknown_target_module_is_refused(tiny_model_dir: Path, tmp_path: Path) -> None:
    traces = write_jsonl(tmp_path / "t.jsonl", [record("Paris")])
    with pytest.raises(UserError, match="not in"):
        train_llm(traces, tiny_model_dir, tmp_path / "ad", target_modules=["query_key_value"])


def _adapter(tmp_path: Path, tiny_model_dir: Path) -> Path:
    traces = write_jsonl(tmp_path / "t.jsonl", [record("Paris")])
    out = tmp_path / "ad"
    train_llm(traces, tiny_model_dir, out, epochs=1, batch_size=1)
    return out


def test_check_adapter_refuses_what_vllm_rejects(tiny_model_dir: Path, tmp_path: Path) -> None:
    out = _adapter(tmp_path, tiny_model_dir)
    cfg_file = out / "adapter_config.json"
    cfg = json.loads(cfg_file.read_text())
    cfg_file.write_text(json.dumps({**cfg, "use_dora": True}))
    with pytest.raises(ConfigError, match="DoRA"):
        check_adapter(out)
    cfg_file.write_text(json.dumps({**cfg, "modules_to_save": ["lm_head"]}))
    with pytest.raises(ConfigError, match="modules_to_save"):
        check_adapter(out)
    cfg_file.write_text(json.dumps({**cfg, "target_modules": ["q_proj", "gate_proj"]}))
    with pytest.raises(ConfigError, match=r"gate_proj.*silently serve the base model"):
        check_adapter(out)
    with pytest.raises(ConfigError, match="not a PEFT adapter"):
        check_adapter(tmp_path)
