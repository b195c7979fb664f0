"""Fit the router's cold-start abstention model and score it per split, beside the older threshold rule.

The model (``agentfn.router.calibration``) weighs transferable signals: best
cosine, its margin over the registry's probe threshold, coverage of the
request's content by the best tools' vocabulary, share of a tool's name the
request mentions, parameter fill, BM25, and how the best offered tool compares
with a background of tools of many domains (``_probes.BACKGROUND_TOOLS``), with
what the request acts on (values and action words left out) and with the
tool's first sentence. Every feature is computed by ``Router.route`` itself
(``features=``), the same code path as at runtime. Rows come from:

* the foreign benchmark's abstention items (``agentfn.evals.router_data``):
  each request offered a few tools; only the ``train`` split is fitted on,
  ``dev``/``test``/``unseen-tool``/``unseen-source`` are reported;
* the generated set (seed 1, not the benchmark's seed 0): requests against the
  whole registry, each against five offered tools (its gold plus the nearest
  tools that are not the same capability from another provider, or, for a
  request no tool serves, the five nearest), and against three such tools
  described tersely (a clause of at most five words), and against its gold tool alone
  (or, for a request no tool serves, its nearest tool alone);
* short requests for built-in tools written for fitting
  (``agentfn/evals/data/short_requests_fit.json``), each against the whole
  built-in set, its tool with two others, its tool alone, and three or one
  built-in tools that do not serve it. ``short_requests.json`` stays held out.

Weights are kept at 0 or above (more of a signal never means "fits less").

The weights printed here are ``DEFAULT_ABSTAIN_WEIGHTS`` and the cut (chosen
on ``dev``) is ``RouterConfig.abstain_cut`` (a test checks they match). The baseline is the rule a user had before: abstain when the top score
is below the probe-calibrated threshold.

    .venv/bin/python benchmarks/fit_abstention.py [--reuse]   (--reuse: refit on the rows the last run saved)

Writes benchmarks/results/fit_abstention.{json,md}.
"""

from __future__ import annotations

import json
import os
import platform
import random
import re
import sys
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
CUTS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)
MAX_FALSE_ABSTAIN = 0.1
SAME_TOOL = 0.75
"""Cosine between two generated tools above which they are one capability from two providers."""
ROWS = Path(os.environ.get("TMPDIR", "/tmp")) / "agentfn_fit_abstention_rows.json"
SHORT = "short built-in requests"
SHORT_FIT = "short built-in requests (fit)"
GROUPS = ("fit", "dev", "test", "unseen-tool", "unseen-source", "generated (fit)", SHORT_FIT, SHORT)


def _scores(rows: list[dict[str, Any]], decide: Any) -> dict[str, float]:
    tp = fp = fn = 0
    for r in rows:
        a = decide(r)
        if a and not r["y"]:
            tp += 1
        elif a:
            fp += 1
        elif not r["y"]:
            fn += 1
    p = tp / (tp + fp) if tp + fp else 0.0
    rc = tp / (tp + fn) if tp + fn else 0.0
    relevant = sum(1 for r in rows if r["y"])
    return {"items": len(rows), "precision": p, "recall": rc, "f1": 2 * p * rc / (p + rc) if p + rc else 0.0,
            "false_abstain": fp / relevant if relevant else 0.0}


