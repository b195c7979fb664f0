"""CPU of the abstention stage: every feature (what a fit reads, and what routing computed before) against only
the features the weights use, in one process, on the same routers and requests.

Requests: the foreign benchmark's held-out abstention items (``agentfn.evals.router_data``: each request
offered a few tools, its own or another source's), each routed by a default router over its offered tools
(one memoised encoder, so encoding costs the same in every arm). Arms, interleaved request by request so a
shared machine's load falls on all alike, each going first in turn (the first route of a request fills the
caches keyed by its text; ``--repeats`` a multiple of three gives each arm the same share of first routes):

* ``all features``: ``Router.route(features=...)``, which computes every abstention feature;
* ``used only, shipped weights``: ``Router.route()`` with ``DEFAULT_ABSTAIN_WEIGHTS``;
* ``used only, previous weights``: the same with the weights shipped before (``fit_abstention.PREVIOUS_MODEL``),
  which read fewer features.

Each arm's cost is the routing thread's CPU (``time.thread_time``: waiting for a core does not count) spent in
``Router.abstain_features``, and the wall time of the route's ``abstain`` stage (features and the model).

    .venv/bin/python benchmarks/abstain_cost.py [--requests 300] [--repeats 3]

Writes benchmarks/results/abstain_cost.{json,md}.
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's agentfn, not an installed one

RESULTS = Path(__file__).parent / "results"
ARMS = ("all features", "used only, shipped weights", "used only, previous weights")


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))] if s else 0.0


def main() -> None:
    from fit_abstention import PREVIOUS_MODEL

    from agentfn.evals.router_data import load_router_data
    from agentfn.evals.router_data.scoring import memo_encoder
    from agentfn.router import Router, RouterConfig
    from agentfn.router.abstain import used_features
    from agentfn.router.calibration import DEFAULT_ABSTAIN_WEIGHTS

    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    data = load_router_data()
    recs = {r.name: r for r in data.records()}
    items = [it for it in data.abstain if it.split != "train"][: args.requests]
    enc = memo_encoder(Router.build([]).encoder)
    shipped = dict(DEFAULT_ABSTAIN_WEIGHTS)
    previous = {"bias": PREVIOUS_MODEL["weights"]["bias"], **PREVIOUS_MODEL["weights"]}
    cpu: dict[str, list[float]] = {a: [] for a in ARMS}
    wall: dict[str, list[float]] = {a: [] for a in ARMS}
    for it in items:
        router = Router.build([recs[n] for n in it.offered], encoder=enc, config=RouterConfig(abstain_weights=shipped))
        inner = router.abstain_features
        spent = [0.0]

        def timed(*a: Any, _inner: Any = inner, _spent: list[float] = spent, **kw: Any) -> dict[str, float]:
            start = time.thread_time()
            try:
                return _inner(*a, **kw)
            finally:
                _spent[0] += time.thread_time() - start

        router.abstain_features = timed  # type: ignore[method-assign]
        router.route(it.text, k=len(it.offered))  # warm: vectors, tool levels, vocabularies
        for rep in range(args.repeats):
            # Arms take turns going first: the first route of a request fills the caches keyed by its text.
            for arm in ARMS[rep % len(ARMS):] + ARMS[: rep % len(ARMS)]:
                router.config.abstain_weights = previous if arm.endswith("previous weights") else shipped
                stages: dict[str, float] = {}
                spent[0] = 0.0
                router.route(it.text, k=len(it.offered), stages=stages,
                             features={} if arm == "all features" else None)
                cpu[arm].append(spent[0] * 1e3)
                wall[arm].append(stages.get("abstain", 0.0))
    base = _pct(cpu[ARMS[0]], 0.5)
    out = {
        "command": "python benchmarks/abstain_cost.py " + " ".join(sys.argv[1:]),
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
                    "load": list(os.getloadavg())},
        "requests": len(items),
        "repeats": args.repeats,
        "features_read": {"all features": len(used_features({k: 1.0 for k in shipped if k != "bias"})),
                          "used only, shipped weights": len(used_features(shipped)),
                          "used only, previous weights": len(used_features(previous))},
        "arms": {a: {"cpu_p50_ms": _pct(cpu[a], 0.5), "cpu_p95_ms": _pct(cpu[a], 0.95),
                     "cpu_mean_ms": sum(cpu[a]) / len(cpu[a]), "stage_wall_p50_ms": _pct(wall[a], 0.5),
                     "stage_wall_p95_ms": _pct(wall[a], 0.95),
                     "cpu_p50_vs_all": _pct(cpu[a], 0.5) / base if base else 0.0} for a in ARMS},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "abstain_cost.json").write_text(json.dumps(out, indent=1))
    (RESULTS / "abstain_cost.md").write_text(render_markdown(out))
    sys.stdout.write(render_markdown(out))


def render_markdown(data: dict[str, Any]) -> str:
    m = data["machine"]
    lines = [
        "# Abstention stage CPU: every feature vs only the features the weights use",
        "",
        f"Command: `{data['command']}`; {data['requests']} held-out foreign abstention requests, each routed over "
        f"its offered tools, {data['repeats']} times per arm, arms interleaved. Python {m['python']}, {m['cpus']} "
        f"CPUs, load average at the end {', '.join(f'{x:.1f}' for x in m['load'])}. CPU: the routing thread's "
        "(`time.thread_time`) in `Router.abstain_features`; stage wall: the route's `abstain` stage.",
        "",
        "| arm | features read | CPU p50 ms | CPU p95 ms | CPU mean ms | stage wall p50 ms | stage wall p95 ms | CPU p50 vs all |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for arm, s in data["arms"].items():
        lines.append(f"| {arm} | {data['features_read'][arm]} | {s['cpu_p50_ms']:.3f} | {s['cpu_p95_ms']:.3f} "
                     f"| {s['cpu_mean_ms']:.3f} | {s['stage_wall_p50_ms']:.3f} | {s['stage_wall_p95_ms']:.3f} "
                     f"| {s['cpu_p50_vs_all']:.2f}x |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
