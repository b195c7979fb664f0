"""What a model planner adds to routing, and what it costs: router alone vs router + ModelPlanner.

Run: ``.venv/bin/python benchmarks/planner_bench.py [--base-url URL --model NAME] [--limit N]``.
Writes ``benchmarks/results/planner.json`` and ``planner.md``.

Without ``--base-url`` it starts the vLLM CPU server the integration tests use (SmolLM2-135M
served with xgrammar structured outputs; needs ~4 GB and the ``vllm`` extra) and stops it at the
end. The router is the default hybrid router over the generated eval set's registry (seed 0); the
requests are ``--limit`` of its requests taken at even intervals (all kinds: single, multi, none).
Both sides route the same requests in the same run; the planner's account (calls, fallbacks and
why, tokens, latency of its model call) comes from the same run.
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
REPO = Path(__file__).resolve().parents[1]
COMPARED = ("recall@1", "recall@5", "recall@10", "complete_hit@5", "selected_exact", "selected_set", "abstain_f1")


def sample(queries: list[Any], limit: int) -> list[Any]:
    """``limit`` requests at even intervals over the whole set (keeps its mix of kinds)."""
    if limit >= len(queries):
        return list(queries)
    step = len(queries) / limit
    return [queries[int(i * step)] for i in range(limit)]


def run(base_url: str | None, model_name: str | None, limit: int, planner_k: int) -> dict[str, Any]:
    from agentfn.backends import load_model
    from agentfn.evals.evalset import build_evalset
    from agentfn.evals.planner import evaluate_planner
    from agentfn.router import Router
    from agentfn.router.planner import ModelPlanner

    server: Any = None
    served = {"base_url": base_url, "model": model_name, "started_here": False}
    if base_url is None:
        sys.path.insert(0, str(REPO))
        from agentfn.backends.embedded import ensure_embedded_model
        from tests.integration.vllm_server import VLLMServer

        server = VLLMServer(str(ensure_embedded_model())).start()
        base_url, model_name = server.base_url, server.served_name
        served.update(base_url=base_url, model=model_name, started_here=True, startup_s=server.startup_seconds)
    try:
        evalset = build_evalset(0)
        queries = sample(evalset.queries, limit)
        started = time.perf_counter()
        router = Router.build(evalset.tools)
        build_s = time.perf_counter() - started
        planner = ModelPlanner(load_model(model_name, base_url=base_url, timeout=300.0), k=planner_k)
        load_start = os.getloadavg()[0]
        report = evaluate_planner(router, queries, planner)
    finally:
        if server is not None:
            server.stop()
    kinds: dict[str, int] = {}
    for q in queries:
        kinds[q.kind] = kinds.get(q.kind, 0) + 1
    meta = {
        "python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
        "load_avg_start": load_start, "load_avg_end": os.getloadavg()[0], "router_build_s": build_s,
        "server": served, "tools": len(evalset.tools), "requests": len(queries), "kinds": kinds,
        "planner_k": planner_k,
    }
    return {"meta": meta, "report": report}


def render_markdown(data: dict[str, Any]) -> str:
    meta, report = data["meta"], data["report"]
    account, plain, planned = report["planner"], report["router"], report["planned"]
    server = meta["server"]
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(meta["kinds"].items()))
    # Every figure below comes from the JSON the run wrote.
    lines = [
        "# Router + model planner vs router alone",
        "",
        f"Planner model: `{account['model']}` at an OpenAI-compatible server"
        + (" (vLLM CPU, started by the script)" if server.get("started_here") else "")
        + f"; it chooses among the router's top {meta['planner_k']} under an enum-constrained JSON schema.",
        f"Registry: the generated eval set (seed 0), {meta['tools']} tools; {meta['requests']} of its requests at even "
        f"intervals ({kinds}). Python {meta['python']}, {meta['machine']}, {meta['cpus']} cores shared with other jobs "
        f"(1-minute load average {meta['load_avg_start']:.1f} at the start, {meta['load_avg_end']:.1f} at the end).",
        f"Command: `.venv/bin/python benchmarks/planner_bench.py --limit {meta['requests']}"
        + ("" if server.get("started_here") else f" --base-url URL --model {server['model']}")
        + ("" if meta["planner_k"] == 8 else f" --planner-k {meta['planner_k']}") + "`"
        + ("" if server.get("started_here") else " (URL: a vLLM CPU server started with `tests/integration/vllm_server.py`)")
        + ".",
        "",
        "| metric | router | router + planner | delta |",
        "|---|---:|---:|---:|",
    ]
    for key in COMPARED:
        lines.append(f"| {key} | {plain[key]:.3f} | {planned[key]:.3f} | {report['delta'][key]:+.3f} |")
    for key in ("p50_ms", "p95_ms"):
        lines.append(f"| latency {key[:3]} per request | {plain['latency'][key]:.1f} ms | "
                     f"{planned['latency'][key]:.1f} ms | x{planned['latency'][key] / max(plain['latency'][key], 1e-9):.0f} |")
    reasons = "; ".join(f"{why} ({n})" for why, n in account["fallback_reasons"].items()) or "none"
    lines += [
        "",
        f"Planner calls: {account['calls']}; answer used {account['planned']}, fell back to the router's plan "
        f"{account['fallback']} (reasons: {reasons}), skipped {account['skipped']}"
        + (f"; the model chose no tool {account['abstained']} times." if "abstained" in account else "."),
        f"Per call: {account['input_tokens_mean']:.0f} input tokens, {account['output_tokens_mean']:.1f} output "
        f"tokens, model latency p50 {account['latency']['p50_ms']:.0f} ms, p95 {account['latency']['p95_ms']:.0f} ms.",
        "",
        "A negative delta means the planner made routing worse. The planner is off by default; use it with a "
        "model that is good at choosing tools, and measure it here first.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", help="an OpenAI-compatible server (default: start the vLLM CPU server)")
    parser.add_argument("--model", help="served model name (with --base-url)")
    parser.add_argument("--limit", type=int, default=60, help="requests to route (default 60)")
    parser.add_argument("--planner-k", type=int, default=8)
    args = parser.parse_args()
    data = run(args.base_url, args.model, args.limit, args.planner_k)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "planner.json").write_text(json.dumps(data, indent=2))
    (RESULTS / "planner.md").write_text(render_markdown(data))
    print(render_markdown(data))


if __name__ == "__main__":
    main()
