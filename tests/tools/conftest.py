"""Fixtures for the built-in tool library: a clean configuration per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agentfn import FunctionModel
from agentfn.library.config import ToolsConfig, configure, reset_config
from agentfn.llm_function import set_default_model


def _no_default_model(messages: object, request: object) -> str:
    raise AssertionError("a unit test reached the default model; pass model= or run through an agent")


@pytest.fixture(autouse=True)
def clean_config(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("AGENTFN_FILES_ROOT", raising=False)
    monkeypatch.delenv("AGENTFN_HTTP_ALLOW", raising=False)
    reset_config()
    # Never build the embedded model in unit tests (minutes of CPU): fail loudly instead.
    set_default_model(FunctionModel(_no_default_model))
    yield
    set_default_model(None)
    reset_config()


@pytest.fixture
def files_root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    root.mkdir()
    configure(files_root=root)
    return root


@pytest.fixture
def config() -> type[ToolsConfig]:
    return ToolsConfig


@pytest.fixture
def grounded_model() -> FunctionModel:
    """A model in the embedded backend's grounded mode that must never be asked: the rules answer."""

    def never(*_: object) -> str:
        raise AssertionError("the rules answer; the model is not asked")

    model = FunctionModel(never)
    model.answer_mode = "grounded"  # type: ignore[attr-defined]  # what the embedded backend sets
    return model
