"""The ``encode`` stage of routing under onnxruntime session options: wall, CPU, and whether vectors change.

Each request of ``router_latency.py``'s set (every foreign request of the
routing benchmark, then generated ones) goes through the router's own pass
(:meth:`~agentfn.router._bert.LocalBertEncoder.encode_pooled`, one packed row)
on MiniLM sessions that differ in one option from the shipped one
(``shipped``: onnxruntime's thread count, all graph optimisations, the CPU
memory arena, idle threads not spinning): intra-op threads 1 or 2, graph
optimisation level basic or extended, no arena, spinning threads; and the graph
with each layer's attention one fused onnxruntime ``Attention`` operator
(``OnnxBertEncoder(fused_attention=True)``, what the encoder now ships), with
onnxruntime's thread count and with one thread. Configs take
turns request by request, so load on a shared box falls on all alike (spinning
threads last and alone: their spin would count in the others' process CPU). Reported
per config: wall and process CPU per request (all requests, and the long ones,
64 tokens or more: the latency tail), and whether every vector equals the
shipped session's bit for bit, and the largest difference in any vector entry. Also reported: how many requests' texts exceed one packed row
(:data:`~agentfn.router._bert.PACK_TOKENS`) and go through a padded batch.

    .venv/bin/python benchmarks/router_encoder_options.py [--requests 200] [--reps 2]

Writes benchmarks/results/router_encoder_options.{json,md}.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's agentfn, not an installed one
RESULTS = ROOT / "benchmarks" / "results"
LONG_TOKENS = 64
IDLE_MS = 20


def _pct(values: list[float], q: float) -> float:
    import numpy as np

    return float(np.percentile(np.asarray(values), q)) if values else 0.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--reps", type=int, default=2)
    args = ap.parse_args()

    import numpy as np
    import onnxruntime as ort  # pyright: ignore[reportMissingTypeStubs]

    from agentfn.evals.evalset import build_evalset
    from agentfn.evals.router_data import load_router_data
    from agentfn.router import Router
    from agentfn.router._bert import PACK_TOKENS, load_bert_weights
    from agentfn.router.onnx_encoder import OnnxBertEncoder, bert_onnx_model

    es = build_evalset(0)
    data = load_router_data()
    foreign = [e.text for e in data.examples() if e.source != "generated" and e.gold]
    generated = [q.text for q in random.Random(0).sample(es.queries, max(args.requests - len(foreign), 0))]
    requests = (foreign + generated)[: args.requests]
    folder = Router.build(es.tools[:3]).encoder.folder
    enc = OnnxBertEncoder(folder)
    tokens = [enc.token_count(t) for t in requests]
    weights = load_bert_weights(Path(folder))
    model = bert_onnx_model(weights).SerializeToString()
    fused = bert_onnx_model(weights, fused_attention=True).SerializeToString()
    level = ort.GraphOptimizationLevel
    configs: dict[str, dict[str, Any]] = {
        "shipped": {}, "threads=1": {"threads": 1}, "threads=2": {"threads": 2},
        "graph basic": {"level": level.ORT_ENABLE_BASIC}, "graph extended": {"level": level.ORT_ENABLE_EXTENDED},
        "no arena": {"arena": False}, "fused attention": {"graph": fused},
        "fused attention, threads=1": {"graph": fused, "threads": 1},
        "spinning": {"spin": "1"}, "bounded spin": {"spin": "1", "stop": True},
    }
    spinners = ("spinning", "bounded spin")

    def session(
        threads: int = 0, level: Any = level.ORT_ENABLE_ALL, arena: bool = True, spin: str = "0", stop: bool = False,
        graph: bytes = model,
    ) -> Any:
        o = ort.SessionOptions()
        o.intra_op_num_threads = threads
        o.inter_op_num_threads = 1
        o.add_session_config_entry("session.intra_op.allow_spinning", spin)
        if stop:
            o.add_session_config_entry("session.force_spinning_stop", "1")
        o.log_severity_level = 3
        o.graph_optimization_level = level
        o.enable_cpu_mem_arena = arena
        return ort.InferenceSession(graph, o, providers=["CPUExecutionProvider"])

    sessions = {name: session(**opts) for name, opts in configs.items()}
    wall: dict[str, list[float]] = {name: [] for name in configs}
    cpu: dict[str, list[float]] = {name: [] for name in configs}
    same = dict.fromkeys(configs, True)
    diff = dict.fromkeys(configs, 0.0)
    reference: list[Any] = []
    load_start = list(os.getloadavg())
    # Spinning threads keep burning CPU after a run: each spinning config goes alone, last, so that no
    # other config's process CPU takes in its spin.
    for names in ([name for name in sessions if name not in spinners], *([name] for name in spinners)):
        for rep, (i, text), name in itertools.product(range(args.reps), enumerate(requests), names):
            enc._session = sessions[name]  # pyright: ignore[reportPrivateUsage]
            s, p = time.perf_counter(), time.process_time()
            vec = enc.encode_pooled([text])[0]
            wall[name].append((time.perf_counter() - s) * 1e3)
            cpu[name].append((time.process_time() - p) * 1e3)
            if rep == 0 and name == "shipped":
                reference.append(vec)
            elif rep == 0:
                same[name] = same[name] and bool(np.array_equal(vec, reference[i]))
                diff[name] = max(diff[name], float(np.abs(vec - reference[i]).max()))
    idle: dict[str, float] = {}
    for name in configs:  # process CPU while the caller sleeps IDLE_MS right after a pass: a spin left running
        enc._session = sessions[name]  # pyright: ignore[reportPrivateUsage]
        spent: list[float] = []
        for text in requests[:20]:
            enc.encode_pooled([text])
            p = time.process_time()
            time.sleep(IDLE_MS / 1e3)
            spent.append((time.process_time() - p) * 1e3)
        idle[name] = sum(spent) / len(spent)
    long = [t >= LONG_TOKENS for t in tokens] * args.reps
    rows = []
    for name in configs:
        lw = [w for w, flag in zip(wall[name], long, strict=True) if flag]
        lc = [c for c, flag in zip(cpu[name], long, strict=True) if flag]
        rows.append({"config": name, "options": {k: ("fused" if k == "graph" and v is fused else str(v)) for k, v in configs[name].items()},
                     "wall_p50_ms": _pct(wall[name], 50), "wall_p95_ms": _pct(wall[name], 95),
                     "cpu_p50_ms": _pct(cpu[name], 50), "cpu_p95_ms": _pct(cpu[name], 95),
                     "long_wall_p50_ms": _pct(lw, 50), "long_cpu_p50_ms": _pct(lc, 50), "same_vectors": same[name], "max_diff": diff[name],
                     "idle_cpu_ms": idle[name]})
    out = {
        "command": "python benchmarks/router_encoder_options.py",
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cores": os.cpu_count(),
                    "onnxruntime": ort.__version__, "load_avg_start": load_start, "load_avg_end": list(os.getloadavg())},
        "requests": {"total": len(requests), "reps": args.reps, "tokens_p50": _pct([float(t) for t in tokens], 50),
                     "tokens_p95": _pct([float(t) for t in tokens], 95), "long": sum(t >= LONG_TOKENS for t in tokens),
                     "padded": sum(t > PACK_TOKENS for t in tokens)},
        "rows": rows,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "router_encoder_options.json").write_text(json.dumps(out, indent=1))
    (RESULTS / "router_encoder_options.md").write_text(render_markdown(out))
    print(render_markdown(out))


def render_markdown(data: dict[str, Any]) -> str:
    req, machine = data["requests"], data["machine"]
    loads = " / ".join(", ".join(f"{x:.1f}" for x in machine[k]) for k in ("load_avg_start", "load_avg_end"))
    base = next(r for r in data["rows"] if r["config"] == "shipped")
    lines = [
        "# Router encode stage under onnxruntime session options", "",
        f"Command: `{data['command']}`. {req['total']} requests x {req['reps']} (MiniLM tokens p50 "
        f"{req['tokens_p50']:.0f}, p95 {req['tokens_p95']:.0f}; {req['long']} of {LONG_TOKENS} tokens or more; "
        f"{req['padded']} longer than one packed row, i.e. padded), each through the router's one packed pass; "
        f"onnxruntime {machine['onnxruntime']}, {machine['cores']} cores, load average (1, 5, 15 min) at the "
        f"start / end: {loads} (wall times include waiting for a core; process CPU does not).", "",
        "| config | wall p50 / p95 ms | process CPU p50 / p95 ms | CPU p50 vs shipped | long requests: wall / CPU p50 ms "
        f"| same vectors (largest difference) | CPU in the {IDLE_MS} ms after a pass |",
        "|---|---:|---:|---:|---:|---|---:|",
    ]
    for r in data["rows"]:
        ratio = r["cpu_p50_ms"] / max(base["cpu_p50_ms"], 1e-9)
        lines.append(f"| {r['config']} | {r['wall_p50_ms']:.2f} / {r['wall_p95_ms']:.2f} | {r['cpu_p50_ms']:.2f} / "
                     f"{r['cpu_p95_ms']:.2f} | {ratio:.2f}x | {r['long_wall_p50_ms']:.2f} / {r['long_cpu_p50_ms']:.2f} | "
                     f"{'yes' if r['same_vectors'] else 'no'} ({r.get('max_diff', 0.0):.1e}) | "
                     f"{r.get('idle_cpu_ms', float('nan')):.2f} |")
    lines += ["", "`shipped` is `OnnxBertEncoder`'s session before fused attention (standard operators; intra-op threads: onnxruntime's choice, one per physical "
              "core; graph optimisation: all; CPU arena on; idle threads do not spin). Every other row changes one "
              "option; `bounded spin` (`OnnxBertEncoder(spin=True)`) lets threads spin while a pass runs and stops "
              "them when it ends (`session.force_spinning_stop`); `fused attention` runs each layer's attention as one "
              "onnxruntime `Attention` operator (`OnnxBertEncoder`'s graph now; `fused_attention=False` gives the "
              "standard one); the last column is the process CPU spent while "
              "the caller sleeps right after a pass (a spin left running). A request's texts are packed end to end in one row (`agentfn/router/_bert.py`), so there is "
              "no padding to remove unless they exceed one row.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
