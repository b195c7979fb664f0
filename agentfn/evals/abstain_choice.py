"""Choosing and shipping an abstention refit on two dev splits: foreign requests and the generated set.

A refit that lifts foreign requests can cost the project's own generated set (and the reverse), so
``benchmarks/fit_abstention.py`` weighs both explicitly:

* the generated set's requests are dealt into a fit part and a dev part by a hash of their text
  (:func:`generated_dev`: a request and all its offers land on the same side);
* among the cuts tried, :func:`choose_cut` takes the best F1 on the foreign dev rows that refuses at most
  ``max_false_abstain`` of their relevant requests, at most ``max_short`` of the short built-in requests,
  and keeps the generated dev F1 within :data:`GENERATED_TOLERANCE` of the previous model's;
* :func:`ship` says whether a refit replaces the previous model: foreign dev F1 must rise, generated dev F1
  stay within the tolerance, and no more short built-in requests be refused (:class:`Verdict` says which held).

Rows are dicts with ``y`` (1 = some offered tool fits) and the abstention features; abstain is the positive
class. Everything here is pure: the same rows give the same choice.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from agentfn.router.calibration import p_fits

__all__ = ["GENERATED_DEV_SHARE", "GENERATED_TOLERANCE", "Verdict", "choose_cut", "generated_dev", "refused",
           "scores", "ship"]

Row = Mapping[str, Any]
GENERATED_DEV_SHARE = 4
"""One generated request in this many goes to the generated dev split."""
GENERATED_TOLERANCE = 0.02
"""How far the generated dev F1 may fall below the previous model's for a refit to be chosen and shipped."""


def generated_dev(text: str) -> bool:
    """Whether a generated request belongs to the dev split (by a hash of its text, the same in every run)."""
    return zlib.crc32(text.encode("utf-8")) % GENERATED_DEV_SHARE == 0


def scores(rows: Sequence[Row], decide: Callable[[Row], bool]) -> dict[str, float]:
    """Precision, recall, F1 of abstaining (``decide``: whether the rule abstains on a row) and the share of
    relevant rows refused (``false_abstain``)."""
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


def refused(rows: Sequence[Row], weights: Mapping[str, float], cut: float) -> float:
    """Share of the relevant rows the model (``weights``, abstaining below ``cut``) refuses."""
    relevant = [r for r in rows if r["y"]]
    return sum(p_fits(dict(r), dict(weights)) < cut for r in relevant) / len(relevant) if relevant else 0.0


def _f1(rows: Sequence[Row], weights: Mapping[str, float], cut: float) -> dict[str, float]:
    w = dict(weights)
    return scores(rows, lambda r: p_fits(dict(r), w) < cut)


def choose_cut(foreign_dev: Sequence[Row], generated_dev_rows: Sequence[Row], short: Sequence[Row],
               weights: Mapping[str, float], cuts: Sequence[float], *, max_false_abstain: float, max_short: float,
               generated_floor: float) -> tuple[float, dict[str, float], dict[str, float], bool]:
    """The cut with the best foreign dev F1 among those within every limit (refusing at most
    ``max_false_abstain`` of the foreign dev relevant rows and ``max_short`` of ``short``, a generated dev F1
    of at least ``generated_floor``); ties: the lower cut. When no cut is within them, the best by the same
    order (the limits met first). Returns the cut, its foreign and generated dev scores, and whether it met
    every limit."""

    def judged(c: float) -> tuple[bool, float, float]:
        f = _f1(foreign_dev, weights, c)
        g = _f1(generated_dev_rows, weights, c)
        ok = (f["false_abstain"] <= max_false_abstain and refused(short, weights, c) <= max_short + 1e-9
              and g["f1"] >= generated_floor - 1e-9)
        return ok, round(f["f1"], 6), -c

    cut = max(cuts, key=judged)
    return cut, _f1(foreign_dev, weights, cut), _f1(generated_dev_rows, weights, cut), judged(cut)[0]


@dataclass(frozen=True)
class Verdict:
    """Whether a refit ships, and each condition measured on the dev splits."""

    foreign_rises: bool
    generated_within: bool
    short_no_worse: bool

    @property
    def ships(self) -> bool:
        return self.foreign_rises and self.generated_within and self.short_no_worse


def ship(refit: Mapping[str, dict[str, float]], previous: Mapping[str, dict[str, float]], *,
         tolerance: float = GENERATED_TOLERANCE) -> Verdict:
    """A refit ships when its foreign dev F1 is above the previous model's, its generated dev F1 no more than
    ``tolerance`` below, and it refuses no larger share of the short built-in requests. ``refit`` and
    ``previous`` hold the scores (:func:`scores`) of ``foreign dev``, ``generated dev`` and ``short``."""
    return Verdict(
        foreign_rises=refit["foreign dev"]["f1"] > previous["foreign dev"]["f1"] + 1e-9,
        generated_within=refit["generated dev"]["f1"] >= previous["generated dev"]["f1"] - tolerance - 1e-9,
        short_no_worse=refit["short"]["false_abstain"] <= previous["short"]["false_abstain"] + 1e-9,
    )
