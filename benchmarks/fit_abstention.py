"""Fit the router's cold-start abstention model and score it per split, beside the previous model and the threshold rule.

The model (``agentfn.router.calibration``) weighs transferable signals: best
cosine, its margin over the registry's probe threshold, coverage of the
request's content by the best tools' vocabulary, share of a tool's name the
request mentions, parameter fill, BM25, and how the best offered tool compares
with a background of tools of many domains (``_probes.BACKGROUND_TOOLS``), with
what the request acts on (values and action words left out) and with the
tool's first sentence. Every feature is computed by ``Router.route`` itself
(``features=``), with the default request encoder and its pooled request pass (:mod:`agentfn.evals.abstain_rows`), the
same code path as at runtime and as ``router_bench.py`` scores abstention. Rows come from:

* the foreign benchmark's abstention items (``agentfn.evals.router_data``):
  each request offered a few tools; only the ``train`` split is fitted on,
  ``dev``/``test``/``unseen-tool``/``unseen-source`` are reported;
* the generated set (seed 1, not the benchmark's seed 0): requests against the
  whole registry, each against five offered tools (its gold plus the nearest
  tools that are not the same capability from another provider, or, for a
  request no tool serves, the five nearest), and against three such tools
  described tersely (a clause of at most five words), and against its gold tool alone
  (or, for a request no tool serves, its nearest tool alone); a quarter of these requests (by a hash of the
  text, every offer of one request on the same side: ``agentfn.evals.abstain_choice.generated_dev``) is the
  ``generated dev`` split, never fitted on;
* few-tool offers (``few-tool offers (fit)``): the foreign ``train`` requests again, offered one or three tools
  (the gold tool alone or with two same-source neighbours; the one or three other-source tools nearest in words);
* near-domain offers (``RouterData.near_abstain()``): each single-step foreign request (user-simulator scenario
  sources and hand-labelled serving tools left out: ``agentfn/evals/data/near_abstain_labels.json``) and 240
  generated ones offered one or three tools of its own source (generated: same domain, another capability) that
  serve no part of it, and its gold tool alone or with two of those; ``train`` is fitted on, ``dev`` joins the
  cut's choice, the rest is held out (``near unseen-source`` and the generated ones apart; groups with no rows
  are not printed);
* short requests for built-in tools written for fitting
  (``agentfn/evals/data/short_requests_fit.json``), each against the whole
  built-in set, its tool with two others, its tool alone, and three or one
  built-in tools that do not serve it. ``short_requests.json`` stays held out.

Weights are kept at 0 or above (more of a signal never means "fits less") and pulled towards the previous
model's (``PREVIOUS_MODEL``). The pull, the generated set's weight, the short built-in rows' weight, the few-tool rows
and the cut are chosen on two dev splits (``agentfn.evals.abstain_choice``): the best foreign dev F1 whose cut refuses no more of the
short requests written for fitting than the previous model and keeps the generated dev F1 within
``GENERATED_TOLERANCE`` of the previous model's. Three rules are scored side by side: the refit,
the previous model, and the threshold rule a user had before (abstain when the top score is below the
probe-calibrated threshold). ``chosen_weights``/``chosen_cut``/``chosen_mode`` in the JSON are what ships
(``DEFAULT_ABSTAIN_WEIGHTS``, ``RouterConfig.abstain_cut``; a test checks they match): the refit only when, on
the dev splits, its foreign F1 rises over the previous model's, its generated F1 stays within the tolerance, it
refuses no more short built-in requests and beats the threshold rule (``abstain_choice.ship``); held-out rows
(test, unseen tool, unseen source, per source) are reported before/after and decide nothing.

    .venv/bin/python benchmarks/fit_abstention.py [--reuse | --near | --few]
    (--reuse: refit on the rows the last run saved; --near / --few: recompute only the near-domain / few-tool rows)

Writes benchmarks/results/fit_abstention.{json,md}.
"""

from __future__ import annotations

import itertools
import json
import os
import platform
import random
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's agentfn, not an installed one

