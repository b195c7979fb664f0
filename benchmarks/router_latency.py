"""Router latency per stage at 1k and 10k tools, on foreign (often multi-sentence) and generated requests.

Registry: the generated set's tools (seed 0, embedded once) plus noisy copies
up to the size (copies' vectors are the originals' plus small Gaussian noise,
renormalised, as in ``router_bench.py``), so every size holds real tool texts
for BM25 and real vectors. Requests: every foreign request of the routing
benchmark (``agentfn.evals.router_data``; tau2 and AgentDojo requests run to
several sentences) and as many generated ones. Each request is routed with
``Router.route(..., stages=...)``; the default router (re-ranker off: nothing
fitted, no planner) is timed beside the pure-lexical router (BM25 only, what a
user would pick for speed) and the default router on the static token table
distilled from MiniLM (``RouterConfig(encoder="minilm-static")``, tools
embedded with it; its quality: ``router_encoders.py``).

    .venv/bin/python benchmarks/router_latency.py [--sizes 1000 10000] [--requests 400]

Writes benchmarks/results/router_latency.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
STAGES = ("encode", "score", "rerank", "abstain", "select", "plan")
DENSE: dict[str, dict[str, Any]] = {
    "hybrid_before": {},
    "hybrid": {},
    "hybrid_encoded": {"bare_vector": "encoded"},
    "hybrid_blend_all": {"blend_candidates": 0},
    "hybrid_int8_long": {"query_int8": True, "query_int8_min_tokens": 80},
    "hybrid_int8_48": {"query_int8": True, "query_int8_min_tokens": 48},
    "hybrid_int8": {"query_int8": True},
    "hybrid_spin": {},
    "hybrid_int8_48_spin": {"query_int8": True, "query_int8_min_tokens": 48},
    "hybrid_l3": {"encoder": "minilm-l3"},
    "hybrid_l3_48": {"encoder": "minilm-l3-from48"},
}
"""The MiniLM routers timed, as :class:`RouterConfig` changes from the default."""
SPIN = ("hybrid_spin", "hybrid_int8_48_spin")
"""Routers whose MiniLM session spins while a pass runs (``OnnxBertEncoder(spin=True)``, a bounded spin)."""
SHALLOW = ("hybrid_l3", "hybrid_l3_48")
"""Routers whose requests go through MiniLM's first 3 layers and a fitted map (``agentfn.router.shallow_encoder``)."""
UNFUSED = ("hybrid_before",)
"""Routers on the path before w56: MiniLM's attention in standard onnxruntime operators
(``OnnxBertEncoder(fused_attention=False)``) and the tool matrix stored row by row."""
BEFORE = "hybrid_before"
"""The router on the path before: plans and times are compared with its."""


def _pct(values: list[float], q: float) -> float:
    import numpy as np

    return float(np.percentile(np.asarray(values), q)) if values else 0.0


def _timed(routers: dict[str, Any], requests: list[str], plans: dict[str, list[Any]]) -> dict[str, dict[str, Any]]:
    """Every router on every request, interleaved: request by request, the routers in a rotating order, so
    a busy spell on a shared box falls on every arm alike."""
    names = list(routers)
    for router in routers.values():
        router.route(requests[0])
    wall: dict[str, list[float]] = {n: [] for n in names}
    cpu: dict[str, list[float]] = {n: [] for n in names}
    proc: dict[str, list[float]] = {n: [] for n in names}
    stages: dict[str, dict[str, list[float]]] = {n: {s: [] for s in STAGES} for n in names}
    for i, text in enumerate(requests):
        for name in names[i % len(names):] + names[: i % len(names)]:
            got: dict[str, float] = {}
            s, c, p = time.perf_counter(), time.thread_time(), time.process_time()
            plan = routers[name].route(text, stages=got)
            wall[name].append((time.perf_counter() - s) * 1e3)
            cpu[name].append((time.thread_time() - c) * 1e3)
            proc[name].append((time.process_time() - p) * 1e3)
            for k in STAGES:
                stages[name][k].append(got.get(k, 0.0))
            if name in plans:
                plans[name].append(plan)
    return {n: {
        "p50_ms": _pct(wall[n], 50), "p95_ms": _pct(wall[n], 95), "cpu_p50_ms": _pct(cpu[n], 50),
        "cpu_p95_ms": _pct(cpu[n], 95), "process_cpu_p50_ms": _pct(proc[n], 50), "process_cpu_p95_ms": _pct(proc[n], 95),
        "stages": {k: {"p50_ms": _pct(v, 50), "p95_ms": _pct(v, 95)} for k, v in stages[n].items()},
    } for n in names}


