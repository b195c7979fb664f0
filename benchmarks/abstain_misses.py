"""Where the shipped abstention model misses: false keeps and false abstains per group and source, by kind.

Reads the labelled rows ``benchmarks/fit_abstention.py`` saved (every feature computed by ``Router.route``
itself) and scores the shipped rule (``DEFAULT_ABSTAIN_WEIGHTS``, ``RouterConfig.abstain_cut``) on the foreign
rows: the benchmark's abstention items (``fit``/``dev``/``test``/``unseen-*``) and the near-domain offers. Each
miss gets one kind, the first that applies:

* ``values only``: the request without its values holds at most two content words ("refund GB29...");
* ``generic verbs``: nothing it acts on is left once action, function and generic record words ("user", "id")
  are dropped (:func:`agentfn.router.objfit.object_words` is empty: "Add 2 and 3", "what is the date");
* ``another service``: a false keep where every top tool carries a service the request does not name (``vendor`` 0:
  "... on OANDA" offered only Frankfurter's tools);
* ``other action, same object``: a false keep where every top tool does another fine action than the asked one
  (``sagree`` 0: "add 30 seconds to my timer" offered ``DecreaseTimer``; :mod:`agentfn.router.senses`);
* ``shared action, other object``: a false keep whose top tools share the asked action while their heads name
  none of what it acts on (``act`` 1, ``ocov`` 0: a shop's ``cancel_order`` for "cancel my flight");
* ``similar domain``: any other false keep whose top tools share the asked action or mention what the request
  acts on (``act`` 1 or ``obj`` above 0);
* ``tool words absent``: a false abstain whose best tool's vocabulary holds none of the request's words;
* ``other``.

Which signals separate them, on rows fitted on or choosing the cut only (``fit``, ``dev``, ``near-domain (fit)``,
``near-domain dev``, ``short built-in requests (fit)``): each feature's AUC (the chance that a row some offered
tool fits scores above one none fits; 0.5 = no signal) over three contrasts: near-domain offers, the near-domain
offers the shipped model keeps (its true keeps against its false keeps), and the short built-in requests a tool
serves against the near-domain offers the shipped model wrongly keeps (a signal that pulls these apart lets the cut
rise without refusing brief requests).

    .venv/bin/python benchmarks/abstain_misses.py   (after benchmarks/fit_abstention.py)

Writes benchmarks/results/abstain_misses.{json,md}.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).parent)]  # this checkout's agentfn

from fit_abstention import ROWS  # noqa: E402

RESULTS = Path(__file__).parent / "results"
KINDS = ("values only", "generic verbs", "another service", "other action, same object", "shared action, other object",
         "similar domain", "tool words absent", "other")


def kind(row: dict[str, Any], abstained: bool) -> str:
    """The kind of one miss (see the module doc)."""
    from agentfn.router.calibration import request_words
    from agentfn.router.objfit import object_words

    if len(request_words(row["text"])) <= 2:
        return "values only"
    if not object_words(row["text"]):
        return "generic verbs"
    if not abstained and row.get("vendor", 1.0) == 0.0:
        return "another service"
    if not abstained and row.get("sagree", 1.0) == 0.0:
        return "other action, same object"
    if not abstained and row["act"] == 1.0 and row.get("ocov", 0.5) == 0.0:
        return "shared action, other object"
    if not abstained and (row["act"] == 1.0 or row["obj"] > 0):
        return "similar domain"
    if abstained and row["qcov"] == 0.0:
        return "tool words absent"
    return "other"


def misses(rows: list[dict[str, Any]], weights: dict[str, float], cut: float) -> dict[str, Any]:
    """Counts of false keeps and false abstains per group, per source and per kind, with a few examples each."""
    from agentfn.router.calibration import p_fits

    out: dict[str, Any] = {"false keep": {}, "false abstain": {}}
    for label, want_y in (("false keep", 0), ("false abstain", 1)):
        missed = [r for r in rows if r["y"] == want_y and (p_fits(r, weights) < cut) == bool(want_y)]
        kinds = [kind(r, bool(want_y)) for r in missed]
        out[label] = {
            "count": len(missed),
            "of": sum(1 for r in rows if r["y"] == want_y),
            "by_group": dict(Counter(r["group"] for r in missed).most_common()),
            "by_source": dict(Counter(r["source"] for r in missed).most_common()),
            "by_kind": {k: kinds.count(k) for k in KINDS},
            "examples": {k: [r["text"][:100].replace("`", "'") for r, kk in zip(missed, kinds, strict=True) if kk == k][:3] for k in KINDS},
        }
    return out


def auc(fits: list[float], none: list[float]) -> float:
    """The chance that a row some tool fits scores above a row none fits (ties count half); 0.5 without rows."""
    if not fits or not none:
        return 0.5
    above = sum((a > b) + 0.5 * (a == b) for a in fits for b in none)
    return above / (len(fits) * len(none))


def separation(rows: list[dict[str, Any]], weights: dict[str, float], cut: float) -> dict[str, dict[str, Any]]:
    """Each feature's AUC over the contrasts of the module doc, on the fitted and dev rows only."""
    from agentfn.router.calibration import ABSTAIN_FEATURES, p_fits

    near = [r for r in rows if r["group"] in ("near-domain (fit)", "near-domain dev")]
    kept_wrong = [r for r in near if not r["y"] and p_fits(r, weights) >= cut]
    contrasts = {
        "near-domain offers": near,
        "near-domain offers the shipped model keeps": [r for r in near if p_fits(r, weights) >= cut],
        "short built-in requests served vs near-domain false keeps":
            [r for r in rows if r["group"] == "short built-in requests (fit)" and r["y"]] + kept_wrong,
    }
    out: dict[str, dict[str, Any]] = {}
    for name, sel in contrasts.items():
        feats = {k: round(auc([r[k] for r in sel if r["y"] and k in r], [r[k] for r in sel if not r["y"] and k in r]), 3)
                 for k in ABSTAIN_FEATURES}
        out[name] = {"fits": sum(1 for r in sel if r["y"]), "none": sum(1 for r in sel if not r["y"]), "auc": feats}
    return out


