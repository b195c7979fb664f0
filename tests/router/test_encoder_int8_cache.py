"""The int8 MiniLM graph is built once per weights and onnxruntime version, then read from
``$AGENTFN_HOME/encoders/``; a home that cannot be written to only costs the cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from agentfn.router.encoder import Encoder
from agentfn.router.onnx_encoder import OnnxBertEncoder, cached_int8


def _never() -> bytes:
    raise AssertionError("built again although cached")


def test_built_once_then_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, encoder: Encoder) -> None:
    assert isinstance(encoder, OnnxBertEncoder)
    monkeypatch.setenv("AGENTFN_HOME", str(tmp_path))
    assert cached_int8(encoder.folder, "1.0", lambda: b"graph one") == b"graph one"
    assert [p.name.endswith(".onnx") for p in (tmp_path / "encoders").iterdir()] == [True]
    assert cached_int8(encoder.folder, "1.0", _never) == b"graph one"
    # Another onnxruntime wrote nothing usable here: built afresh, kept beside the first.
    assert cached_int8(encoder.folder, "2.0", lambda: b"graph two") == b"graph two"
    assert len(list((tmp_path / "encoders").iterdir())) == 2


def test_unwritable_home_still_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, encoder: Encoder) -> None:
    assert isinstance(encoder, OnnxBertEncoder)
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("AGENTFN_HOME", str(blocked))
    assert cached_int8(encoder.folder, "1.0", lambda: b"graph") == b"graph"


def test_a_cached_int8_encoder_gives_the_vectors_of_a_fresh_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, encoder: Encoder
) -> None:
    assert isinstance(encoder, OnnxBertEncoder)
    monkeypatch.setenv("AGENTFN_HOME", str(tmp_path))
    texts = ["rename the shared folder to 'Q3 reports' and tell the team", "weather in Lisbon on Sunday"]
    fresh = OnnxBertEncoder(encoder.folder, int8=True)
    assert len(list((tmp_path / "encoders").glob("*-int8-*.onnx"))) == 1
    again = OnnxBertEncoder(encoder.folder, int8=True)
    assert np.array_equal(fresh.encode(texts), again.encode(texts))
    assert float(np.min(np.sum(again.encode(texts) * encoder.encode(texts), axis=1))) > 0.99
