"""What encoding each word of a request once costs the router in quality, and what it saves in encoder work.

A request's vectors (its own, its steps', its bare text's for abstention) come
from one forward pass. Arms, each the default hybrid router with one setting
changed (:mod:`agentfn.router.request_pass`):

* ``encoded``: the bare text (and each step of a request of up to 30 words)
  goes through the encoder as a text of its own, packed into the request's
  pass (``RouterConfig(bare_vector="encoded")``, the router before);
* ``pooled``: the bare text is pooled from the request's own token states
  (the default now); steps as before;
* ``pooled + span steps``: every step pooled too (``step_vectors="spans"``);
* ``pooled + int8 from 80 tokens``: requests of 80 tokens or more (about a fifth; the ones that set
  the p95 latency) through the int8 copy of MiniLM (``query_int8=True, query_int8_min_tokens=80``);
* ``pooled + int8 from 48 tokens`` / ``from 32 tokens``: the same from lower thresholds (most foreign
  requests; few generated ones);
* ``pooled + int8``: every request through the int8 copy (``query_int8=True``).

Quality: the foreign benchmark (``agentfn.evals.router_data``, seed 0, 1,500
OpenAPI distractors: all foreign requests, the generated test requests, and
abstention over each item's offered tools) and the project's generated eval
set (``agentfn.evals.evalset``, seed 0). Cost: tokens the encoder reads per
request (counted on the foreign requests' routing passes; wall time on a shared
box is noise, tokens are not) and the ``encode`` stage's wall time.

    .venv/bin/python benchmarks/router_passes.py [--skip-evalset]

Writes benchmarks/results/router_passes.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
FOREIGN_KEYS = ("recall@1", "recall@5", "hit@5", "multi_hit@5", "selected_exact", "false_abstain")
EVALSET_KEYS = ("recall@5", "complete_hit@5", "selected_exact", "abstain_f1")
ARMS: dict[str, dict[str, Any]] = {
    "encoded": {"bare_vector": "encoded", "step_vectors": "auto"},
    "pooled": {"bare_vector": "pooled", "step_vectors": "auto"},
    "pooled + span steps": {"bare_vector": "pooled", "step_vectors": "spans"},
    "pooled + int8 from 80 tokens": {"bare_vector": "pooled", "query_int8": True, "query_int8_min_tokens": 80},
    "pooled + int8 from 48 tokens": {"bare_vector": "pooled", "query_int8": True, "query_int8_min_tokens": 48},
    "pooled + int8 from 32 tokens": {"bare_vector": "pooled", "query_int8": True, "query_int8_min_tokens": 32},
    "pooled + int8": {"bare_vector": "pooled", "query_int8": True, "query_int8_min_tokens": 0},
}
TOLERANCE = 0.005


class TokenCounter:
    """Wraps the router's encoder and counts the tokens of every request-side pass."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.tokens = 0

    def __getattr__(self, name: str) -> Any:  # spec, dim, encode (tool texts: not counted), token_count
        return getattr(self.inner, name)

    def _count(self, texts: Sequence[str]) -> None:
        self.tokens += sum(self.inner.token_count(t) for t in texts)

    def encode_packed(self, texts: list[str], spans: Any = ()) -> Any:
        self._count(texts)
        return self.inner.encode_packed(texts, spans)

    def encode_pooled(self, texts: list[str], groups: Any = ()) -> Any:
        self._count(texts)
        return self.inner.encode_pooled(texts, groups)


def _pct(values: list[float], q: float) -> float:
    import numpy as np

    return float(np.percentile(np.asarray(values), q)) if values else 0.0


def _cost(router: Any, requests: list[str]) -> dict[str, float]:
    """Tokens read and ``encode`` stage wall time per request, every request encoded afresh."""
    counter = TokenCounter(router.index.encoder)
    router.index.encoder = counter
    router.route(requests[0])
    tokens: list[float] = []
    encode: list[float] = []
    try:
        for text in requests:
            counter.tokens = 0
            stages: dict[str, float] = {}
            router.route(text, stages=stages)
            tokens.append(counter.tokens)
            encode.append(stages["encode"])
    finally:
        router.index.encoder = counter.inner
    return {"tokens_p50": _pct(tokens, 50), "tokens_p95": _pct(tokens, 95), "tokens_mean": sum(tokens) / len(tokens),
            "encode_p50_ms": _pct(encode, 50), "encode_p95_ms": _pct(encode, 95)}


