"""What an int8 MiniLM costs the router in quality, on the foreign benchmark.

Three arms over the same foreign registry (``agentfn.evals.router_data``, seed
0, 1,500 OpenAPI distractors), each the default hybrid router:

* ``float32``: the default (tools and requests through float32 MiniLM);
* ``query_int8``: ``RouterConfig(query_int8=True)``: requests through an int8
  copy of MiniLM (:func:`agentfn.router.onnx_encoder.quantized`), tools float32;
* ``int8 both``: tools re-embedded with the int8 copy too (what a router whose
  encoder is int8 throughout would score).

Speed is in ``router_latency.md`` (``hybrid_int8``).

    .venv/bin/python benchmarks/router_int8.py

Writes benchmarks/results/router_int8.{json,md}.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
KEYS = ("recall@1", "recall@5", "hit@5", "multi_hit@5", "selected_exact", "false_abstain")


def _arm(router: Any, data: Any, *, abstention: bool = True) -> dict[str, Any]:
    from agentfn.evals.router_data import abstain_scores, router_abstentions, score_foreign

    router.route(data.examples()[0].text)
    scores = score_foreign(router, data)["all_foreign"]
    if not abstention:
        return {**{k: scores[k] for k in KEYS}, "abstain_f1": None}
    decisions = router_abstentions(router, data, data.abstain)
    return {**{k: scores[k] for k in KEYS}, "abstain_f1": abstain_scores(data.abstain, decisions)["f1"]}


def main() -> None:
    from router_bench import cached_foreign_router  # pyright: ignore[reportMissingImports, reportUnknownVariableType]
    from threadpoolctl import threadpool_limits

    from agentfn.evals.router_data import load_router_data
    from agentfn.router.encoder import with_request_tokens

    threadpool_limits(1)
    data = load_router_data(seed=0, distractors=1500)
    router: Any = cached_foreign_router(data.records())
    encoder = router.encoder
    arms: dict[str, Any] = {}
    start = time.perf_counter()
    arms["float32"] = _arm(router, data)
    print("float32", arms["float32"], flush=True)
    router.scorer.query_cache.clear()
    int8: Any = with_request_tokens(encoder, None, int8=True)
    router.index.encoder = int8
    arms["query_int8"] = _arm(router, data, abstention=False)
    print("query_int8", arms["query_int8"], flush=True)
    router.set_encoder(int8.queries)  # re-embeds every tool and head with the int8 copy
    arms["int8 both"] = _arm(router, data)
    print("int8 both", arms["int8 both"], flush=True)
    out = {"command": "python benchmarks/router_int8.py", "tools": len(data.records()), "arms": arms,
           "seconds": time.perf_counter() - start, "load_avg_end": list(os.getloadavg())}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "router_int8.json").write_text(json.dumps(out, indent=1))
    (RESULTS / "router_int8.md").write_text(render(out))
    print(render(out))


def render(out: dict[str, Any]) -> str:
    base = out["arms"]["float32"]
    lines = ["# Router quality with an int8 MiniLM (foreign benchmark)", "",
             f"Command: `{out['command']}`. Foreign registry of {out['tools']} tools, all foreign requests; "
             "the default hybrid router in three arms (see the script's docstring). Differences are against float32.", "",
             "| arm | " + " | ".join(KEYS) + " | abstention F1 |", "|---|" + "---:|" * (len(KEYS) + 1)]
    for name, arm in out["arms"].items():
        cells = ["–" if arm[k] is None else f"{arm[k]:.4f}" + ("" if name == "float32" else f" ({arm[k] - base[k]:+.4f})")
                 for k in (*KEYS, "abstain_f1")]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "Abstention F1 is scored by routers over each item's offered tools, built by the evaluation "
              "harness with an encoder wrapper that embeds requests through `encode` (the tool-side path), so a "
              "request-side-only int8 arm cannot be told apart there: `query_int8` has no abstention figure."]
    return "\n".join([*lines, ""])


if __name__ == "__main__":
    main()
