"""Model cards: ``MODEL_CARD.md`` (for people) and ``model_card.json`` (for tools)."""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from agentfn.train.router_steps import SOURCE_MIN_REQUESTS, SOURCE_SLACK

__all__ = ["gate_lines", "package_versions", "write_card"]

_PACKAGES = ("agentfn", "torch", "transformers", "sentence-transformers", "accelerate", "peft", "numpy")
_SHOWN = ("recall@1", "recall@5", "recall@10", "complete_hit@5", "selected_exact", "abstain_precision",
          "abstain_recall", "abstain_f1")


def package_versions() -> dict[str, str]:
    """Versions of the packages that shaped a trained artifact."""
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def _table(before: dict[str, Any], after: dict[str, Any]) -> str:
    lines = ["| metric | before | after | change |", "|---|---:|---:|---:|"]
    for key in _SHOWN:
        if key in before and key in after:
            b, a = float(before[key]), float(after[key])
            lines.append(f"| {key} | {b:.3f} | {a:.3f} | {a - b:+.3f} |")
    lb, la = before.get("latency", {}), after.get("latency", {})
    if "p50_ms" in lb and "p50_ms" in la:
        lines.append(f"| latency p50 (ms) | {lb['p50_ms']:.2f} | {la['p50_ms']:.2f} | |")
    return "\n".join(lines)


def _groups_table(groups: dict[str, Any]) -> str:
    """recall@5 / complete_hit@5 / selected_exact before -> after, one row per source of the held-out runs."""
    lines = ["| source | requests | recall@5 | complete_hit@5 | selected_exact |", "|---|---:|---:|---:|---:|"]
    for name, ba in groups.items():
        b, a = ba["before"], ba["after"]
        cells = [f"{float(b[k]):.3f} -> {float(a[k]):.3f}" for k in ("recall@5", "complete_hit@5", "selected_exact")]
        lines.append(f"| {name} | {a['queries']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def gate_lines(fitted: dict[str, Any], better: bool, blocked: Sequence[dict[str, Any]] = ()) -> list[str]:
    """In words: the promotion gate (test split, leave-one-source-out check, held-out traces, per source), which
    sources blocked it (``blocked``: :func:`agentfn.train.router.falling_sources`) and the re-ranker."""
    gates = ("all candidates", "in proportion to trace coverage", "traced families only (untraced keep their place)")
    out = ["## Promotion gate",
           "- promoted only if the test-split score rises, the re-ranker passes a leave-one-source-out check on the "
           "test split (each trace source's test requests ranked by a re-ranker fitted without that source), "
           "held-out traces, when given, score no lower on average over their sources, and no source of either "
           f"with {SOURCE_MIN_REQUESTS} or more requests falls by more than {SOURCE_SLACK} (mean of recall@5 and "
           "complete_hit@5): "
           + ("passed" if better else "not passed")]
    for b in blocked:
        out.append(f"- blocked by {b['source']} ({b['where']}, {b['requests']} requests): "
                   f"{float(b['before']):.3f} -> {float(b['after']):.3f}")
    if "rerank_check_lofo_gain" in fitted:
        out.append(f"- leave-one-source-out MRR change on the test split: {float(fitted['rerank_check_lofo_gain']):+.4f} "
                   f"over {int(fitted.get('rerank_check_sources', 0))} sources"
                   + (" (re-ranker switched off: it lowered them)" if fitted.get("rerank_off_by_check") else ""))
    if fitted.get("rerank_on"):
        gate = gates[int(fitted.get("rerank_gate", 0))]
        how = "cold-start score lifted by trace evidence only" if fitted.get("rerank_features") else "every signal"
        out.append(f"- re-ranker on ({how}), moving {gate}; dev leave-one-source-out MRR change "
                   f"{float(fitted.get('rerank_dev_lofo_gain', 0.0)):+.4f}")
    elif "rerank_on" in fitted:
        out.append("- re-ranker off: no setting lifted dev without lowering sources left out")
    return [*out, ""]


def write_card(
    version_dir: Path, out: Path, *, metrics: dict[str, Any], settings: dict[str, Any], promoted: bool, seconds: float
) -> dict[str, Any]:
    """Write the card into the version folder and, as the latest card, into ``out``."""
    card: dict[str, Any] = {
        "kind": "agentfn-router",
        "version": version_dir.name,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "promoted": promoted,
        "better_than_base": metrics["better"],
        "settings": settings,
        "data": metrics["data"],
        "training": metrics["training"],
        "fitted": metrics["fitted"],
        "metrics": {"before": metrics["before"], "after": metrics["after"]},
        "groups": metrics.get("groups", {}),
        "holdout": metrics.get("holdout", {}),
        "score": {"before": metrics["score_before"], "after": metrics["score_after"]},
        "time_s": round(seconds, 2),
        "versions": package_versions(),
    }
    data = metrics["data"]
    md = [
        f"# Router {version_dir.name}",
        "",
        f"Created {card['created']} in {seconds:.1f} s; "
        f"{'promoted to active' if promoted else 'not promoted'} "
        f"(held-out score {metrics['score_before']:.3f} -> {metrics['score_after']:.3f}).",
        "",
        "## Data",
        f"- source: `{data['source']}`",
        f"- runs: {data['runs']} (usable {data['usable']}, no-tool {data['no_tool']}, "
        f"rated bad {data['negative_feedback']}, excluded {data['excluded']})",
        f"- split by run, duplicates grouped: {data['split']}",
        f"- tools in the registry: {data['tools']}; traced tools unknown to it: {data['unknown_tool_count']}",
        "",
        "## Held-out metrics (same split, same metrics as `agentfn eval router`)",
        _table(metrics["before"], metrics["after"]),
        "",
        "## Per source (held-out runs by their source, before -> after)",
        _groups_table(metrics.get("groups", {})),
        "",
        *([f"## Held-out traces never fitted ({data.get('holdout', 0)} requests), per source, before -> after",
           _groups_table(metrics["holdout"]), ""] if metrics.get("holdout") else []),
        *gate_lines(metrics["fitted"], bool(metrics["better"]), metrics.get("blocked_by", ())),
        "## Training",
        f"- settings: {json.dumps(settings)}",
        f"- encoder: {json.dumps(metrics['training'])}",
        f"- fitted: {json.dumps(metrics['fitted'])}",
        "",
        "## Versions",
        ", ".join(f"{k} {v}" for k, v in card["versions"].items()),
        "",
    ]
    text = "\n".join(md)
    blob = json.dumps(card, indent=1, default=str)
    for folder in (version_dir, out):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "MODEL_CARD.md").write_text(text)
        (folder / "model_card.json").write_text(blob)
    return card