from agentfn.evals.abstain_choice import GENERATED_TOLERANCE, choose_cut, generated_dev, refused, scores, ship
from agentfn.evals.abstain_rows import foreign_rows, router_kit

RESULTS = Path(__file__).parent / "results"
L2S = (3e-4, 1e-3, 3e-3, 1e-2, 3e-2)
"""Pulls towards the previous model's weights tried (``fit_logistic``'s ``l2``); the dev rows choose."""
GENERATED_WEIGHTS = (1.0, 0.6, 0.3)
"""How much the generated set's rows weigh against a foreign source's (the dev rows choose; with or without the
few-tool rows too)."""
SHORT_WEIGHTS = (1.0, 3.0)
"""How much the short built-in requests written for fitting weigh against a foreign source's (the dev rows choose):
their refusals are a limit of the choice, so a fit may weigh them more to stay within it."""
CUTS = tuple(round(0.2 + 0.01 * i, 2) for i in range(41))
"""Cuts on P(fits) tried (0.2 to 0.6 by 0.01); the dev rows choose."""
MAX_FALSE_ABSTAIN = 0.1
SAME_TOOL = 0.75
"""Cosine between two generated tools above which they are one capability from two providers."""
ROWS = Path(os.environ.get("TMPDIR", "/tmp")) / "agentfn_fit_abstention_rows.json"
PREVIOUS_MODEL: dict[str, Any] = {
    "label": "main at 9118cdf, without the fine action senses (sense, sagree, spair)",
    "weights": {"bias": -4.96, "dense": 2.07, "margin": 0.0, "zdense": 1.9, "gap": 2.47, "qcov": 1.5, "ncov": 0.0,
                "fill": 0.25, "lexical": 1.38, "bgmargin": 3.15, "zreq": 0.0, "bgrank": 0.0, "odense": 0.0,
                "hdense": 1.53, "hbg": 0.01, "act": 0.0, "obj": 0.0, "agree": 2.21, "reads": 0.0, "ocov": 0.0,
                "ovoc": 0.21, "ohead": 0.0, "ohbg": 0.0, "pair": 0.0, "pairvoc": 0.6},
    "cut": 0.37,
}
"""The weights and cut shipped before this fit: the model a refit has to beat (copied from that commit)."""
SHORT = "short built-in requests"
SHORT_FIT = "short built-in requests (fit)"
FEW_FIT = "few-tool offers (fit)"
NEAR_FIT, NEAR_DEV, NEAR_GEN = "near-domain (fit)", "near-domain dev", "near-domain generated (held out)"
NEAR_HELD = ("near test", "near unseen-tool", "near unseen-source")
GEN_FIT, GEN_DEV = "generated (fit)", "generated dev"
GROUPS = ("fit", FEW_FIT, "dev", "test", "unseen-tool", "unseen-source", NEAR_FIT, NEAR_DEV, *NEAR_HELD, NEAR_GEN,
          GEN_FIT, GEN_DEV, SHORT_FIT, SHORT)


def collect_few() -> list[dict[str, Any]]:
    """The few-tool foreign rows only (``--few``: the other rows come from the last run)."""
    from agentfn.evals.router_data import load_router_data

    build, row, rows = router_kit()
    _few_rows(load_router_data(), build, row, rows)
    return rows


def _few_rows(data: Any, build: Any, row: Any, rows: list[dict[str, Any]]) -> None:
    """Train-split foreign requests offered one or three tools, as function-calling requests often are: the
    gold tool alone or with two same-source neighbours (some tool fits), or the one or three other-source tools
    nearest in words (none fits). Only ``train`` items: nothing of dev, test or an unseen source is fitted on."""
    recs = {r.name: r for r in data.records()}
    gold = {f"{e.id}#fits": list(e.gold) for src in data.sources for e in src.examples}
    for it in data.abstain:
        if it.split != "train":
            continue
        if it.should_abstain:
            offers = [it.offered[:1], it.offered[:3]]  # build_abstain lists them nearest first
        else:
            first = gold[it.id][:1]
            offers = [first, first + [n for n in it.offered if n not in first][:2]]
        for offered in offers:
            row(build([recs[n] for n in offered]), it.text, len(offered), 0 if it.should_abstain else 1, FEW_FIT,
                it.source)


