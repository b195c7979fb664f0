"""The numpy MiniLM encoder against sentence-transformers, and model-file checks."""

from __future__ import annotations

import numpy as np
import pytest

from agentfn.exceptions import ConfigError
from agentfn.router.encoder import Encoder, NumpyBertEncoder, default_model_dir, load_encoder
from agentfn.router.onnx_encoder import OnnxBertEncoder


def test_default_model_is_the_verified_offline_minilm(encoder: Encoder) -> None:
    folder = default_model_dir()
    assert (folder / "model.safetensors").exists()
    assert isinstance(encoder, OnnxBertEncoder)  # onnxruntime is part of agentfn[router]
    assert encoder.dim == 384
    assert load_encoder() is encoder  # memoised per process


def test_vectors_are_normalised_and_order_preserving(encoder: Encoder) -> None:
    texts = ["short", "a much longer sentence about sending an email to the whole team today", "weather in Paris"]
    vecs = encoder.encode(texts, batch_size=2)
    assert vecs.shape == (3, 384) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    for i, t in enumerate(texts):
        assert np.allclose(encoder.encode([t])[0], vecs[i], atol=1e-5)
    assert encoder.encode([]).shape == (0, 384)


@pytest.mark.slow
def test_numpy_forward_matches_sentence_transformers(encoder: Encoder) -> None:
    sentence_transformers = pytest.importorskip("sentence_transformers")
    model = sentence_transformers.SentenceTransformer(str(default_model_dir()), device="cpu")
    texts = ["convert 20 USD to EUR and email it to Ann", "List the files in a directory.", "x" * 600]
    ref = model.encode(texts, normalize_embeddings=True)
    assert np.abs(encoder.encode(texts) - ref).max() < 1e-5


def test_non_bert_folder_is_rejected(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "config.json").write_text('{"model_type": "t5"}')
    with pytest.raises(ConfigError):
        NumpyBertEncoder(tmp_path)
