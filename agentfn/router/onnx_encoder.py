"""The query-latency path: a BERT sentence encoder run by onnxruntime.

A forward pass of all-MiniLM-L6-v2 costs about 21 MFLOP per token (six layers
of 384-wide products) plus reading every weight once per pass: a request of
~40 tokens is compute-bound on a small CPU, so the levers are fewer passes and
no padding: a request, its steps and its context go through as one packed row
(:func:`agentfn.router._bert.packed`); and, opt-in, int8 weights
(:func:`quantized`, ``RouterConfig.query_int8``), which pay on CPUs with VNNI
int8 dot products (on CPUs without, onnxruntime's int8 GEMM runs near the
float32 rate).
onnxruntime runs the graph with fused kernels, about 3x faster than numpy's
BLAS calls plus ~100 small array operations, and gives the same vectors
(float32 throughout; the equality is tested), so routers built with either
encoder mix freely.

The ONNX graph is written here from the safetensors weights with
``onnx.helper`` (no torch, no exporter, nothing downloaded): the standard
BERT encoder (embeddings + layer norm, per layer fused QKV attention, GELU
feed-forward, post-norm residuals). Pooling stays in numpy
(:mod:`agentfn.router._bert`), shared with the numpy encoder.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from agentfn.exceptions import ConfigError, MissingExtraError
from agentfn.router._bert import (
    Batch,
    BertWeights,
    FloatArray,
    LocalBertEncoder,
    load_bert_weights,
)
from agentfn.router._smooth import calibration_rows, float_products, smoothed

__all__ = ["OnnxBertEncoder", "bert_onnx_model", "cached_int8", "onnx_available", "quantized", "spin_default", "spin_options"]

_OPSET = 20  # first opset with a standard Gelu; LayerNormalization is 17+


def spin_default() -> bool:
    """Whether encoder sessions spin while a pass runs when not told: ``$AGENTFN_ENCODER_SPIN``
    (``1``, ``true``, ``yes``, ``on``), else no."""
    return os.environ.get("AGENTFN_ENCODER_SPIN", "").strip().lower() in {"1", "true", "yes", "on"}


def spin_options(spin: bool) -> dict[str, str]:
    """onnxruntime session entries for intra-op threads that spin only while a pass runs (``spin``)
    or never.

    Never spinning, a worker sleeps after each operator and is woken for the next: on a small CPU
    that wake-up is a real share of a short pass. Spinning, it waits busy, and onnxruntime's
    default then keeps it spinning after the pass too, taking CPU from whatever runs between
    requests (the agent loop); ``session.force_spinning_stop`` ends the spin with the pass.
    """
    if not spin:
        return {"session.intra_op.allow_spinning": "0"}
    return {"session.intra_op.allow_spinning": "1", "session.force_spinning_stop": "1"}


def onnx_available() -> bool:
    """True when both ``onnx`` (graph building) and ``onnxruntime`` import."""
    try:
        importlib.import_module("onnx")
        importlib.import_module("onnxruntime")
    except ImportError:
        return False
    return True


class _GraphBuilder:
    """Appends nodes with unique output names; weights become initializers."""

    def __init__(self) -> None:
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._count = 0

    def const(self, name: str, value: Any) -> str:
        from onnx import numpy_helper

        self.initializers.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(self, op_type: str, *inputs: str, **attrs: Any) -> str:
        from onnx import helper

        self._count += 1
        out = f"{op_type.lower()}_{self._count}"
        self.nodes.append(helper.make_node(op_type, list(inputs), [out], name=out, **attrs))
        return out


_CONTRIB = "com.microsoft"
"""onnxruntime's own operator domain (``Attention``)."""

Attend = Callable[[str, str, str], str]
"""One layer's attention: (hidden, fused query-key-value weights, their bias) -> context before the output product."""


