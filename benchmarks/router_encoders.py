"""Cheaper request encoders for the router, side by side with the default MiniLM: quality and latency.

Variants (all over the foreign benchmark's registry, ``agentfn.evals.router_data``):
the default router (all-MiniLM-L6-v2 on onnxruntime, every request-side token
encoded); the same with request-side texts cut to their first N tokens
(``RouterConfig(request_tokens=N)``; tool vectors unchanged); MiniLM with one
onnxruntime thread (the same vectors, so only latency is measured); and the
static token table distilled from MiniLM (``RouterConfig(encoder="minilm-static")``,
tools re-embedded with it); requests through MiniLM's first k layers and a linear map fitted
onto the full model's vectors (``RouterConfig(encoder="minilm-lK")``, tool vectors unchanged;
``agentfn.router.shallow_encoder``), for every request or only long ones (``minilm-lK-fromN``). Quality: recall@1/5 and complete-set hit@5 over all
foreign requests, recall@5 on the generated test split, abstention F1 on the
foreign abstention items. Latency: every foreign request routed once more,
wall and process-CPU p50/p95 and the encode stage. A variant may become the
default only if its recall@5 (all foreign and generated test) and abstention F1 stay within
``TOLERANCE`` of the default's.

    .venv/bin/python benchmarks/router_encoders.py [--cuts 64 32] [--no-abstention] [--timed 400]
        [--layers 2 3 4] [--long-from 48] [--only KEY...]

Writes benchmarks/results/router_encoders.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
TOLERANCE = 0.005
QUALITY = ("recall@1", "recall@5", "hit@5")


def _pct(values: list[float], q: float) -> float:
    import numpy as np

    return float(np.percentile(np.asarray(values), q)) if values else 0.0


def _latency(router: Any, requests: list[str]) -> dict[str, float]:
    router.query_cache_size = 0
    router.route(requests[0])
    wall: list[float] = []
    proc: list[float] = []
    enc: list[float] = []
    for text in requests:
        got: dict[str, float] = {}
        s, p = time.perf_counter(), time.process_time()
        router.route(text, stages=got)
        wall.append((time.perf_counter() - s) * 1e3)
        proc.append((time.process_time() - p) * 1e3)
        enc.append(got.get("encode", 0.0))
    return {"p50_ms": _pct(wall, 50), "p95_ms": _pct(wall, 95), "process_cpu_p50_ms": _pct(proc, 50),
            "process_cpu_p95_ms": _pct(proc, 95), "encode_p50_ms": _pct(enc, 50), "encode_p95_ms": _pct(enc, 95)}


def _quality(router: Any, data: Any, abstention: bool) -> dict[str, Any]:
    from agentfn.evals.router_data import abstain_scores, router_abstentions, score_foreign

    s = score_foreign(router, data)
    out: dict[str, Any] = {f"foreign_{k}": s["all_foreign"][k] for k in QUALITY}
    out["generated_recall@5"] = s["generated_test"]["recall@5"]
    if abstention:
        out["abstain_f1"] = abstain_scores(data.abstain, router_abstentions(router, data, data.abstain))["f1"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cuts", type=int, nargs="*", default=[64, 32])
    ap.add_argument("--no-abstention", action="store_true")
    ap.add_argument("--timed", type=int, default=400, help="foreign requests in the latency pass")
    ap.add_argument("--layers", type=int, nargs="*", default=[2, 3, 4], help="shallow request encoders (minilm-lK)")
    ap.add_argument("--long-from", type=int, nargs="*", default=[48],
                    help="shallow (first --layers[1] layers) only for requests of at least this many tokens")
    ap.add_argument("--name", default="router_encoders", help="results file stem")
    ap.add_argument("--only", nargs="*", default=None, help="run only these variant keys (the default always runs)")
    args = ap.parse_args()

    from router_bench import cached_foreign_router  # pyright: ignore[reportMissingImports, reportUnknownVariableType]

    from agentfn.evals.layer_map_fit import write_layer_map
    from agentfn.evals.router_data import load_router_data
    from agentfn.router import Router, RouterConfig
    from agentfn.router.encoder import default_model_dir, load_encoder
    from agentfn.router.onnx_encoder import OnnxBertEncoder
    from agentfn.router.shallow_encoder import parse_shallow_spec

    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)  # one BLAS thread: two spin-wait on each other on a shared 2-core box
    except ImportError:
        pass
    data = load_router_data()
    recs = data.records()
    base = cached_foreign_router(recs)
    names = base.names()
    vecs, heads = base.index.live_vectors(names), base.index.live_heads(names)
    ordered = [base.record(n) for n in names]
    requests = [e.text for e in data.examples() if e.source != "generated" and e.gold][: args.timed]
    load_start = list(os.getloadavg())

    def minilm(config: RouterConfig, encoder: Any = None) -> Any:
        return Router.build(ordered, encoder=encoder or base.encoder, config=config, embeddings=vecs, head_embeddings=heads)

    variants: list[tuple[str, str, Any, bool]] = [("minilm", "MiniLM (default)", base, True)]
    variants += [(f"minilm_cut{n}", f"MiniLM, requests cut to {n} tokens", minilm(RouterConfig(request_tokens=n)), True)
                 for n in args.cuts]
    one = OnnxBertEncoder(default_model_dir(), spec=base.config.encoder, threads=1)
    variants.append(("minilm_1thread", "MiniLM, 1 onnxruntime thread", minilm(RouterConfig(), one), False))
    variants.append(("static", "static table from MiniLM", Router.build(ordered, config=RouterConfig(encoder="minilm-static")), True))
    shallow = [(f"minilm-l{k}", f"MiniLM's first {k} layers + fitted map (requests)") for k in args.layers]
    mid = args.layers[len(args.layers) // 2] if args.layers else 3
    shallow += [(f"minilm-l{mid}-from{n}", f"first {mid} layers + map for requests of {n}+ tokens, else MiniLM")
                for n in args.long_from]
    for spec, label in shallow:
        parsed = parse_shallow_spec(spec)
        assert parsed is not None
        write_layer_map(parsed[0])
        variants.append((spec, label, minilm(RouterConfig(encoder=spec), load_encoder(spec)), True))
    if args.only is not None:
        variants = [v for v in variants if v[0] == "minilm" or v[0] in args.only]
    rows: list[dict[str, Any]] = []
    for key, label, router, measure in variants:
        row: dict[str, Any] = {"key": key, "label": label, "latency": _latency(router, requests)}
        row["quality"] = _quality(router, data, not args.no_abstention) if measure else None
        print(json.dumps(row), flush=True)
        rows.append(row)
    ref = rows[0]["quality"]
    for row in rows:
        q = row["quality"]
        row["within_tolerance"] = q is None or all(
            q[k] >= ref[k] - TOLERANCE for k in ("foreign_recall@5", "generated_recall@5", "abstain_f1") if k in q and k in ref)
    out = {
        "command": " ".join(["python benchmarks/router_encoders.py", *sys.argv[1:]]),
        "tolerance": TOLERANCE,
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cores": os.cpu_count(),
                    "load_avg_start": load_start, "load_avg_end": list(os.getloadavg())},
        "tools": len(recs), "requests": len(requests),
        "rows": rows,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(out, indent=1))
    (RESULTS / f"{args.name}.md").write_text(render_markdown(out))
    print(render_markdown(out))


def render_markdown(data: dict[str, Any]) -> str:
    m = data["machine"]
    loads = " / ".join(", ".join(f"{x:.1f}" for x in m[k]) for k in ("load_avg_start", "load_avg_end"))
    ref = data["rows"][0]
    lines = [
        "# Router request encoders: quality and latency",
        "",
        f"Command: `{data['command']}`. {data['tools']} tools (the foreign benchmark's registry), "
        f"{data['requests']} foreign requests timed (each encoded afresh). Machine: {m['cores']} cores, load average "
        f"(1, 5, 15 min) at the start / end: {loads} (wall times on a shared box include waiting for a core). "
        f"A variant can become the default only if recall@5 (all foreign and generated test) and abstention F1 stay within "
        f"{data['tolerance']} of the default's.",
        "",
        "| encoder | all foreign recall@1 | recall@5 | hit@5 | generated test recall@5 | abstention F1 | within tolerance "
        "| wall p50 / p95 ms | p50 vs default | process CPU p50 / p95 ms | encode p50 / p95 ms |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for row in data["rows"]:
        q, lat = row["quality"], row["latency"]
        if q is None:
            qual = "same vectors as the default | | | | |"
        else:
            f1 = f"{q['abstain_f1']:.3f}" if "abstain_f1" in q else "not run"
            qual = (f"{q['foreign_recall@1']:.3f} | {q['foreign_recall@5']:.3f} | {q['foreign_hit@5']:.3f} | "
                    f"{q['generated_recall@5']:.3f} | {f1} |")
        ratio = lat["p50_ms"] / max(ref["latency"]["p50_ms"], 1e-9)
        lines.append(
            f"| {row['label']} | {qual} {'yes' if row['within_tolerance'] else 'no'} | {lat['p50_ms']:.2f} / {lat['p95_ms']:.2f} "
            f"| {ratio:.2f}x | {lat['process_cpu_p50_ms']:.2f} / {lat['process_cpu_p95_ms']:.2f} "
            f"| {lat['encode_p50_ms']:.2f} / {lat['encode_p95_ms']:.2f} |")
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