def _apply(router: Any, config: Any, encoders: dict[int, Any]) -> None:
    """``config`` on ``router``, its request-side encoder options applied to the encoder it was built with."""
    from agentfn.router.encoder import with_request_tokens

    router.config = config
    router.index.encoder = with_request_tokens(encoders[id(router)], config.request_tokens, int8=config.query_int8,
                                               int8_from=config.query_int8_min_tokens)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-evalset", action="store_true", help="only the foreign benchmark")
    ap.add_argument("--arms", default=",".join(ARMS),
                    help="comma-separated arm names; the others are kept from router_passes.json")
    args = ap.parse_args()
    from router_bench import cached_foreign_router, cached_router  # pyright: ignore[reportMissingImports, reportUnknownVariableType]
    from threadpoolctl import threadpool_limits

    from agentfn.evals.evalset import build_evalset
    from agentfn.evals.evaluate import evaluate
    from agentfn.evals.router_data import abstain_scores, load_router_data, router_abstentions, score_foreign

    threadpool_limits(1)
    data = load_router_data(seed=0, distractors=1500)
    foreign_router: Any = cached_foreign_router(data.records())
    evalset = build_evalset(0)
    eval_router: Any = None if args.skip_evalset else cached_router(evalset)
    requests = [e.text for e in data.examples() if e.source != "generated" and e.gold]
    defaults = foreign_router.config
    previous = RESULTS / "router_passes.json"
    arms: dict[str, Any] = json.loads(previous.read_text())["arms"] if previous.exists() else {}
    encoders = {id(r): r.index.encoder for r in (foreign_router, eval_router) if r is not None}
    start = time.perf_counter()
    load_start = list(os.getloadavg())
    for name in args.arms.split(","):
        _apply(foreign_router, defaults.model_copy(update=ARMS[name]), encoders)
        foreign_router.scorer.query_cache.clear()
        foreign_router.query_cache_size = 0
        arm: dict[str, Any] = {"cost": _cost(foreign_router, requests)}
        foreign_router.query_cache_size = 1024
        scores = score_foreign(foreign_router, data)
        arm["foreign"] = {k: scores["all_foreign"][k] for k in FOREIGN_KEYS}
        arm["generated_test"] = {k: scores["generated_test"][k] for k in ("recall@5", "hit@5")}
        arm["abstain_f1"] = abstain_scores(data.abstain, router_abstentions(foreign_router, data, data.abstain))["f1"]
        if eval_router is not None:
            _apply(eval_router, eval_router.config.model_copy(update=ARMS[name]), encoders)
            eval_router.scorer.query_cache.clear()
            m = evaluate(eval_router, evalset)
            arm["evalset"] = {k: float(m[k]) for k in EVALSET_KEYS}
        arms[name] = arm
        print(name, json.dumps(arm), flush=True)
    arms = {name: arms[name] for name in ARMS if name in arms}
    out = {"command": "python benchmarks/router_passes.py", "tools": len(data.records()), "requests": len(requests),
           "arms": arms, "seconds": time.perf_counter() - start,
           "load_avg_start": load_start, "load_avg_end": list(os.getloadavg())}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "router_passes.json").write_text(json.dumps(out, indent=1))
    (RESULTS / "router_passes.md").write_text(render_markdown(out))
    print(render_markdown(out))


def _quality(arm: dict[str, Any]) -> list[tuple[str, float]]:
    cells = [(f"foreign {k}", arm["foreign"][k]) for k in ("recall@5", "hit@5", "multi_hit@5", "selected_exact")]
    cells += [("abstention F1", arm["abstain_f1"]), ("generated test recall@5", arm["generated_test"]["recall@5"])]
    if "evalset" in arm:
        cells += [(f"eval set {k}", arm["evalset"][k]) for k in EVALSET_KEYS]
    return cells


def render_markdown(out: dict[str, Any]) -> str:
    arms = out["arms"]
    base_name = next(iter(arms))
    base = dict(_quality(arms[base_name]))
    names = [k for k, _ in _quality(arms[base_name])]
    lines = ["# Each word of a request encoded once: quality and encoder work", "",
             f"Command: `{out['command']}`. Foreign registry of {out['tools']} tools; costs over its "
             f"{out['requests']} foreign requests, each encoded afresh. Load average at the start / end: "
             f"{', '.join(f'{x:.1f}' for x in out['load_avg_start'])} / {', '.join(f'{x:.1f}' for x in out['load_avg_end'])} "
             "(2 shared cores: wall times are noisy, token counts are not). Differences are against "
             f"`{base_name}`; an arm holds quality when every recall@5, hit@5 and abstention F1 stays within "
             f"{TOLERANCE} (or rise).", "",
             "| arm | encoder tokens per request p50 / p95 / mean | encode ms p50 / p95 | "
             + " | ".join(names) + " | holds quality |",
             "|---|---:|---:|" + "---:|" * len(names) + "---|"]
    for name, arm in arms.items():
        c = arm["cost"]
        q = _quality(arm)
        cells = [f"{v:.4f}" + ("" if name == base_name else f" ({v - base[k]:+.4f})") for k, v in q]
        keys = [k for k, _ in q if k.endswith(("recall@5", "hit@5", "F1", "abstain_f1"))]
        holds = all(dict(q)[k] >= base[k] - TOLERANCE for k in keys)
        lines.append(f"| {name} | {c['tokens_p50']:.0f} / {c['tokens_p95']:.0f} / {c['tokens_mean']:.1f} | "
                     f"{c['encode_p50_ms']:.2f} / {c['encode_p95_ms']:.2f} | " + " | ".join(cells)
                     + f" | {'yes' if holds else 'no'} |")
    lines += ["", "Arms: see the script's docstring. Tokens are what the encoder reads per request "
              "(the request, its steps or bare text when encoded as texts of their own, its context).", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
