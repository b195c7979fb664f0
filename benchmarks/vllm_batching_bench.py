"""In-process vLLM: agent runs per second at 1/8/32 concurrent runs, batched vs serialised.

Run: ``AGENTFN_HOME=... .venv/bin/python benchmarks/vllm_batching_bench.py`` (needs the ``vllm``
extra and about 4 GB of free memory). Writes ``benchmarks/results/vllm_batching.json`` and
``vllm_batching.md``.

One ``vllm.LLM`` on the embedded SmolLM2-135M serves two :class:`VLLMModel` objects:
``batching=True`` (the default: one engine thread, requests join the running batch) and
``batching=False`` (the older path: one ``LLM.chat`` call at a time behind a lock). Each run is an
:class:`agentfn.Agent` run with two tools: a forced, constrained first call, the tool, then a short
free answer. At each concurrency level both modes run the same prompts, ``runs`` runs with at most
``concurrency`` in flight, ``repeats`` times, alternating which mode goes first. The batched path
also reports how many requests shared each engine step. Answers are greedy, so the first calls of
the two modes are compared too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
NAME = "vllm_batching"
CITIES = ["Paris", "Tokyo", "Lima", "Oslo", "Cairo", "Perth", "Quito", "Dakar"]
LEVELS = (1, 8, 32)
DTYPE = "float32"  # CPUs without native bf16 (AVX2) run bfloat16 emulated, several times slower
MODES = ("serialised", "batched")


def get_weather(city: str) -> str:
    """Current weather in a city."""
    return f"Sunny and 21 C in {city}"


def get_time(city: str) -> str:
    """Local time in a city."""
    return f"It is 14:05 in {city}"


def first_call(result: Any) -> str | None:
    for message in result.new_messages:
        calls = getattr(message, "tool_calls", None)
        if calls:
            return f"{calls[0].name} {calls[0].arguments}"
    return None


async def measure(agent: Any, model: Any, runs: int, concurrency: int) -> dict[str, Any]:
    """``runs`` agent runs with at most ``concurrency`` at once (raw figures)."""
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = [0.0] * runs
    calls: list[str | None] = [None] * runs
    outcomes: dict[str, int] = {}
    usage = {"requests": 0, "input_tokens": 0, "output_tokens": 0}
    before = model.batch_stats()

    async def one(i: int) -> None:
        async with gate:
            t0 = time.perf_counter()
            result = await agent.run(f"What is the weather in {CITIES[i % len(CITIES)]}?")
            latencies[i] = time.perf_counter() - t0
            calls[i] = first_call(result)
            outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
            for key in usage:
                usage[key] += getattr(result.usage, key)

    t0 = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(runs)))
    wall = time.perf_counter() - t0
    after = model.batch_stats()
    return {
        "runs": runs, "wall_s": wall, "latencies": latencies, "first_calls": calls, "outcomes": outcomes,
        "usage": usage, "steps": after.steps - before.steps, "request_steps": after.request_steps - before.request_steps,
        "max_batch": after.max_batch,
    }


def combine(reps: list[dict[str, Any]]) -> dict[str, Any]:
    """One mode at one level over its repeats: runs/s is all runs over all wall time."""
    runs = sum(r["runs"] for r in reps)
    wall = sum(r["wall_s"] for r in reps)
    latencies = [x for r in reps for x in r["latencies"]]
    steps = sum(r["steps"] for r in reps)
    outcomes: dict[str, int] = {}
    for r in reps:
        for k, v in r["outcomes"].items():
            outcomes[k] = outcomes.get(k, 0) + v
    return {
        "runs": runs,
        "wall_s": round(wall, 3),
        "runs_per_s": round(runs / wall, 3),
        "runs_per_s_by_repeat": [round(r["runs"] / r["wall_s"], 3) for r in reps],
        "mean_run_s": round(statistics.mean(latencies), 3),
        "max_run_s": round(max(latencies), 3),
        "outcomes": dict(sorted(outcomes.items())),
        "usage": {k: sum(r["usage"][k] for r in reps) for k in reps[0]["usage"]},
        "engine_steps": steps,
        "requests_per_step": round(sum(r["request_steps"] for r in reps) / steps, 2) if steps else None,
        "first_calls": [c for r in reps for c in r["first_calls"]],
    }


async def bench(
    levels: list[int], runs_at: dict[int, int], repeats: int, call_tokens: int, answer_tokens: int
) -> dict[str, Any]:
    from agentfn import Agent
    from agentfn.backends.embedded import ensure_embedded_model
    from agentfn.backends.vllm_local import VLLMModel

    path = str(ensure_embedded_model())
    caps: dict[str, Any] = {"max_string_length": 40, "max_call_tokens": call_tokens, "max_new_tokens": answer_tokens}
    batched = VLLMModel(path, llm_kwargs={"dtype": DTYPE}, **caps)
    t0 = time.perf_counter()
    llm = await asyncio.to_thread(batched.load)
    load_s = time.perf_counter() - t0
    serialised = VLLMModel(path, llm=llm, batching=False, **caps)
    models = {"serialised": serialised, "batched": batched}
    agents = {mode: Agent(m, [get_weather, get_time], tool_choice="required", max_steps=2) for mode, m in models.items()}
    for mode in MODES:  # warm-up: grammar compilation, first-request paths
        await measure(agents[mode], models[mode], 2, 2)
    levels_out: list[dict[str, Any]] = []
    for n in levels:
        reps: dict[str, list[dict[str, Any]]] = {mode: [] for mode in MODES}
        for rep in range(repeats):  # alternate which mode goes first, so drift in load hits both
            for mode in MODES if rep % 2 == 0 else MODES[::-1]:
                reps[mode].append(await measure(agents[mode], models[mode], runs_at[n], n))
                print(f"{n} concurrent, {mode}: {reps[mode][-1]['runs'] / reps[mode][-1]['wall_s']:.3f} runs/s",
                      file=sys.stderr, flush=True)
        per_mode = {mode: combine(reps[mode]) for mode in MODES}
        pairs = zip(per_mode["serialised"]["first_calls"], per_mode["batched"]["first_calls"], strict=True)
        levels_out.append({
            "concurrency": n,
            "runs": per_mode["batched"]["runs"],
            **per_mode,
            "speedup": round(per_mode["batched"]["runs_per_s"] / per_mode["serialised"]["runs_per_s"], 2),
            "same_first_call": sum(a == b for a, b in pairs),
        })
    await serialised.aclose()
    await batched.aclose()
    return {"load_s": round(load_s, 1), "repeats": repeats, "levels": levels_out}


def machine() -> dict[str, Any]:
    import torch
    import vllm

    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
        "vllm": vllm.__version__,
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
    }


def render_markdown(data: dict[str, Any]) -> str:
    s = data["setup"]
    lines = [
        "# In-process vLLM: batched vs serialised agent runs",
        "",
        f"Model `{s['model']}` on vLLM {data['machine']['vllm']} ({data['machine']['cpus']} CPUs, load average "
        f"{data['machine']['loadavg_at_start'][0]} at start), dtype {s['dtype']}, engine core {s['engine']}. "
        f"Each run: a forced constrained call to one of {s['tools']} tools (`max_call_tokens={s['max_call_tokens']}`), "
        f"the tool, a free answer (`max_new_tokens={s['max_new_tokens']}`); `max_steps={s['max_steps']}`, greedy. "
        f"Both modes share one `vllm.LLM` (loaded in {data['load_s']} s).",
        "",
        "| concurrent runs | runs | serialised runs/s | batched runs/s | batched / serialised "
        "| by repeat (serialised; batched) | requests per engine step | mean run s (serialised) "
        "| mean run s (batched) | same first call |",
        "|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for lv in data["levels"]:
        ser, bat = lv["serialised"], lv["batched"]
        lines.append(
            f"| {lv['concurrency']} | {lv['runs']} | {ser['runs_per_s']} | {bat['runs_per_s']} | {lv['speedup']}x "
            f"| {', '.join(map(str, ser['runs_per_s_by_repeat']))}; {', '.join(map(str, bat['runs_per_s_by_repeat']))} "
            f"| {bat['requests_per_step']} | {ser['mean_run_s']} | {bat['mean_run_s']} | {lv['same_first_call']}/{lv['runs']} |"
        )
    lines += ["", "Outcomes (serialised / batched):", ""]
    for lv in data["levels"]:
        lines.append(f"- {lv['concurrency']} concurrent: {lv['serialised']['outcomes']} / {lv['batched']['outcomes']}")
    lines += [
        "",
        "Serialised is `VLLMModel(..., batching=False)` (one `LLM.chat` at a time behind a lock); batched is the "
        "default (one engine thread adds requests to the running vLLM batch between decoding steps). "
        "Requests per engine step is the mean number of requests in flight during each `LLMEngine.step()` "
        f"of the batched runs. Each level ran {data['repeats']} times per mode, alternating which mode went first; "
        "runs/s is all runs over all wall time. Same first call counts runs whose first tool call (name and arguments) is "
        "identical in both modes. Timings are wall-clock on a shared machine.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default=",".join(map(str, LEVELS)), help="concurrency levels")
    parser.add_argument("--runs", default="2,8,32", help="runs per level and repeat")
    parser.add_argument("--repeats", type=int, default=2, help="repeats per level, alternating which mode goes first")
    parser.add_argument("--call-tokens", type=int, default=32, help="max_call_tokens (the forced call)")
    parser.add_argument("--answer-tokens", type=int, default=12, help="max_new_tokens (the free answer)")
    parser.add_argument(
        "--engine", choices=["in-process", "separate-process"], default="in-process",
        help="vLLM's engine core in this process (VLLM_ENABLE_V1_MULTIPROCESSING=0) or its own process "
        "(vLLM's default); on a small busy CPU machine the separate process spends its time busy-waiting",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    runs_at = dict(zip(levels, (int(x) for x in args.runs.split(",")), strict=True))
    os.environ["VLLM_ENABLE_V1_MULTIPROCESSING"] = "0" if args.engine == "in-process" else "1"
    os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
    os.environ.setdefault("VLLM_CPU_NUM_OF_RESERVED_CPU", "0")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    info = machine()
    result = asyncio.run(bench(levels, runs_at, args.repeats, args.call_tokens, args.answer_tokens))
    data = {
        "machine": info,
        "setup": {"model": "SmolLM2-135M-Instruct (embedded)", "dtype": DTYPE, "engine": args.engine, "tools": 2,
                  "max_call_tokens": args.call_tokens, "max_new_tokens": args.answer_tokens, "max_steps": 2},
        **result,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{NAME}.json").write_text(json.dumps(data, indent=1) + "\n")
    (args.out / f"{NAME}.md").write_text(render_markdown(data))
    print(render_markdown(data))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