def _dense(recs: list[Any], encoder: Any, vecs: Any, heads: Any, config: Any, *, by_row: bool = False) -> Any:
    """A hybrid router over ``recs`` from precomputed vectors, encoding every request afresh (``by_row``:
    its tool matrix stored row by row, as before w56)."""
    import numpy as np

    from agentfn.router import Router

    r = Router.build(recs, encoder=encoder, embeddings=vecs, head_embeddings=heads, config=config)
    r.query_cache_size = 0  # every request is encoded: no cache hits
    if by_row:
        r.index.emb = np.ascontiguousarray(r.index.emb)
    return r


def _agreement(base: list[Any], other: list[Any]) -> dict[str, float]:
    """Share of requests whose plan matches ``base``: same top-10 names in order, same top 1, same
    selection and abstention."""
    pairs = list(zip(base, other, strict=True))
    same = lambda f: sum(f(a) == f(b) for a, b in pairs) / max(len(pairs), 1)  # noqa: E731
    return {"ranked": same(lambda p: [n for n, _ in p.ranked]), "top1": same(lambda p: p.ranked[:1] and p.ranked[0][0]),
            "selected": same(lambda p: p.selected), "abstain": same(lambda p: p.abstain)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--name", default="router_latency", help="results file stem")
    ap.add_argument("--arms", nargs="*", default=None, help=f"only these MiniLM routers ({BEFORE} always runs)")
    args = ap.parse_args()
    arms = {k: v for k, v in DENSE.items() if args.arms is None or k in args.arms or k == BEFORE}

    import numpy as np
    from router_bench import scaled_tools  # pyright: ignore[reportMissingImports, reportUnknownVariableType]

    from agentfn.evals.evalset import build_evalset
    from agentfn.evals.layer_map_fit import write_layer_map
    from agentfn.evals.router_data import load_router_data
    from agentfn.router import Router, RouterConfig
    from agentfn.router.encoder import load_encoder
    from agentfn.router.onnx_encoder import OnnxBertEncoder

    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)  # one BLAS thread: two spin-wait on each other on a shared 2-core box
    except ImportError:
        pass
    es = build_evalset(0)
    base = Router.build(es.tools)
    names = base.names()
    base_vecs = base.index.live_vectors(names)
    base_heads = base.index.live_heads(names)
    records = [base.record(n) for n in names]
    data = load_router_data()
    foreign = [e.text for e in data.examples() if e.source != "generated" and e.gold]
    rng = random.Random(0)
    generated = [q.text for q in rng.sample(es.queries, max(args.requests - len(foreign), 0))]
    requests = (foreign + generated)[: args.requests]
    words = [len(t.split()) for t in requests]
    spinning = OnnxBertEncoder(base.encoder.folder, spec=base.encoder.spec, spin=True)
    unfused = OnnxBertEncoder(base.encoder.folder, spec=base.encoder.spec, fused_attention=False)
    encoders = {name: spinning if name in SPIN else unfused if name in UNFUSED else base.encoder for name in arms}
    for name in SHALLOW:
        if name in arms:
            write_layer_map(3)
            encoders[name] = load_encoder(arms[name]["encoder"])
    count = getattr(base.encoder, "token_count", None)
    tokens = [count(t) for t in requests] if count is not None else [0]
    load_start = list(os.getloadavg())
    rows: list[dict[str, Any]] = []
    for n in args.sizes:
        # Tool and head vectors get the same noise treatment (each half renormalised).
        recs, both = scaled_tools(records, np.concatenate([base_vecs, base_heads], axis=1), n, seed=n)
        vecs, heads = (h / np.linalg.norm(h, axis=1, keepdims=True) for h in np.split(both, 2, axis=1))
        dense = {name: _dense(recs, encoders[name], vecs, heads, RouterConfig(**update), by_row=name in UNFUSED)
                 for name, update in arms.items()}
        lexical = Router.build(recs, encoder=None)
        static = Router.build(recs, config=RouterConfig(encoder="minilm-static"))
        static.query_cache_size = 0
        plans: dict[str, list[Any]] = {name: [] for name in arms}
        row: dict[str, Any] = {"tools": n}
        row |= _timed({**dense, "lexical": lexical, "static": static}, requests, plans)
        row["agreement"] = {name: _agreement(plans[BEFORE], plans[name]) for name in arms if name != BEFORE}
        print(json.dumps(row), flush=True)
        rows.append(row)
        del dense, lexical, static, vecs
    out = {
        "command": " ".join(["python benchmarks/router_latency.py", *sys.argv[1:]]),
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cores": os.cpu_count(),
                    "load_avg_start": load_start, "load_avg_end": list(os.getloadavg()),
                    "encoder_threads": os.environ.get("AGENTFN_ENCODER_THREADS") or "onnxruntime default"},
        "requests": {"total": len(requests), "foreign": min(len(foreign), len(requests)), "interleaved": True,
                     "words_p50": float(np.percentile(words, 50)), "words_p95": float(np.percentile(words, 95)),
                     "tokens_p50": float(np.percentile(tokens, 50)), "tokens_p95": float(np.percentile(tokens, 95))},
        "rows": rows,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(out, indent=1))
    (RESULTS / f"{args.name}.md").write_text(render_markdown(out))
    print(render_markdown(out))