def collect() -> list[dict[str, Any]]:
    import numpy as np

    from agentfn.evals.evalset import build_evalset
    from agentfn.evals.router_data import load_router_data
    from agentfn.router import Router, RouterConfig
    from agentfn.router.encoder import load_encoder
    from agentfn.toolset import Toolset

    class Memo:
        def __init__(self, inner: Any) -> None:
            self.inner, self.memo = inner, {}

        spec = property(lambda self: self.inner.spec)
        dim = property(lambda self: self.inner.dim)

        def encode(self, texts: list[str], batch_size: int = 64) -> Any:
            miss = [t for t in dict.fromkeys(texts) if t not in self.memo]
            for t, v in zip(miss, self.inner.encode(miss, batch_size=batch_size) if miss else [], strict=True):
                self.memo[t] = v
            return np.stack([self.memo[t] for t in texts]) if texts else self.inner.encode([])

    enc = Memo(load_encoder())
    rows: list[dict[str, Any]] = []
    model = RouterConfig(abstain_mode="model")  # features are computed in model mode; margin < 0 is the threshold rule

    def build(tools: Any) -> Any:
        return Router.build(tools, encoder=enc, config=model.model_copy(deep=True))

    def row(router: Any, text: str, k: int, y: int, group: str, source: str) -> None:
        feats: dict[str, float] = {}
        router.route(text, k=k, features=feats)
        rows.append({"group": group, "source": source, "y": y, "text": text, "offered": len(router), **feats})

    data = load_router_data()
    recs = {r.name: r for r in data.records()}
    for it in data.abstain:
        sub = build([recs[n] for n in it.offered])
        row(sub, it.text, len(it.offered), 0 if it.should_abstain else 1, "fit" if it.split == "train" else it.split, it.source)
    es = build_evalset(1)
    whole = build(es.tools)
    by_name = {t.name: t for t in es.tools}
    # The same tools described tersely (first clause, five words at most): how far cosines fall with short texts.
    terse = {t.name: t.model_copy(update={"description": " ".join(re.split(r"[.;(]", t.description)[0].split()[:5])})
             for t in es.tools}
    rng = random.Random(0)
    queries = [q for q in es.queries if not q.gold] + rng.sample([q for q in es.queries if q.gold], 300)
    for q in queries:
        row(whole, q.text, 10, int(bool(q.gold)), "generated (fit)", "generated")
        near = [n for n, _ in whole.route(q.text, k=30).ranked if n not in q.gold]
        if q.gold:  # neighbours, but not the same capability from another provider (that one would fit too)
            gold_vecs = whole.index.live_vectors(q.gold)
            near = [n for n in near if float(np.max(gold_vecs @ whole.index.live_vectors([n])[0])) < SAME_TOOL]
        offered = (list(q.gold) + near)[:5] if q.gold else near[:5]
        row(build([by_name[n] for n in offered]), q.text, 5, int(bool(q.gold)), "generated (fit)", "generated-5")
        three = (list(q.gold) + near)[:3] if q.gold else near[:3]
        row(build([terse[n] for n in three]), q.text, 3, int(bool(q.gold)), "generated (fit)",
            "generated-3-terse")
        # One tool offered, as function-calling APIs often get: the gold tool, or the nearest one that is not it.
        one = list(q.gold)[:1] if q.gold else near[:1]
        if one:
            row(build([by_name[n] for n in one]), q.text, 1, int(bool(q.gold)), "generated (fit)", "generated-1")
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


def short_requests(name: str = "short_requests.json") -> Any:
    """Short requests that one built-in tool serves: the held-out list (``agentfn/evals/data/short_requests.json``),
    or the whole file ``name`` when another is named (``short_requests_fit.json``: the ones fitted on)."""
    from importlib import resources

    data = json.loads(resources.files("agentfn.evals").joinpath("data", name).read_text(encoding="utf-8"))
    return list(data["requests"]) if name == "short_requests.json" else data


def _fit_weights(fit_rows: list[dict[str, Any]]) -> dict[str, float]:
    """Logistic weights (0 or above) on the fit rows, each source weighing the same in total."""
    import numpy as np

    from agentfn.router.calibration import ABSTAIN_FEATURES
    from agentfn.router.logistic import fit_logistic

    x = np.asarray([[r[k] for k in ABSTAIN_FEATURES] for r in fit_rows])
    y = np.asarray([float(r["y"]) for r in fit_rows])
    count: dict[str, int] = {}
    for r in fit_rows:
        count[r["source"]] = count.get(r["source"], 0) + 1
    w = np.asarray([len(fit_rows) / (len(count) * count[r["source"]]) for r in fit_rows])
    return {k: round(v, 2) for k, v in fit_logistic(x, y, names=ABSTAIN_FEATURES, nonneg=True, sample_weight=w).items()}


def choose_default(groups: dict[str, Any], held: dict[str, Any]) -> str:
    """``model`` only if it beats the threshold rule on held-out foreign F1 and generated F1 and refuses no more
    short built-in requests; else ``threshold``."""
    m, t = held["model"], held["threshold rule"]
    gm, gt = groups["generated (fit)"]["model"], groups["generated (fit)"]["threshold rule"]
    sm, st = groups[SHORT]["model"], groups[SHORT]["threshold rule"]
    ok = m["f1"] > t["f1"] and gm["f1"] > gt["f1"] and sm["false_abstain"] <= st["false_abstain"]
    return "model" if ok else "threshold"


