"""Fixtures for the built-in tool library: a clean configuration per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.config import ToolsConfig, configure, reset_config


@pytest.fixture(autouse=True)
def clean_config(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("AGENTFN_FILES_ROOT", raising=False)
    monkeypatch.delenv("AGENTFN_HTTP_ALLOW", raising=False)
    reset_config()
    yield
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