def collect_near() -> list[dict[str, Any]]:
    """The near-domain rows only (``--near``: the other rows come from the last run)."""
    from agentfn.evals.router_data import load_router_data

    build, row, rows = router_kit()
    _near_rows(load_router_data(), build, row, rows)
    return rows


def _near_rows(data: Any, build: Any, row: Any, rows: list[dict[str, Any]]) -> None:
    recs = {r.name: r for r in data.records()}
    for it in data.near_abstain():
        row(build([recs[n] for n in it.offered]), it.text, len(it.offered), 0 if it.should_abstain else 1,
            near_group(it.source, it.split), it.source)
        rows[-1]["offer"] = it.offer
        rows[-1]["names"] = list(it.offered)


def collect() -> list[dict[str, Any]]:
    import numpy as np

    from agentfn.evals.evalset import build_evalset
    from agentfn.evals.router_data import load_router_data
    from agentfn.toolset import Toolset

    build, row, rows = router_kit()
    data = load_router_data()
    foreign_rows(data, build, row, rows)
    _few_rows(data, build, row, rows)
    _near_rows(data, build, row, rows)
    es = build_evalset(1)
    whole = build(es.tools)
    by_name = {t.name: t for t in es.tools}
    # The same tools described tersely (first clause, five words at most): how far cosines fall with short texts.
    terse = {t.name: t.model_copy(update={"description": " ".join(re.split(r"[.;(]", t.description)[0].split()[:5])})
             for t in es.tools}
    rng = random.Random(0)
    queries = [q for q in es.queries if not q.gold] + rng.sample([q for q in es.queries if q.gold], 300)
    for q in queries:
        row(whole, q.text, 10, int(bool(q.gold)), GEN_FIT, "generated")
        near = [n for n, _ in whole.route(q.text, k=30).ranked if n not in q.gold]
        if q.gold:  # neighbours, but not the same capability from another provider (that one would fit too)
            gold_vecs = whole.index.live_vectors(q.gold)
            near = [n for n in near if float(np.max(gold_vecs @ whole.index.live_vectors([n])[0])) < SAME_TOOL]
        offered = (list(q.gold) + near)[:5] if q.gold else near[:5]
        row(build([by_name[n] for n in offered]), q.text, 5, int(bool(q.gold)), GEN_FIT, "generated-5")
        three = (list(q.gold) + near)[:3] if q.gold else near[:3]
        row(build([terse[n] for n in three]), q.text, 3, int(bool(q.gold)), GEN_FIT,
            "generated-3-terse")
        # One tool offered, as function-calling APIs often get: the gold tool, or the nearest one that is not it.
        one = list(q.gold)[:1] if q.gold else near[:1]
        if one:
            row(build([by_name[n] for n in one]), q.text, 1, int(bool(q.gold)), GEN_FIT, "generated-1")
    tools = list(Toolset.builtin())
    builtin = build(tools)
    for req in short_requests():
        row(builtin, req["text"], 10, 1, SHORT, "builtin")
    fit_short = short_requests("short_requests_fit.json")
    generic = set(fit_short["generic"])
    by_tool = {t.name: t for t in tools}
    for i, req in enumerate(fit_short["requests"]):
        serve = {req["tool"], *req.get("also", [])}
        others = sorted(by_tool.keys() - serve)
        rng.shuffle(others)
        row(builtin, req["text"], 10, 1, SHORT_FIT, "short-all")
        row(build([by_tool[req["tool"]], *(by_tool[n] for n in others[:2])]), req["text"], 3, 1, SHORT_FIT, "short-3")
        row(build([by_tool[req["tool"]]]), req["text"], 1, 1, SHORT_FIT, "short-1")
        unfit = [n for n in others if n not in generic][:3]
        row(build([by_tool[n] for n in unfit]), req["text"], 3, 0, SHORT_FIT, "short-none-3")
        row(build([by_tool[unfit[i % 3]]]), req["text"], 1, 0, SHORT_FIT, "short-none-1")
    return rows


