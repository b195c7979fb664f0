"""Fixtures for backend tests: a tiny random chat model built on the spot (no downloads)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentfn.backends.tiny import build_tiny_chat_model


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("transformers")
    pytest.importorskip("xgrammar")
    return build_tiny_chat_model(tmp_path_factory.mktemp("tiny-qwen2"))
