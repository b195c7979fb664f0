"""Which onnxruntime form of MiniLM a request should run on: CPU per request against closeness to float32.

Variants of the same graph (:func:`agentfn.router.onnx_encoder.bert_onnx_model`), each run on 150 foreign
requests of the routing benchmark (one request per pass, as routing does):

* ``float32`` (2 and 1 intra-op threads): the default;
* ``int8 dynamic``: :func:`agentfn.router.onnx_encoder.quantized` (``query_int8``): int8 weights per
  output column, activations quantised per pass (one scale per tensor);
* ``int8 dynamic, FFN output float``: the same, the feed-forward output products left in float32
  (their inputs, GELU outputs, carry the outliers);
* ``int8 blocks of 32 / 128``: ``MatMulNBits`` (8-bit weights, one scale per block of 32 or 128
  inputs, activations quantised per block: ``accuracy_level=4``), built here from the weights.

Closeness: cosine of each request's pooled vector with float32's (mean, 5th percentile, min).

    .venv/bin/python benchmarks/router_int8_kernels.py

Writes benchmarks/results/router_int8_kernels.{json,md}.
"""

from __future__ import annotations

import json
import logging
import os
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

RESULTS = Path(__file__).parent / "results"


def _blocks(model: Any, block: int) -> Any:
    """``model`` with every weight product as an 8-bit ``MatMulNBits`` (symmetric, one scale per block)."""
    from onnx import helper, numpy_helper

    g = model.graph
    weights = {i.name: i for i in g.initializer}
    nodes: list[Any] = []
    for n in g.node:
        if n.op_type != "MatMul" or n.input[1] not in weights:
            nodes.append(n)
            continue
        w = numpy_helper.to_array(weights[n.input[1]]).astype(np.float32)  # K x N
        k, cols = w.shape
        wt = w.T.reshape(cols, k // block, block)
        scale = np.maximum(np.abs(wt).max(-1), 1e-12) / 127.0
        q = (np.clip(np.round(wt / scale[..., None]), -128, 127) + 128).astype(np.uint8)
        g.initializer.extend([numpy_helper.from_array(q, n.input[1] + "_q"),
                              numpy_helper.from_array(scale.astype(np.float32).reshape(-1), n.input[1] + "_s")])
        nodes.append(helper.make_node("MatMulNBits", [n.input[0], n.input[1] + "_q", n.input[1] + "_s"], list(n.output),
                                      name=n.name, domain="com.microsoft", K=k, N=cols, bits=8, block_size=block,
                                      accuracy_level=4))
    used = {i for n in nodes for i in n.input}
    kept = [i for i in g.initializer if i.name in used]
    del g.node[:]
    g.node.extend(nodes)
    del g.initializer[:]
    g.initializer.extend(kept)
    model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return model


def _dynamic(model: Any, skip: tuple[str, ...] = ()) -> bytes:
    quantization: Any = __import__("onnxruntime.quantization", fromlist=["quantize_dynamic"])
    exclude = [n.name for n in model.graph.node if n.op_type == "MatMul" and any(i.endswith(skip) for i in n.input)]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "q.onnx"
        quantization.quantize_dynamic(model, str(out), op_types_to_quantize=["MatMul"], per_channel=True,
                                      weight_type=quantization.QuantType.QInt8, nodes_to_exclude=exclude if skip else [])
        return out.read_bytes()


def main() -> None:
    import onnx
    import onnxruntime as ort

    from agentfn.evals.router_data import load_router_data
    from agentfn.router._bert import load_bert_weights, load_tokenizer, max_seq_length, packed, segment_means
    from agentfn.router.encoder import default_model_dir
    from agentfn.router.onnx_encoder import bert_onnx_model, quantized

    logging.disable(logging.WARNING)
    folder = default_model_dir()
    model = bert_onnx_model(load_bert_weights(folder))
    raw = model.SerializeToString()
    variants: dict[str, tuple[Callable[[], bytes], int]] = {
        "float32": (lambda: raw, 2),
        "float32, 1 thread": (lambda: raw, 1),
        "int8 dynamic (query_int8)": (lambda: quantized(model), 2),
        "int8 dynamic, FFN output float": (lambda: _dynamic(model, ("_f_w",)), 2),
        "int8 blocks of 32": (lambda: _blocks(onnx.load_from_string(raw), 32).SerializeToString(), 2),
        "int8 blocks of 128": (lambda: _blocks(onnx.load_from_string(raw), 128).SerializeToString(), 2),
    }
    tokenizer = load_tokenizer(folder, max_seq_length(folder))
    texts = [e.text for e in load_router_data().examples() if e.gold and e.source != "generated"]
    random.Random(0).shuffle(texts)
    batches = [packed([tokenizer.encode(t).ids]) for t in texts[:150]]
    tokens = [int(b.tokens.shape[1]) for b in batches]
    rows: list[dict[str, Any]] = []
    reference: Any = None
    load_start = list(os.getloadavg())
    for name, (build, threads) in variants.items():
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        session = ort.InferenceSession(build(), options, providers=["CPUExecutionProvider"])
        vecs: list[Any] = []
        cpu: list[float] = []
        wall: list[float] = []
        for b in batches:
            feeds = {"input_ids": b.tokens, "position_ids": b.positions, "segment_ids": b.segments}
            c, w = time.process_time(), time.perf_counter()
            hidden = session.run(["hidden"], feeds)[0]
            cpu.append((time.process_time() - c) * 1e3)
            wall.append((time.perf_counter() - w) * 1e3)
            vecs.append(segment_means(hidden, b)[0])
        v = np.stack(vecs)
        reference = v if reference is None else reference
        cos = (v * reference).sum(1)
        rows.append({"variant": name, "threads": threads, "cpu_ms_mean": float(np.mean(cpu)),
                     "cpu_ms_per_100_tokens": float(np.sum(cpu) / np.sum(tokens) * 100), "wall_ms_p50": float(np.median(wall)),
                     "cos_mean": float(cos.mean()), "cos_p5": float(np.percentile(cos, 5)), "cos_min": float(cos.min())})
        print(json.dumps(rows[-1]), flush=True)
    out = {"command": "python benchmarks/router_int8_kernels.py", "requests": len(batches),
           "tokens_p50": float(np.median(tokens)), "onnxruntime": ort.__version__, "rows": rows,
           "load_avg_start": load_start, "load_avg_end": list(os.getloadavg())}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "router_int8_kernels.json").write_text(json.dumps(out, indent=1))
    (RESULTS / "router_int8_kernels.md").write_text(render_markdown(out))
    print(render_markdown(out))


