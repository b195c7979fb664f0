"""VLLMModel builds vLLM's own sampling objects (real classes, no engine started)."""

from __future__ import annotations

import pytest

from agentfn.backends.base import ModelRequest
from agentfn.backends.vllm_local import VLLMModel
from agentfn.messages import UserMessage


def test_sampling_params_carry_the_json_constraint() -> None:
    pytest.importorskip("vllm")
    model = VLLMModel("/nonexistent-model")  # nothing loads until the first request
    schema = {"type": "object", "properties": {"a": {"type": "string", "maxLength": 5}}}
    request = ModelRequest(messages=[UserMessage(content="x")], temperature=0.7, seed=3, stop=["END"])
    params = model._sampling(request, 32, schema)  # pyright: ignore[reportPrivateUsage]
    assert params.max_tokens == 32 and params.temperature == 0.7 and params.seed == 3 and params.stop == ["END"]
    assert params.structured_outputs.json == schema and params.structured_outputs.disable_any_whitespace
    free = model._sampling(ModelRequest(messages=[UserMessage(content="x")]), 8, None)  # pyright: ignore[reportPrivateUsage]
    assert free.structured_outputs is None and free.temperature == 0.0