def main() -> None:
    from agentfn.router.calibration import ABSTAIN_FEATURES, DEFAULT_ABSTAIN_WEIGHTS, p_fits
    from agentfn.router.config import RouterConfig

    if "--reuse" in sys.argv and ROWS.exists():
        rows = json.loads(ROWS.read_text())  # the rows of an earlier run: refit only
    else:
        rows = collect()
        ROWS.write_text(json.dumps(rows))
    weights = _fit_weights([r for r in rows if r["group"] in ("fit", "generated (fit)", SHORT_FIT)])
    dev = [r for r in rows if r["group"] == "dev"]

    # The cut on P(fits) with the best F1 on the dev split among those refusing at most MAX_FALSE_ABSTAIN
    # of its relevant requests (ties: the lower cut, fewer refusals).
    def dev_score(c: float) -> tuple[bool, float, float]:
        s = _scores(dev, lambda r: p_fits(r, weights) < c)
        return (s["false_abstain"] <= MAX_FALSE_ABSTAIN, round(s["f1"], 6), -c)

    cut = max(CUTS, key=dev_score)
    groups: dict[str, Any] = {}
    for g in GROUPS:
        sel = [r for r in rows if r["group"] == g]
        groups[g] = {
            "model": _scores(sel, lambda r: p_fits(r, weights) < cut),
            "threshold rule": _scores(sel, lambda r: r["margin"] < 0),
        }
    held = [r for r in rows if r["group"] in ("test", "unseen-tool", "unseen-source")]
    held_out = {"model": _scores(held, lambda r: p_fits(r, weights) < cut),
                "threshold rule": _scores(held, lambda r: r["margin"] < 0)}
    by_source = {
        src: {"model": _scores(sel, lambda r: p_fits(r, weights) < cut),
              "threshold rule": _scores(sel, lambda r: r["margin"] < 0)}
        for src in sorted({r["source"] for r in held})
        if (sel := [r for r in held if r["source"] == src])
    }
    out = {
        "command": "python benchmarks/fit_abstention.py",
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "features": list(ABSTAIN_FEATURES),
        "weights": weights,
        "cut": cut,
        "shipped_weights": dict(DEFAULT_ABSTAIN_WEIGHTS),
        "shipped_cut": RouterConfig().abstain_cut,
        "shipped_default": RouterConfig().abstain_mode,
        "default": choose_default(groups, held_out),
        "rows": len(rows),
        "groups": groups,
        "held_out_foreign": held_out,
        "held_out_by_source": by_source,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "fit_abstention.json").write_text(json.dumps(out, indent=1))
    (RESULTS / "fit_abstention.md").write_text(render_markdown(out))
    sys.stdout.write(render_markdown(out))


def render_markdown(data: dict[str, Any]) -> str:
    lines = [
        "# Router abstention: the cold-start model beside the threshold rule",
        "",
        f"Command: `{data['command']}`; {data['rows']} labelled requests. Fitted on the foreign benchmark's "
        "abstention `train` split, the generated set (seed 1) and short requests for built-in tools written for "
        f"fitting (`{SHORT_FIT}`: `agentfn/evals/data/short_requests_fit.json`, offered with and without a tool "
        "that serves them), each source weighing the same; every other row is held out. Abstain = positive class; "
        f"`false_abstain` = share of relevant requests the router refused. `{SHORT}`: the held-out short requests "
        "that one built-in tool serves (`agentfn/evals/data/short_requests.json`, routed against "
        "`Toolset.builtin()`): every one is relevant, so only `false_abstain` means something there.",
        "",
        "Weights (logistic, P(some offered tool fits)): "
        + ", ".join(f"{k} {v:+.2f}" for k, v in data["weights"].items())
        + f"; abstain below P = {data['cut']} (among {', '.join(map(str, CUTS))}, the best F1 on `dev` that refuses at "
        f"most {MAX_FALSE_ABSTAIN:.0%} of its relevant requests).",
        "",
        "| requests | rule | items | precision | recall | F1 | false_abstain |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    rows = [(g, v) for g, v in data["groups"].items()] + [("held-out foreign (test + unseen)", data["held_out_foreign"])]
    for g, by_rule in rows:
        for rule, s in by_rule.items():
            lines.append(f"| {g} | {rule} | {s['items']} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} "
                         f"| {s['false_abstain']:.3f} |")
    lines += ["", "Held-out foreign requests (test + unseen-tool + unseen-source) per source:", "",
              "| source | rule | items | precision | recall | F1 | false_abstain |", "|---|---|---:|---:|---:|---:|---:|"]
    for src, by_rule in data.get("held_out_by_source", {}).items():
        for rule, s in by_rule.items():
            lines.append(f"| {src} | {rule} | {s['items']} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} "
                         f"| {s['false_abstain']:.3f} |")
    m, t = data["held_out_foreign"]["model"], data["held_out_foreign"]["threshold rule"]
    sm, st = data["groups"][SHORT]["model"], data["groups"][SHORT]["threshold rule"]
    default = data.get("default", "threshold")
    lines += [
        "",
        f"Default rule: `{default}`. The model becomes the default only if it beats the threshold rule on held-out "
        f"foreign F1 ({m['f1']:.3f} vs {t['f1']:.3f}), on the generated set's F1, and refuses no more short built-in "
        f"requests ({sm['false_abstain']:.3f} vs {st['false_abstain']:.3f} refused).",
    ]
    same = data["weights"] == data["shipped_weights"] and data["cut"] == data["shipped_cut"]
    shipped = data.get("shipped_default", default)
    lines += ["", f"Shipped `DEFAULT_ABSTAIN_WEIGHTS` and `RouterConfig.abstain_cut` {'equal' if same else 'DIFFER FROM'} "
              f"these values; the shipped default (`abstain_mode=\"{shipped}\"`) "
              f"{'is' if shipped == default else 'is NOT'} the rule chosen here.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