def near_group(source: str, split: str) -> str:
    """The group of a near-domain row: fitted (``train``), cut chosen (``dev``), or held out."""
    if split == "train":
        return NEAR_FIT
    if split == "dev":
        return NEAR_DEV
    return NEAR_GEN if source == "generated" else f"near {split}"


def short_requests(name: str = "short_requests.json") -> Any:
    """Short requests that one built-in tool serves: the held-out list (``agentfn/evals/data/short_requests.json``),
    or the whole file ``name`` when another is named (``short_requests_fit.json``: the ones fitted on)."""
    from importlib import resources

    data = json.loads(resources.files("agentfn.evals").joinpath("data", name).read_text(encoding="utf-8"))
    return list(data["requests"]) if name == "short_requests.json" else data


def _fit_weights(fit_rows: list[dict[str, Any]], l2: float, generated: float = 1.0, short: float = 1.0) -> dict[str, float]:
    """Logistic weights (0 or above) on the fit rows, each source of each group weighing the same in total (the
    generated set's rows ``generated`` times that, the short built-in ones ``short`` times), pulled towards the
    previous model's weights by ``l2``."""
    import numpy as np

    from agentfn.router.calibration import ABSTAIN_FEATURES
    from agentfn.router.logistic import fit_logistic

    x = np.asarray([[r[k] for k in ABSTAIN_FEATURES] for r in fit_rows])
    y = np.asarray([float(r["y"]) for r in fit_rows])
    count: dict[tuple[str, str], int] = {}
    for r in fit_rows:
        count[r["group"], r["source"]] = count.get((r["group"], r["source"]), 0) + 1
    w = np.asarray([len(fit_rows) / (len(count) * count[r["group"], r["source"]])
                    * (generated if r["group"] == GEN_FIT else short if r["group"] == SHORT_FIT else 1.0)
                    for r in fit_rows])
    fitted = fit_logistic(x, y, PREVIOUS_MODEL["weights"], names=ABSTAIN_FEATURES, nonneg=True, sample_weight=w, l2=l2)
    return {k: round(v, 2) for k, v in fitted.items()}


PREVIOUS = "previous model"
RULES = ("model", PREVIOUS, "threshold rule")
HELD = ("test", "unseen-tool", "unseen-source", *NEAR_HELD)
FOREIGN_DEV = ("dev", NEAR_DEV)


def choose_default(dev: dict[str, dict[str, Any]]) -> tuple[str, dict[str, bool]]:
    """``model`` (the weights fitted here) when :func:`~agentfn.evals.abstain_choice.ship` passes it on the dev
    splits (``dev``: each rule's scores on ``foreign dev``, ``generated dev`` and ``short``): foreign dev F1
    rises over the previous model's, generated dev F1 stays within ``GENERATED_TOLERANCE`` of it, no more short
    built-in requests refused, and it beats the threshold rule on foreign dev F1; else ``previous``. Returns the
    rule and each condition."""
    verdict = ship(dev["model"], dev[PREVIOUS])
    beats_threshold = dev["model"]["foreign dev"]["f1"] > dev["threshold rule"]["foreign dev"]["f1"]
    checks = {"foreign_dev_rises": verdict.foreign_rises, "generated_dev_within": verdict.generated_within,
              "short_no_worse": verdict.short_no_worse, "beats_threshold": beats_threshold}
    return ("model" if verdict.ships and beats_threshold else "previous"), checks