def _attention(g: _GraphBuilder, same: str, heads: int, dim: int) -> Attend:
    """Attention in standard operators: other segments' keys get -1e9 before the softmax."""
    head_dim = dim // heads
    pad = g.op("Where", same, g.const("zero", np.float32(0.0)), g.const("neg", np.float32(-1e9)))
    pad = g.op("Unsqueeze", pad, g.const("axis_1b", np.array([1], dtype=np.int64)))  # broadcast over heads
    split_heads = g.const("shape_qkv", np.array([0, 0, 3, heads, head_dim], dtype=np.int64))
    merge_heads = g.const("shape_hidden", np.array([0, 0, dim], dtype=np.int64))
    scale = g.const("scale", np.float32(1.0 / np.sqrt(head_dim)))
    picks = [g.const(f"pick_{i}", np.int64(i)) for i in range(3)]

    def attend(x: str, qkv_w: str, qkv_b: str) -> str:
        qkv = g.op("Add", g.op("MatMul", x, qkv_w), qkv_b)
        qkv = g.op("Transpose", g.op("Reshape", qkv, split_heads), perm=[2, 0, 3, 1, 4])  # 3, n, h, t, d
        q, k, v = (g.op("Gather", qkv, pick, axis=0) for pick in picks)
        scores = g.op("Add", g.op("Mul", g.op("MatMul", q, g.op("Transpose", k, perm=[0, 1, 3, 2])), scale), pad)
        ctx = g.op("MatMul", g.op("Softmax", scores, axis=-1), v)
        return g.op("Reshape", g.op("Transpose", ctx, perm=[0, 2, 1, 3]), merge_heads)

    return attend


def _fused_attention(g: _GraphBuilder, same: str, heads: int) -> Attend:
    """Attention as one ``com.microsoft.Attention`` node per layer, masked by a (batch, tokens, tokens) 0/1 mask."""
    from onnx import TensorProto

    mask = g.op("Cast", same, to=TensorProto.INT32)

    def attend(x: str, qkv_w: str, qkv_b: str) -> str:
        return g.op("Attention", x, qkv_w, qkv_b, mask, domain=_CONTRIB, num_heads=heads)

    return attend


def bert_onnx_model(weights: BertWeights, *, fused_attention: bool = False) -> Any:
    """An ``onnx.ModelProto`` computing BERT's last hidden state.

    Inputs (int64, batch x tokens): ``input_ids``, ``position_ids`` and
    ``segment_ids`` (see :class:`~agentfn.router._bert.Batch`: texts packed in
    a row attend only within themselves, 0 is padding). Output: ``hidden``
    (batch x tokens x dim).

    ``fused_attention`` writes each layer's attention (query, key and value product, per-head
    scores, segment mask, softmax, context) as one onnxruntime ``com.microsoft.Attention`` node
    instead of about fifteen standard ones: the same float32 arithmetic (hidden states within
    ~2e-6), fewer operators for the intra-op threads to meet at. The int8 copy
    (:func:`quantized`) is built from the standard graph, whose products it rewrites one by one.
    """
    from onnx import TensorProto, helper

    g = _GraphBuilder()
    w = weights
    heads, dim = w.heads, w.dim
    eps = float(w.eps)
    x = g.op(
        "Add",
        g.op("Add", g.op("Gather", g.const("word", w.word), "input_ids"), g.op("Gather", g.const("pos", w.pos), "position_ids")),
        g.const("type0", w.type0),
    )
    x = g.op("LayerNormalization", x, g.const("emb_ln_w", w.emb_ln[0]), g.const("emb_ln_b", w.emb_ln[1]), axis=-1, epsilon=eps)
    # A token attends only to its own segment (one text of a packed row; padding is segment 0).
    same = g.op("Equal", g.op("Unsqueeze", "segment_ids", g.const("axis_2", np.array([2], dtype=np.int64))),
                g.op("Unsqueeze", "segment_ids", g.const("axis_1", np.array([1], dtype=np.int64))))
    attend = _fused_attention(g, same, heads) if fused_attention else _attention(g, same, heads, dim)
    for i, layer in enumerate(w.layers):
        c = {name: g.const(f"l{i}_{name}", value) for name, value in layer.items()}
        attn = g.op("Add", g.op("MatMul", attend(x, c["qkv_w"], c["qkv_b"]), c["o_w"]), c["o_b"])
        x = g.op("LayerNormalization", g.op("Add", x, attn), c["ln1_w"], c["ln1_b"], axis=-1, epsilon=eps)
        inner = g.op("Gelu", g.op("Add", g.op("MatMul", x, c["i_w"]), c["i_b"]))
        ffn = g.op("Add", g.op("MatMul", inner, c["f_w"]), c["f_b"])
        x = g.op("LayerNormalization", g.op("Add", x, ffn), c["ln2_w"], c["ln2_b"], axis=-1, epsilon=eps)
    g.nodes.append(helper.make_node("Identity", [x], ["hidden"]))
    graph = helper.make_graph(
        g.nodes,
        "bert_encoder",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
            helper.make_tensor_value_info("position_ids", TensorProto.INT64, ["batch", "tokens"]),
            helper.make_tensor_value_info("segment_ids", TensorProto.INT64, ["batch", "tokens"]),
        ],
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", "tokens", dim])],
        g.initializers,
    )
    opsets = [helper.make_opsetid("", _OPSET)] + ([helper.make_opsetid(_CONTRIB, 1)] if fused_attention else [])
    model = helper.make_model(graph, opset_imports=opsets, producer_name="agentfn")
    model.ir_version = 10  # onnxruntime >= 1.18 reads IR 10; newer onnx writes higher by default
    return model