def main() -> None:
    from agentfn.router.calibration import DEFAULT_ABSTAIN_WEIGHTS
    from agentfn.router.config import RouterConfig

    foreign = ("fit", "dev", "test", "unseen-tool", "unseen-source")
    saved = json.loads(ROWS.read_text())
    rows = [r for r in saved if r["group"] in foreign or r["group"].startswith("near")]
    cut = RouterConfig().abstain_cut
    data = {"command": "python benchmarks/abstain_misses.py", "rows": len(rows), "cut": cut,
            "other-source offers": misses([r for r in rows if r["group"] in foreign], DEFAULT_ABSTAIN_WEIGHTS, cut),
            "near-domain offers": misses([r for r in rows if r["group"] not in foreign], DEFAULT_ABSTAIN_WEIGHTS, cut),
            "separation": separation(saved, DEFAULT_ABSTAIN_WEIGHTS, cut)}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "abstain_misses.json").write_text(json.dumps(data, indent=1))
    (RESULTS / "abstain_misses.md").write_text(render_markdown(data))
    sys.stdout.write(render_markdown(data))


def render_markdown(data: dict[str, Any]) -> str:
    lines = ["# Abstention misses of the shipped model", "",
             f"Command: `{data['command']}`; {data['rows']} foreign rows of `benchmarks/fit_abstention.py` (features from "
             f"`Router.route`), shipped weights, abstain below P = {data['cut']}. Kinds: see the script's docstring.", ""]
    for part in ("other-source offers", "near-domain offers"):
        lines += [f"## {part}", "", "| miss | count | of | by kind | by group | by source |", "|---|---:|---:|---|---|---|"]
        for label in ("false keep", "false abstain"):
            m = data[part][label]
            fmt = lambda d: ", ".join(f"{k} {v}" for k, v in d.items() if v)  # noqa: E731
            lines.append(f"| {label} | {m['count']} | {m['of']} | {fmt(m['by_kind'])} | {fmt(m['by_group'])} "
                         f"| {fmt(m['by_source'])} |")
        lines += [""]
        for label in ("false keep", "false abstain"):
            for k, ex in data[part][label]["examples"].items():
                if ex:
                    lines.append(f"- {label}, {k}: " + "; ".join(f"`{e}`" for e in ex))
        lines += [""]
    sep = data["separation"]
    lines += ["## Which signals separate (fitted and dev rows only)", "",
              "AUC per feature (P(a row some tool fits scores higher); 0.5 = no signal, below 0.5 = the other way):", "",
              "| feature | " + " | ".join(f"{n} ({c['fits']} fit / {c['none']} none)" for n, c in sep.items()) + " |",
              "|---|" + "---:|" * len(sep)]
    for k in next(iter(sep.values()))["auc"]:
        lines.append(f"| {k} | " + " | ".join(f"{c['auc'][k]:.3f}" for c in sep.values()) + " |")
    lines += [""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