def main() -> None:
    from agentfn.router.calibration import ABSTAIN_FEATURES, DEFAULT_ABSTAIN_WEIGHTS, p_fits
    from agentfn.router.config import RouterConfig

    if "--reuse" in sys.argv and ROWS.exists():
        rows = json.loads(ROWS.read_text())  # the rows of an earlier run: refit only
    elif "--near" in sys.argv and ROWS.exists():  # the near-domain rows recomputed, the others of an earlier run
        near = (NEAR_FIT, NEAR_DEV, *NEAR_HELD, NEAR_GEN)
        rows = [r for r in json.loads(ROWS.read_text()) if r["group"] not in near] + collect_near()
        ROWS.write_text(json.dumps(rows))
    elif "--few" in sys.argv and ROWS.exists():  # the few-tool rows recomputed, the others of an earlier run
        rows = [r for r in json.loads(ROWS.read_text()) if r["group"] != FEW_FIT] + collect_few()
        ROWS.write_text(json.dumps(rows))
    else:
        rows = collect()
        ROWS.write_text(json.dumps(rows))
    for r in rows:  # a quarter of the generated requests (all their offers) choose the settings with the foreign dev rows
        if r["group"] in (GEN_FIT, GEN_DEV):
            r["group"] = GEN_DEV if generated_dev(r["text"]) else GEN_FIT
    fit_groups = ("fit", GEN_FIT, SHORT_FIT, NEAR_FIT)
    dev = [r for r in rows if r["group"] in FOREIGN_DEV]
    gen_dev = [r for r in rows if r["group"] == GEN_DEV]
    previous = PREVIOUS_MODEL
    tried: list[dict[str, Any]] = []
    short_fit = [r for r in rows if r["group"] == SHORT_FIT]
    max_short = refused(short_fit, previous["weights"], previous["cut"])
    gen_floor = scores(gen_dev, lambda r: p_fits(r, previous["weights"]) < previous["cut"])["f1"] - GENERATED_TOLERANCE
    for few in (False, True):
        fit_rows = [r for r in rows if r["group"] in fit_groups or (few and r["group"] == FEW_FIT)]
        for generated, short, l2 in itertools.product(GENERATED_WEIGHTS, SHORT_WEIGHTS, L2S):
            w = _fit_weights(fit_rows, l2, generated, short)
            c, f, g, ok = choose_cut(dev, gen_dev, short_fit, w, CUTS, max_false_abstain=MAX_FALSE_ABSTAIN,
                                     max_short=max_short, generated_floor=gen_floor)
            tried.append({"l2": l2, "few": few, "generated": generated, "short": short, "weights": w, "cut": c,
                          "dev": f, "gen_dev": g, "ok": ok})
    # The settings whose cut scores best on the foreign dev rows, among those within every limit.
    best = max(tried, key=lambda t: (t["ok"], round(t["dev"]["f1"], 6)))
    weights, cut = best["weights"], best["cut"]
    rules = {
        "model": lambda r: p_fits(r, weights) < cut,
        PREVIOUS: lambda r: p_fits(r, previous["weights"]) < previous["cut"],
        "threshold rule": lambda r: r["margin"] < 0,
    }

    def score(sel: list[dict[str, Any]]) -> dict[str, Any]:
        return {name: scores(sel, rule) for name, rule in rules.items()}

    groups = {g: score(sel) for g in GROUPS if (sel := [r for r in rows if r["group"] == g])}
    held = [r for r in rows if r["group"] in HELD]
    near_held = [r for r in rows if r["group"] in NEAR_HELD]
    by_source = {src: score(sel) for src in sorted({r["source"] for r in held})
                 if (sel := [r for r in held if r["source"] == src])}
    by_offer = {o: score(sel) for o in ("near-1", "near-3", "own-1", "own-3")
                if (sel := [r for r in near_held if r.get("offer") == o])}
    held_out = score(held)
    on_dev = {name: {"foreign dev": scores(dev, rule), "generated dev": scores(gen_dev, rule),
                     "short": groups[SHORT][name]} for name, rule in rules.items()}
    default, checks = choose_default(on_dev)
    # What ships: the refit, or the previous weights (new signals at 0) with their cut.
    chosen_weights = weights if default == "model" else {
        "bias": previous["weights"]["bias"], **{k: previous["weights"].get(k, 0.0) for k in ABSTAIN_FEATURES}}
    chosen_cut = cut if default == "model" else previous["cut"]
    out = {
        "command": "python benchmarks/fit_abstention.py",
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "features": list(ABSTAIN_FEATURES),
        "weights": weights,
        "cut": cut,
        "l2": best["l2"],
        "few": best["few"],
        "generated_weight": best["generated"],
        "short_weight": best["short"],
        "l2_tried": [{"l2": t["l2"], "few": t["few"], "generated": t["generated"], "short": t["short"], "cut": t["cut"], "dev_f1": t["dev"]["f1"],
                      "dev_false_abstain": t["dev"]["false_abstain"], "gen_dev_f1": t["gen_dev"]["f1"], "ok": t["ok"]}
                     for t in tried],
        "generated_tolerance": GENERATED_TOLERANCE,
        "on_dev": on_dev,
        "ship_checks": checks,
        "short_fit_refused_limit": max_short,
        "previous": previous,
        "shipped_weights": dict(DEFAULT_ABSTAIN_WEIGHTS),
        "shipped_cut": RouterConfig().abstain_cut,
        "shipped_default": RouterConfig().abstain_mode,
        "default": default,
        "chosen_weights": chosen_weights,
        "chosen_cut": chosen_cut,
        "chosen_mode": "threshold" if default == "threshold" else "model",
        "rows": len(rows),
        "groups": groups,
        "held_out_foreign": held_out,
        "held_out_near": score(near_held),
        "held_out_other": score([r for r in held if r["group"] not in NEAR_HELD]),
        "held_out_near_by_offer": by_offer,
        "held_out_by_source": by_source,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "fit_abstention.json").write_text(json.dumps(out, indent=1))
    (RESULTS / "fit_abstention.md").write_text(render_markdown(out))
    sys.stdout.write(render_markdown(out))