def quantized(model: Any, calibration: list[list[int]] | None = None) -> bytes:
    """``model`` with its weight products in int8: onnxruntime's dynamic quantisation, built here
    from the same graph (nothing downloaded).

    Every ``MatMul`` with a weight matrix gets int8 weights, one scale per output column
    ("per channel": per-tensor scales cost ~4x the error), and int8 activations quantised
    per pass; embeddings, layer norms, attention scores and softmax stay float32. With
    ``calibration`` token rows (:func:`~agentfn.router._smooth.calibration_rows`), the products'
    input outliers are first moved into their weights and the feed-forward output products stay
    float32 (:mod:`agentfn.router._smooth`): request vectors at a cosine of ~0.9995 with float32's
    instead of ~0.994, for about two thirds of the int8 saving.
    """
    import tempfile

    quantization: Any = importlib.import_module("onnxruntime.quantization")
    quiet = logging.root.manager.disable
    logging.disable(logging.WARNING)  # it logs advice about pre-processing to the root logger
    try:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "int8.onnx"
            keep: list[str] = []
            if calibration:
                model = smoothed(model, calibration)
                keep = float_products(model)
            quantization.quantize_dynamic(model, str(out), op_types_to_quantize=["MatMul"], per_channel=True,
                                          weight_type=quantization.QuantType.QInt8, nodes_to_exclude=keep)
            return out.read_bytes()
    finally:
        logging.disable(quiet)


def _quantize(weights: BertWeights, rows: list[list[int]]) -> bytes:
    return quantized(bert_onnx_model(weights), rows)


_INT8_FORMAT = 1
"""Bumped whenever :func:`quantized` or its calibration changes what it writes: older cached copies are ignored."""


def cached_int8(folder: Path, runtime: str, build: Callable[[], bytes]) -> bytes:
    """The int8 graph of ``folder``'s weights from ``$AGENTFN_HOME/encoders/`` (default ``~/.agentfn``),
    else ``build()`` (several seconds of calibration and quantisation) written there for the next process.

    Keyed by the weights' sha256, the onnxruntime version ``runtime`` (whose quantiser wrote it) and
    :data:`_INT8_FORMAT`; written whole and renamed (no torn reads). A home that cannot be written to
    only costs the cache.
    """
    import hashlib
    import tempfile

    digest = hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest()
    home = Path(os.environ.get("AGENTFN_HOME") or Path.home() / ".agentfn") / "encoders"
    path = home / f"{digest[:16]}-int8-ort{runtime}-v{_INT8_FORMAT}.onnx"
    if path.exists():
        return path.read_bytes()
    model = build()
    try:
        home.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=home, suffix=".onnx")
        with os.fdopen(fd, "wb") as fh:
            fh.write(model)
        os.replace(tmp, path)
    except OSError:
        pass
    return model


