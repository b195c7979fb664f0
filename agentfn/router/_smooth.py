"""The int8 twin's graph: activation outliers moved into the weights before quantising (SmoothQuant).

onnxruntime's dynamic quantisation gives each weight product int8 weights (one
scale per output column) and int8 *activations* with one scale per pass. A
BERT layer norm's output has a few channels many times larger than the rest
(up to ~15x the median channel in all-MiniLM-L6-v2), so one scale for the
whole activation leaves the other channels a handful of int8 steps: request
vectors moved to a cosine of ~0.994 with float32's, enough to reorder the
top tools (top-1 agreement 0.72-0.83 at 10,000 tools).

:func:`smoothed` divides each product's input channel ``j`` by
``s_j = amax_j ** alpha / wmax_j ** (1 - alpha)`` (an explicit ``Mul`` in the
graph, float32) and multiplies row ``j`` of the weight matrix by ``s_j``: the
product is unchanged in exact arithmetic, the activation's channels are
evened out and the weights absorb the spread, which their per-column scales
handle. ``amax`` comes from a float32 run over calibration token rows
(:func:`calibration_rows`: sequences of the tokenizer's own whole-word
vocabulary, nothing read from data). The feed-forward output products (input:
GELU, outliers the weights cannot absorb) stay float32 (:func:`float_products`).

Guarantees: the float32 graph returned by :func:`smoothed` computes the same
hidden states as the input graph up to float rounding; only products named by
the caller are changed; nothing is downloaded or read besides the model.
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["calibration_rows", "float_products", "smoothed"]

SMOOTHED = ("qkv_w", "o_w", "i_w")
"""Weight products (initializer name suffixes of :func:`~agentfn.router.onnx_encoder.bert_onnx_model`)
whose inputs are smoothed and quantised."""
FLOAT = ("f_w",)
"""Weight products left in float32: the feed-forward output, fed by GELU."""
ALPHA = 0.6
"""Migration strength: 0 leaves activations as they are, 1 moves all their range into the weights.
Swept over 0.4-0.6 on request vectors' cosine with float32's (0.6 best, 0.9995 mean)."""


def _weight_products(model: Any, suffixes: Sequence[str]) -> list[Any]:
    inits = {i.name for i in model.graph.initializer}
    return [n for n in model.graph.node
            if n.op_type == "MatMul" and n.input[1] in inits and n.input[1].endswith(tuple(suffixes))]


def float_products(model: Any) -> list[str]:
    """Node names of the products the int8 twin keeps in float32 (``nodes_to_exclude``)."""
    return [n.name for n in _weight_products(model, FLOAT)]


def calibration_rows(vocab: dict[str, int], cls: int, sep: int, rows: int = 48, seed: int = 0) -> list[list[int]]:
    """``rows`` token rows ``[CLS] w1 ... wn [SEP]`` of 8-120 whole-word vocabulary entries (fixed seed)."""
    words = sorted(i for t, i in vocab.items() if t.isalpha() and t.islower() and len(t) > 2)
    rng = np.random.default_rng(seed)
    lengths = rng.integers(8, 121, size=rows)
    return [[cls, *(int(x) for x in rng.choice(words, size=int(n))), sep] for n in lengths]


def _input_ranges(model: Any, nodes: list[Any], rows: list[list[int]]) -> dict[str, npt.NDArray[np.float32]]:
    """Per product input, each channel's largest absolute value over the calibration rows (float32 run)."""
    onnx: Any = importlib.import_module("onnx")
    ort: Any = importlib.import_module("onnxruntime")
    probe = copy.deepcopy(model)
    names = list(dict.fromkeys(n.input[0] for n in nodes))
    for name in names:
        probe.graph.output.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(probe.SerializeToString(), options, providers=["CPUExecutionProvider"])
    out = {name: np.zeros(0, dtype=np.float32) for name in names}
    for row in rows:
        ids = np.asarray([row], dtype=np.int64)
        feeds = {"input_ids": ids, "position_ids": np.arange(len(row), dtype=np.int64)[None],
                 "segment_ids": np.ones_like(ids)}
        for name, value in zip(names, session.run(names, feeds), strict=True):
            peak = np.abs(np.asarray(value, dtype=np.float32)).reshape(-1, value.shape[-1]).max(0)
            out[name] = peak if out[name].size == 0 else np.maximum(out[name], peak)
    return out


def smoothed(model: Any, rows: list[list[int]], alpha: float = ALPHA) -> Any:
    """A copy of ``model`` whose :data:`SMOOTHED` products read evened-out inputs (see the module docstring)."""
    numpy_helper: Any = importlib.import_module("onnx.numpy_helper")
    helper: Any = importlib.import_module("onnx.helper")
    out = copy.deepcopy(model)
    nodes = _weight_products(out, SMOOTHED)
    ranges = _input_ranges(out, nodes, rows)
    inits = {i.name: i for i in out.graph.initializer}
    chosen = {id(n) for n in nodes}
    graph: list[Any] = []
    for node in out.graph.node:
        if id(node) in chosen:
            w = numpy_helper.to_array(inits[node.input[1]]).astype(np.float32)
            amax = np.maximum(ranges[node.input[0]], 1e-5)
            wmax = np.maximum(np.abs(w).max(axis=1), 1e-5)
            s = (amax**alpha / wmax ** (1.0 - alpha)).astype(np.float32)
            inits[node.input[1]].CopyFrom(numpy_helper.from_array((w * s[:, None]).astype(np.float32), node.input[1]))
            inv = f"{node.name}_inv_scale"
            out.graph.initializer.append(numpy_helper.from_array((1.0 / s).astype(np.float32), inv))
            graph.append(helper.make_node("Mul", [node.input[0], inv], [f"{node.name}_smoothed"], name=f"{node.name}_smooth"))
            node.input[0] = f"{node.name}_smoothed"
        graph.append(node)
    del out.graph.node[:]
    out.graph.node.extend(graph)
    return out