def _table(title: str, rows: list[tuple[str, dict[str, Any]]]) -> list[str]:
    lines = [f"| {title} | rule | items | precision | recall | F1 | false_abstain |", "|---|---|---:|---:|---:|---:|---:|"]
    for g, by_rule in rows:
        for rule, s in by_rule.items():
            lines.append(f"| {g} | {rule} | {s['items']} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} "
                         f"| {s['false_abstain']:.3f} |")
    return lines


def render_markdown(data: dict[str, Any]) -> str:
    prev = data["previous"]
    lines = [
        "# Router abstention: the cold-start model beside the previous model and the threshold rule",
        "",
        f"Command: `{data['command']}`; {data['rows']} labelled requests. Fitted on the foreign benchmark's "
        "abstention `train` split (`fit`: gold plus neighbours, or another source's nearest tools), the near-domain "
        f"`train` split (`{NEAR_FIT}`: single-step requests offered one or three tools of their own source, or domain "
        "for the generated set, that serve no part of them, and the gold tool alone or with two of those: "
        "`agentfn.evals.router_data.near_abstain`), the generated set (seed 1) and short requests for built-in "
        f"tools written for fitting (`{SHORT_FIT}`: `agentfn/evals/data/short_requests_fit.json`, offered with and "
        "without a tool that serves them), each source weighing the same; every other row is held out. The cut is "
        f"chosen on `dev` and `{NEAR_DEV}`. Abstain = positive class; `false_abstain` = share of relevant requests "
        f"the router refused. `{SHORT}`: the held-out short requests that one built-in tool serves "
        "(`agentfn/evals/data/short_requests.json`, routed against `Toolset.builtin()`): every one is relevant, so "
        f"only `false_abstain` means something there. `{PREVIOUS}`: the weights and cut shipped before this fit "
        f"({prev['label']}).",
        "",
        "Weights (logistic, P(some offered tool fits)): "
        + ", ".join(f"{k} {v:+.2f}" for k, v in data["weights"].items())
        + f"; abstain below P = {data['cut']} (among {CUTS[0]} to {CUTS[-1]} by 0.01, the best F1 on the foreign dev "
        f"rows (`dev`, `{NEAR_DEV}`) that refuses at most {MAX_FALSE_ABSTAIN:.0%} of their relevant requests, at most "
        f"{data['short_fit_refused_limit']:.3f} of the relevant `{SHORT_FIT}` rows (the share the {PREVIOUS} refuses) "
        f"and keeps the F1 on `{GEN_DEV}` (a quarter of the generated requests, by a hash of their text, not fitted "
        f"on) within {data['generated_tolerance']:g} of the {PREVIOUS}'s). Fitted with an L2 pull of "
        f"{data['l2']:g} towards the {PREVIOUS}'s weights, the generated set weighing {data['generated_weight']:g}, "
        f"the `{SHORT_FIT}` rows {data['short_weight']:g} and the few-tool rows {'fitted' if data['few'] else 'left out'}: the settings whose cut scores best on the "
        "foreign dev rows within those limits (l2/generated weight/short weight/few: " + "; ".join(
            f"{t['l2']:g}/{t['generated']:g}/{t['short']:g}/{'few' if t['few'] else '-'}: cut {t['cut']}, dev F1 {t['dev_f1']:.3f}, "
            f"false_abstain {t['dev_false_abstain']:.3f}, generated dev F1 {t['gen_dev_f1']:.3f}"
            f"{'' if t['ok'] else ' (outside a limit)'}" for t in data["l2_tried"])
        + ").",
        "",
        "Shipping rule, on the dev splits only:",
        "",
        "| rule | foreign dev F1 | foreign dev false_abstain | generated dev F1 | short built-in refused |",
        "|---|---:|---:|---:|---:|",
        *(f"| {name} | {d['foreign dev']['f1']:.3f} | {d['foreign dev']['false_abstain']:.3f} "
          f"| {d['generated dev']['f1']:.3f} | {d['short']['false_abstain']:.3f} |" for name, d in data["on_dev"].items()),
        "",
    ]
    rows = [*data["groups"].items(), ("held-out foreign (test + unseen, both sets)", data["held_out_foreign"]),
            ("held-out foreign, other-source offers only", data["held_out_other"]),
            ("held-out foreign, near-domain only", data["held_out_near"])]
    lines += _table("requests", rows)
    lines += ["", "Held-out near-domain foreign requests by offer (`near-*` should abstain, `own-*` should not):", ""]
    lines += _table("offer", list(data["held_out_near_by_offer"].items()))
    lines += ["", "Held-out foreign requests (test + unseen-tool + unseen-source, both sets) per source:", ""]
    lines += _table("source", list(data["held_out_by_source"].items()))
    h = data["held_out_foreign"]
    checks = data["ship_checks"]
    lines += [
        "",
        f"Default rule: `{data['default']}`. The fitted model ships only if, on the dev splits, its foreign dev F1 "
        f"rises over the {PREVIOUS}'s ({'yes' if checks['foreign_dev_rises'] else 'no'}), its `{GEN_DEV}` F1 stays "
        f"within {data['generated_tolerance']:g} of the {PREVIOUS}'s ({'yes' if checks['generated_dev_within'] else 'no'}), "
        f"it refuses no more `{SHORT}` ({'yes' if checks['short_no_worse'] else 'no'}) and beats the threshold rule on "
        f"foreign dev F1 ({'yes' if checks['beats_threshold'] else 'no'}). Held out, for the record: foreign F1 "
        f"{h['model']['f1']:.3f} refit vs {h[PREVIOUS]['f1']:.3f} {PREVIOUS} (false_abstain "
        f"{h['model']['false_abstain']:.3f} vs {h[PREVIOUS]['false_abstain']:.3f}).",
    ]
    same = data["chosen_weights"] == data["shipped_weights"] and data["chosen_cut"] == data["shipped_cut"]
    mode = data["chosen_mode"] == data["shipped_default"]
    lines += ["", f"Shipped `DEFAULT_ABSTAIN_WEIGHTS` and `RouterConfig.abstain_cut` {'equal' if same else 'DIFFER FROM'} "
              f"the chosen rule's weights and cut; the shipped `abstain_mode` (`\"{data['shipped_default']}\"`) "
              f"{'is' if mode else 'is NOT'} the chosen one.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