def render_markdown(data: dict[str, Any]) -> str:
    req = data["requests"]
    machine = data["machine"]
    loads = [", ".join(f"{x:.1f}" for x in machine[k]) for k in ("load_avg_start", "load_avg_end") if k in machine]
    lines = [
        "# Router latency per stage",
        "",
        f"Command: `{data['command']}`. {req['total']} requests ({req['foreign']} foreign, the rest generated; "
        f"words per request p50 {req['words_p50']:.0f}, p95 {req['words_p95']:.0f}; MiniLM tokens p50 "
        f"{req.get('tokens_p50', 0):.0f}, p95 {req.get('tokens_p95', 0):.0f}), each encoded afresh"
        + ("; every router routes each request in turn (a rotating order), so load on a shared box falls on all "
           "alike. " if req.get("interleaved") else ". ")
        +
        f"Machine: {machine['cores']} cores, load average (1, 5, 15 min) at the start / end: "
        f"{' / '.join(loads)} (on a shared box wall times include waiting for a core). "
        "CPU is the routing thread's own time; process CPU adds the encoder's worker thread "
        f"(onnxruntime intra-op threads: {machine.get('encoder_threads', 'onnxruntime default')}).",
        "",
        f"| tools | router | wall p50 / p95 ms | p50 vs lexical | wall p50 / p95 vs {BEFORE} | CPU p50 / p95 ms | "
        f"process CPU p50 / p95 ms | process CPU p50 vs {BEFORE} | " + " | ".join(f"{s} p50 / p95" for s in STAGES) + " |",
        "|---:|---|---:|---:|---:|---:|---:|---:|" + "---:|" * len(STAGES),
    ]
    for row in data["rows"]:
        for name in (*DENSE, "static", "lexical"):
            if name not in row:
                continue
            r = row[name]
            ratio = r["p50_ms"] / max(row["lexical"]["p50_ms"], 1e-9)
            b = row.get(BEFORE, r)
            vs = (f"{r['p50_ms'] / max(b['p50_ms'], 1e-9):.2f}x / {r['p95_ms'] / max(b['p95_ms'], 1e-9):.2f}x | "
                  if BEFORE in row else "– | ")
            pvs = (f"{r.get('process_cpu_p50_ms', 0.0) / max(b.get('process_cpu_p50_ms', 0.0), 1e-9):.2f}x"
                   if BEFORE in row else "–")
            st = " | ".join(f"{r['stages'][s]['p50_ms']:.2f} / {r['stages'][s]['p95_ms']:.2f}" for s in STAGES)
            lines.append(f"| {row['tools']} | {name} | {r['p50_ms']:.2f} / {r['p95_ms']:.2f} | {ratio:.1f}x | {vs}"
                         f"{r['cpu_p50_ms']:.2f} / {r['cpu_p95_ms']:.2f} | "
                         f"{r.get('process_cpu_p50_ms', 0.0):.2f} / {r.get('process_cpu_p95_ms', 0.0):.2f} | {pvs} | {st} |")
    agree = [(row["tools"], name, a) for row in data["rows"] for name, a in row.get("agreement", {}).items()]
    if agree:
        lines += ["", f"Plans against `{BEFORE}` (share of requests with the same top-10 in order / top 1 / "
                  "selection / abstention):", "", "| tools | router | ranked | top 1 | selected | abstain |",
                  "|---:|---|---:|---:|---:|---:|"]
        lines += [f"| {n} | {name} | {a['ranked']:.3f} | {a['top1']:.3f} | {a['selected']:.3f} | {a['abstain']:.3f} |"
                  for n, name, a in agree]
    lines += ["", f"`{BEFORE}` is the default router on the path before w56: MiniLM's attention in standard "
              "onnxruntime operators (`OnnxBertEncoder(fused_attention=False)`) and the tool matrix stored row by "
              "row. `hybrid` is the default router (BM25 + MiniLM, data-flow selection, the abstention model, which "
              "compares the request and the request without its values with the top tools' name-and-first-sentence "
              "vectors, embedded with the tools; no re-ranker, no planner), now with each MiniLM layer's attention one "
              "fused onnxruntime `Attention` operator (same vectors within 1e-5) and the tool matrix stored column "
              "by column (`agentfn/router/index.py`: a matrix-vector product about twice as fast per tool, same "
              "cosines up to float rounding). Each word of a request is encoded once: "
              "one forward pass over the request (and its context), its steps (requests over 30 words) and its bare "
              "text (the words between its values) pooled from the request's token states "
              "(`agentfn/router/request_pass.py`). `hybrid_encoded` is the router before that: the bare text, and the "
              "steps of shorter requests, encoded as texts of their own in the same packed pass "
              "(`bare_vector=\"encoded\"`). `hybrid_blend_all` blends each tool's head into every tool's score "
              "(`blend_candidates=0`) instead of each request's best 512 by an estimate (`agentfn/router/blend.py`). "
              "`hybrid_int8` sends every request through an int8 copy of MiniLM (`query_int8=True`; tools stay "
              "float32; activation outliers moved into the weights before quantising and the feed-forward output "
              "products left float32, `agentfn/router/_smooth.py`); `hybrid_int8_long` only requests of 80 tokens or more (`query_int8_min_tokens=80`, about a "
              "fifth of these requests), `hybrid_int8_48` those of 48 tokens or more. `hybrid_spin` and "
              "`hybrid_int8_48_spin` are `hybrid` and `hybrid_int8_48` on a MiniLM session whose worker "
              "threads spin while a pass runs and stop with it (`OnnxBertEncoder(spin=True)` or "
              "`AGENTFN_ENCODER_SPIN=1`: a bounded spin). `static` is the default router on the static token table distilled from "
              "MiniLM (`RouterConfig(encoder=\"minilm-static\")`, no forward pass; its quality is in "
              "`router_encoders.md`); `hybrid_l3` sends every request through MiniLM's first 3 layers and a linear "
              "map fitted onto the full model's vectors (`RouterConfig(encoder=\"minilm-l3\")`, tools stay full "
              "MiniLM, `agentfn/router/shallow_encoder.py`), `hybrid_l3_48` only requests of 48 tokens or more; "
              "their quality is in `router_encoders.md`. `lexical` is the same router without an encoder. Quality of the pooled pass "
              "and of the int8 arms: `router_passes.md`.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
