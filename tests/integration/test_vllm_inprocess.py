"""VLLMModel (in-process vLLM) on the embedded SmolLM2, run in a subprocess (vLLM needs a main guard).

Also the batching engine thread against the real engine: concurrent requests share steps, a
cancelled request is aborted, a prompt vLLM refuses fails alone, and aclose stops vLLM's processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from vllm_server import MIN_FREE_GB, free_memory_gb

pytestmark = pytest.mark.integration
SCRIPT = Path(__file__).with_name("vllm_inprocess_script.py")


def test_in_process_vllm_forced_calls_structured_output_and_batching() -> None:
    if free_memory_gb() < MIN_FREE_GB:
        pytest.skip(f"in-process vLLM needs {MIN_FREE_GB:.0f} GB of free memory")
    pytest.importorskip("vllm")
    env = dict(os.environ, HF_HUB_OFFLINE="1", VLLM_CPU_KVCACHE_SPACE="1", VLLM_CPU_NUM_OF_RESERVED_CPU="0")
    proc = subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=1500, env=env, check=False
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(lines[-1].removeprefix("RESULT "))
    params = {t["function"]["name"]: t["function"]["parameters"] for t in result["tools"]}
    [call] = result["required"]["message"]["tool_calls"]
    jsonschema.validate(json.loads(call["arguments"]), params[call["name"]])
    [named] = result["get_time"]["message"]["tool_calls"]
    assert named["name"] == "get_time"
    jsonschema.validate(json.loads(named["arguments"]), params["get_time"])
    auto = result["auto"]["message"]
    assert auto["content"] or auto["tool_calls"]
    jsonschema.validate(json.loads(result["structured"]["content"]), result["schema"])
    batched = result["batched"]
    assert batched["max_batch"] == 4  # the four concurrent requests shared engine steps
    for call in batched["calls"]:
        jsonschema.validate(json.loads(call["arguments"]), params[call["name"]])
    assert all(u["requests"] == 1 and u["output_tokens"] > 0 and u["input_tokens"] > 50 for u in batched["usage"])
    [serial] = result["serialised"]["calls"]
    assert serial["name"] == batched["calls"][0]["name"]
    jsonschema.validate(json.loads(serial["arguments"]), params[serial["name"]])
    assert result["cancelled"] is True
    assert result["too_long"] == "ModelError"
    after = result["after"]
    assert after["output_tokens"] == 4 and after["request_steps"] == after["steps"]  # the cancelled one is gone
    assert result["children_after_close"] == 0
