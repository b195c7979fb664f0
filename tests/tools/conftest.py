"""Fixtures for the built-in tool library: a clean configuration per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from agentfn import FunctionModel
from agentfn._small_path import PlainReplyRouter
from agentfn.library.config import ToolsConfig, configure, reset_config
from agentfn.llm_function import set_default_model
from agentfn.router.config import RoutePlan
from agentfn.toolset import Toolset


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


class _FixedRouter:
    """A router that always plans ``selected``."""

    def __init__(self, selected: list[str]) -> None:
        self.selected = selected

    def route(self, query: str | Sequence[Any], k: int = 10) -> RoutePlan:
        return RoutePlan(ranked=[(n, 1.0) for n in self.selected], selected=self.selected)


@pytest.fixture
def small_path_plan() -> Callable[[str, str], list[str]]:
    """What the small path's :class:`PlainReplyRouter` over the built-in tools plans for a request
    (``text``) whose router chose ``chosen``."""
    specs = [t.openai_schema() for t in Toolset.builtin()]

    def plan(chosen: str, text: str) -> list[str]:
        return PlainReplyRouter(_FixedRouter([chosen]), specs, "generate").route(text).selected

    return plan
