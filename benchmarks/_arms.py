"""Arms side by side: the same cases run on this checkout and on earlier code, one raw file per arm.

The benchmarks that compare "what a user got before" with "what this checkout gives" (``first_minute_bench``,
``embedded_turns_bench``) share one loop, :func:`run_arms`: for each arm, either keep its scored rows from
the previous results file (``reuse``, for arms not run on this checkout), or run it on its code (this
checkout, or a git ref extracted by :func:`embedded_bench.baseline_code`) and score what it left.

Guarantees: arms come back in the order asked; each carries ``code`` ("this checkout" or "git REF") and a
reused one ``reused: True``; the ``current`` arm is never reused; running and scoring are the caller's
(``run_and_score`` gets the arm's name and the folder its code lies in, and returns the arm's scored dict).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from embedded_bench import ROOT, baseline_code

__all__ = ["run_arms"]


def run_arms(names: Iterable[str], refs: Mapping[str, str], work: Path,
             run_and_score: Callable[[str, Path], dict[str, Any]], *,
             previous: Mapping[str, Any] | None = None, reuse: Iterable[str] = ()) -> dict[str, Any]:
    """Each arm of ``names`` run and scored (``current`` on this checkout, the others on ``refs[arm]``), or
    kept from ``previous`` (the previous results' ``arms``) when it is named in ``reuse`` and was there."""
    kept = dict(previous or {})
    reused = set(reuse) - {"current"}
    arms: dict[str, Any] = {}
    for arm in names:
        if arm in reused and arm in kept:
            arms[arm] = {**kept[arm], "reused": True}
            continue
        ref = None if arm == "current" else refs[arm]
        code = ROOT if ref is None else baseline_code(ref, work)
        arms[arm] = {**run_and_score(arm, code), "code": "this checkout" if ref is None else f"git {ref}"}
    return arms