class OnnxBertEncoder(LocalBertEncoder):
    """A BERT sentence-transformers model (mean pooling, normalised) on onnxruntime.

    Args:
        folder: a sentence-transformers folder with ``model.safetensors``,
            ``config.json`` (``model_type: bert``) and ``tokenizer.json``.
        spec: the string recorded in saved routers; defaults to the folder.
        max_length: tokens per text (sentence-transformers' ``max_seq_length``).
        threads: onnxruntime intra-op threads; default ``$AGENTFN_ENCODER_THREADS``
            or onnxruntime's choice (one per physical core).
        spin: let the intra-op worker threads spin between a pass's operators instead of
            sleeping and being woken for each (about a hundred per pass), and stop them when
            the pass ends (:func:`spin_options`): a bounded spin, no CPU taken between requests.
            Default ``$AGENTFN_ENCODER_SPIN`` (``1``/``0``), else off. It pays on an idle machine;
            on one whose cores are all busy a spinning thread holds a core its partner waits for.
        int8: run an int8 copy of the graph (:func:`quantized`, calibrated on rows of the
            tokenizer's own words, :mod:`agentfn.router._smooth`): less CPU per token where the
            CPU has int8 dot products (VNNI); vectors close to, not equal to, float32's. Built once
            per weights and onnxruntime version and cached on disk (:func:`cached_int8`).
        layers: run only the first this many transformer layers (None: all); the hidden states
            are then those of that layer, for :mod:`agentfn.router.shallow_encoder`. Not with ``int8``.
        fused_attention: each layer's attention as one onnxruntime ``Attention`` operator
            (:func:`bert_onnx_model`; the same vectors within float rounding, less CPU per pass);
            False: standard operators only. The int8 copy always uses the standard graph.

    Raises:
        MissingExtraError: onnx or onnxruntime is not installed (``agentfn[router]``).
    """

    def __init__(
        self, folder: str | Path, *, spec: str | None = None, max_length: int | None = None, threads: int | None = None,
        int8: bool = False, spin: bool | None = None, layers: int | None = None, fused_attention: bool = True,
    ) -> None:
        try:
            # Untyped package: bind it as Any rather than sprinkle ignores.
            ort: Any = importlib.import_module("onnxruntime")
        except ImportError as exc:
            raise MissingExtraError("the onnxruntime router encoder", extra="router", module="onnxruntime") from exc
        try:
            importlib.import_module("onnx")
        except ImportError as exc:
            raise MissingExtraError("the onnxruntime router encoder", extra="router", module="onnx") from exc
        weights = load_bert_weights(Path(folder))
        if layers is not None:
            if int8:
                raise ConfigError("OnnxBertEncoder: int8 runs the whole model; pass layers or int8, not both")
            weights.layers = weights.layers[:layers]
        self.layers = len(weights.layers)
        super().__init__(Path(folder), weights.dim, spec=spec, max_length=max_length)
        options = ort.SessionOptions()
        threads = threads or int(os.environ.get("AGENTFN_ENCODER_THREADS", "0") or 0)
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.spin = spin_default() if spin is None else spin
        for key, value in spin_options(self.spin).items():
            options.add_session_config_entry(key, value)
        options.log_severity_level = 3
        self.int8 = int8
        self.fused_attention = fused_attention and not int8
        if int8:
            tok = self._tok
            rows = calibration_rows(tok.get_vocab(), tok.token_to_id("[CLS]") or 101, tok.token_to_id("[SEP]") or 102)
            model = cached_int8(Path(folder), str(ort.__version__), partial(_quantize, weights, rows))
        else:
            model = bert_onnx_model(weights, fused_attention=self.fused_attention).SerializeToString()
        del weights  # the session holds its own copy; don't keep two
        self._session: Any = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])

    def _hidden(self, batch: Batch) -> FloatArray:
        feeds = {"input_ids": batch.tokens, "position_ids": batch.positions, "segment_ids": batch.segments}
        return np.asarray(self._session.run(["hidden"], feeds)[0], dtype=np.float32)
