"""The onnxruntime encoder gives the numpy encoder's vectors, and falls back cleanly without onnxruntime."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from agentfn.exceptions import ConfigError
from agentfn.router.encoder import Encoder, NumpyBertEncoder, load_encoder
from agentfn.router.onnx_encoder import OnnxBertEncoder

TEXTS = [
    "convert 20 USD to EUR and email it to Ann",
    "x",
    "what's the weather going to be like in Paris tomorrow afternoon and should I bring an umbrella",
    "Überweise 30 € an Jürgen 😀",
    "word " * 400,  # longer than max_seq_length: truncated the same way by both
    "",
]


@pytest.fixture(scope="module")
def numpy_encoder() -> Encoder:
    return load_encoder(backend="numpy")


def test_same_vectors_as_numpy_one_by_one_and_in_padded_batches(encoder: Encoder, numpy_encoder: Encoder) -> None:
    assert isinstance(encoder, OnnxBertEncoder) and isinstance(numpy_encoder, NumpyBertEncoder)
    ref = numpy_encoder.encode(TEXTS)
    assert np.abs(encoder.encode(TEXTS, batch_size=4) - ref).max() < 1e-5
    for i, text in enumerate(TEXTS):
        assert np.abs(encoder.encode([text])[0] - ref[i]).max() < 1e-5
    assert encoder.encode([]).shape == (0, 384)


def test_backends_are_memoised_separately_and_validated(encoder: Encoder) -> None:
    assert load_encoder("minilm", backend="onnx") is load_encoder("minilm", backend="onnx")
    assert load_encoder() is encoder
    with pytest.raises(ConfigError, match="unknown encoder backend 'tensorflow'"):
        load_encoder(backend="tensorflow")


def test_non_bert_folder_is_rejected(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "config.json").write_text('{"model_type": "t5"}')
    with pytest.raises(ConfigError, match="BERT"):
        OnnxBertEncoder(tmp_path)


def test_without_onnxruntime_auto_falls_back_to_numpy_and_onnx_names_the_extra() -> None:
    # A fresh interpreter where importing onnxruntime fails, as on an install without it.
    script = textwrap.dedent(
        """
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name == "onnxruntime" or name.startswith("onnxruntime."):
                    raise ImportError("blocked for the test")
        sys.meta_path.insert(0, Block())
        from agentfn.exceptions import MissingExtraError
        from agentfn.router.encoder import NumpyBertEncoder, load_encoder
        assert isinstance(load_encoder(), NumpyBertEncoder)
        try:
            load_encoder(backend="onnx")
        except MissingExtraError as exc:
            print("ERR", exc)
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "ERR" in out.stdout and "agentfn[router]" in out.stdout and "onnxruntime" in out.stdout


def test_span_vectors_come_from_one_pass_and_agree_across_backends(encoder: Encoder, numpy_encoder: Encoder) -> None:
    assert isinstance(encoder, OnnxBertEncoder) and isinstance(numpy_encoder, NumpyBertEncoder)
    text = "Look up the airport code for Lyon, then search flights from there to Oslo on Friday."
    first = (0, text.index(","))
    second = (text.index("search"), len(text) - 1)
    whole, spans = encoder.encode_spans(text, [first, second, (len(text), len(text))])
    # The whole-request vector is the ordinary one: nothing changes for single-step requests.
    assert np.abs(whole - encoder.encode([text])[0]).max() < 1e-5
    assert spans[2] is None  # no token inside: the caller encodes that step alone
    a, b = spans[0], spans[1]
    assert a is not None and b is not None
    assert abs(float(np.linalg.norm(a)) - 1.0) < 1e-5 and abs(float(np.linalg.norm(b)) - 1.0) < 1e-5
    # Each span keeps what its own words say: closer to its step encoded alone than to the other step.
    alone = encoder.encode([text[first[0]:first[1]], text[second[0]:second[1]]])
    assert float(a @ alone[0]) > float(a @ alone[1])
    assert float(b @ alone[1]) > float(b @ alone[0])
    nwhole, nspans = numpy_encoder.encode_spans(text, [first, second])
    assert np.abs(nwhole - whole).max() < 1e-5
    assert all(x is not None and np.abs(x - y).max() < 1e-4 for x, y in zip(nspans, spans[:2], strict=True))
