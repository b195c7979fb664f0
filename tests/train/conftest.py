"""Fixtures for trainer tests: a tiny random chat model built on the spot, traces in a real store."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentfn.backends.tiny import build_tiny_chat_model

# Training rows hold tool responses and role names, so the tokenizer learns those too.
TRAIN_CORPUS = [
    '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}\n</tool_call>',
    "<tool_response>\n{\"temp\": 21}\n</tool_response> The weather in Paris is sunny. You are a helpful assistant.",
    "# Tools\nYou may call one or more functions to assist with the user query. <tools></tools> system user assistant",
    "0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ {}[]:,\"'\\/_-+.!?()<>=|",
]


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("transformers")
    pytest.importorskip("peft")
    return build_tiny_chat_model(tmp_path_factory.mktemp("tiny-qwen2"), corpus=TRAIN_CORPUS, vocab_size=500)


@pytest.fixture(scope="session")
def encoder() -> object:
    """The shipped MiniLM encoder (offline), once per session."""
    from agentfn.router.encoder import load_encoder

    return load_encoder()
