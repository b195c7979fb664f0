"""The int8 twin's smoothing (agentfn.router._smooth): exact in float32, closer to float32 once in int8."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from agentfn.router._bert import load_bert_weights, load_tokenizer, packed
from agentfn.router._smooth import calibration_rows, float_products, smoothed
from agentfn.router.encoder import default_model_dir

ort: Any = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

from agentfn.router.onnx_encoder import bert_onnx_model, quantized  # noqa: E402


def _hidden(blob: bytes, ids: list[list[int]]) -> np.ndarray:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(blob, options, providers=["CPUExecutionProvider"])
    b = packed(ids)
    return session.run(["hidden"], {"input_ids": b.tokens, "position_ids": b.positions, "segment_ids": b.segments})[0]


def _means(hidden: np.ndarray, ids: list[list[int]]) -> np.ndarray:
    out, at = [], 0
    for row in ids:
        v = hidden[0, at : at + len(row)].mean(0)
        out.append(v / np.linalg.norm(v))
        at += len(row)
    return np.stack(out)


def test_smoothing_keeps_the_float_graph_and_brings_int8_closer() -> None:
    folder = default_model_dir()
    model = bert_onnx_model(load_bert_weights(folder))
    tok = load_tokenizer(folder, 256)
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    rows = calibration_rows(tok.get_vocab(), cls, sep, rows=12)
    assert rows == calibration_rows(tok.get_vocab(), cls, sep, rows=12)  # fixed seed: the same twin every time
    assert all(r[0] == cls and r[-1] == sep and 10 <= len(r) <= 122 for r in rows)
    even = smoothed(model, rows)
    assert len(float_products(even)) == 6  # one feed-forward output product per layer stays float32
    texts = ["move 120 pounds from savings to the joint account on the first of every month",
             "which of my repositories got new issues since Monday, and who opened them",
             "put the dentist on my calendar for Thursday at 9 and text Maria the address"]
    ids = [e.ids for e in tok.encode_batch(texts)]
    exact = _hidden(model.SerializeToString(), ids)
    assert np.allclose(_hidden(even.SerializeToString(), ids), exact, atol=1e-3)  # same products, reordered
    ref = _means(exact, ids)
    plain = np.sum(_means(_hidden(quantized(model), ids), ids) * ref, axis=1)
    smooth = np.sum(_means(_hidden(quantized(model, rows), ids), ids) * ref, axis=1)
    assert smooth.mean() > plain.mean() and smooth.min() > 0.995
