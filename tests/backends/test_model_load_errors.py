"""A model that cannot be loaded is one clear ModelUnavailableError, never a raw OSError.

The Hugging Face hub is switched off (``HF_HUB_OFFLINE``), so nothing here touches the network.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("transformers")

from agentfn.backends import load_model
from agentfn.exceptions import ModelUnavailableError


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def test_missing_folder_says_so(tmp_path: Path) -> None:
    model = load_model(str(tmp_path / "no" / "model"))
    with pytest.raises(ModelUnavailableError, match="no such folder") as info:
        model.load()  # type: ignore[attr-defined]
    assert "embedded" in str(info.value)


def test_unknown_hub_name_names_the_hub_and_the_way_out() -> None:
    model = load_model("nosuch-model-name")
    with pytest.raises(ModelUnavailableError, match="Hugging Face hub could not provide it") as info:
        model.load()  # type: ignore[attr-defined]
    assert "--base-url" in str(info.value)


def test_empty_folder_holds_no_model(tmp_path: Path) -> None:
    model = load_model(str(tmp_path))
    with pytest.raises(ModelUnavailableError, match="holds no loadable model"):
        model.load()  # type: ignore[attr-defined]