def render_markdown(data: dict[str, Any]) -> str:
    base = data["rows"][0]["cpu_ms_per_100_tokens"]
    lines = ["# MiniLM on onnxruntime: CPU per request against closeness to float32", "",
             f"Command: `{data['command']}`. {data['requests']} foreign requests (tokens p50 {data['tokens_p50']:.0f}), "
             f"one pass each; onnxruntime {data['onnxruntime']}. Load average at the start / end: "
             f"{', '.join(f'{x:.1f}' for x in data['load_avg_start'])} / {', '.join(f'{x:.1f}' for x in data['load_avg_end'])} "
             "(2 shared cores: process CPU is the steadier figure; wall includes waiting for a core).", "",
             "| variant | intra-op threads | process CPU ms per request | per 100 tokens | vs float32 | wall p50 ms | "
             "cosine with float32 mean / p5 / min |", "|---|---:|---:|---:|---:|---:|---:|"]
    for r in data["rows"]:
        lines.append(f"| {r['variant']} | {r['threads']} | {r['cpu_ms_mean']:.2f} | {r['cpu_ms_per_100_tokens']:.2f} | "
                     f"{base / r['cpu_ms_per_100_tokens']:.2f}x | {r['wall_ms_p50']:.2f} | "
                     f"{r['cos_mean']:.5f} / {r['cos_p5']:.5f} / {r['cos_min']:.5f} |")
    lines += ["", "See the script's docstring for the variants. The graph already runs with onnxruntime's fusions "
              "(SkipLayerNormalization, BiasGelu, FusedMatMul at the default optimisation level).", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
