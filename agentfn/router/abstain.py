"""The abstention model's inputs for one routed request, computing only the features asked for.

:func:`abstain_features` turns a request and its ranking into the signals of
:data:`~agentfn.router.calibration.ABSTAIN_FEATURES` (see :mod:`agentfn.router.calibration` for what each
means). A fit needs every feature (``needed=None``); routing needs only those its weights use
(:func:`used_features`: a nonzero weight), so the zero-weight signals cost nothing there.

Guarantees: every feature returned has the value the full computation gives (the parts are computed the same
way, only skipped), and :func:`~agentfn.router.calibration.p_fits` over the subset equals ``p_fits`` over all
features for the weights the subset was asked from (an absent feature weighs 0).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from agentfn.router.calibration import ABSTAIN_FEATURES, ProbeCalibrator, brevity, coverage, request_words
from agentfn.router.fitness import FIT_FEATURES, fit_features
from agentfn.router.index import FloatArray, ToolIndex
from agentfn.router.namefit import VENDOR_FEATURES, vendor_features
from agentfn.router.objfit import object_features, object_vector_features
from agentfn.router.pairfit import PAIR_FEATURES, pair_features
from agentfn.router.senses import SENSE_FEATURES, sense_features
from agentfn.router.text import tokenize

__all__ = ["AbstainInputs", "AbstainSources", "abstain_features", "used_features"]

_BACKGROUND = frozenset(["bgmargin", "zreq", "bgrank", "hbg", "ohead", "ohbg"])
_HEADS = frozenset(["hdense", "hbg", "ohead", "ohbg"])
_LEVELS = frozenset(["zdense", "gap"])
_OBJECT_VECTOR = frozenset(["ohead", "ohbg"])
_WORDS = frozenset(["qcov", "brief"])


def used_features(weights: Mapping[str, float]) -> frozenset[str]:
    """The features a set of abstention weights reads (a nonzero weight)."""
    return frozenset(k for k in ABSTAIN_FEATURES if weights.get(k, 0.0) != 0.0)


@dataclass(frozen=True)
class AbstainInputs:
    """What routing measured for one request: its text, the earlier turns, its top tools (best first, at most
    three), the best cosine, the fused top score, the best BM25 score, the request's cosine with (at least) the
    top tools, its own vectors (whole, and without its values) and the vector of what it acts on."""

    text: str
    context: str
    top: Sequence[str]
    dense: float
    score: float
    lexical: float
    dense_of: Mapping[str, float] = field(default_factory=dict[str, float])
    vectors: Sequence[FloatArray] = ()
    object_vec: FloatArray | None = None


@dataclass(frozen=True)
class AbstainSources:
    """What the features read of the router: its index, its calibrator (None without an encoder), each tool's
    vocabulary and name words, the parameter fill of a request for a tool, and the probe threshold."""

    index: ToolIndex
    calibrator: ProbeCalibrator | None
    vocab: Callable[[str], tuple[frozenset[str], frozenset[str]]]
    fill: Callable[[str, str], float]
    threshold: Callable[[], float]


def abstain_features(x: AbstainInputs, src: AbstainSources, needed: Collection[str] | None = None) -> dict[str, float]:
    """The features in ``needed`` (all of :data:`~agentfn.router.calibration.ABSTAIN_FEATURES` when None)."""
    want = frozenset(ABSTAIN_FEATURES if needed is None else needed)
    cal = src.calibrator
    top = list(x.top)
    out: dict[str, float] = {"dense": x.dense, "lexical": x.lexical}
    if "margin" in want:
        out["margin"] = x.score - src.threshold()
    if want & _LEVELS:
        out.update(_levels(x, cal, top))
    req = request_words(x.text) if want & _WORDS else frozenset[str]()
    if "qcov" in want:
        out["qcov"] = max((coverage(req, src.vocab(n)[0]) for n in top), default=0.0)
    if "brief" in want:
        out["brief"] = brevity(x.text, req)
    if "ncov" in want:
        full = frozenset(tokenize(x.text))
        out["ncov"] = max((coverage(src.vocab(n)[1], full) for n in top), default=0.0)
    if "fill" in want:
        out["fill"] = src.fill(f"{x.context} {x.text}".strip(), top[0]) if top else 0.0
    live = cal if x.vectors else None
    bg_best, bg_mean, bg_sd, bg_rank = x.dense, 0.0, 1.0, 0.0
    if live is not None and want & _BACKGROUND:
        sims = live.background(x.vectors)
        bg_best, bg_mean, bg_sd = float(np.max(sims)), float(np.mean(sims)), max(float(np.std(sims)), 0.03)
        bg_rank = float(np.mean(sims < x.dense))
    out.update({"bgmargin": x.dense - bg_best, "zreq": (x.dense - bg_mean) / bg_sd / 10.0, "bgrank": bg_rank})
    heads = live.head_vectors(top) if live is not None and want & _HEADS else []
    hdense = max((float(h @ v) for h in heads for v in x.vectors), default=x.dense)
    out.update({"hdense": hdense, "hbg": hdense - bg_best})
    if "odense" in want:
        odense = x.dense
        if x.object_vec is not None and x.dense_of:
            odense = max(float(src.index.emb[src.index.slot_of[n]] @ x.object_vec) for n in x.dense_of)
        out["odense"] = odense
    if want.intersection(FIT_FEATURES):
        out.update(fit_features(x.text, top, want))
    if want.intersection(("ocov", "ovoc")):
        out.update(object_features(x.text, [src.index.records[n] for n in top], [src.vocab(n)[0] for n in top]))
    if want.intersection(PAIR_FEATURES):
        out.update(pair_features(x.text, top, [src.vocab(n)[0] for n in top]))
    if want.intersection(VENDOR_FEATURES):
        out.update(vendor_features(x.text, top, src.index.records, [src.vocab(n)[0] for n in top]))
    if want.intersection(SENSE_FEATURES):
        out.update(sense_features(x.text, top, want))
    if want & _OBJECT_VECTOR:
        obg = (live.background([x.object_vec]) if live is not None and x.object_vec is not None and heads
               else np.zeros(0, dtype=np.float32))
        out.update(object_vector_features(x.object_vec, heads, obg, (hdense, hdense - bg_best)))
    return {k: out[k] for k in ABSTAIN_FEATURES if k in out and (needed is None or k in want)}


def _levels(x: AbstainInputs, cal: ProbeCalibrator | None, top: list[str]) -> dict[str, float]:
    """``zdense`` (the best top tool's cosine over its own off-topic level, in tenths of its spread) and ``gap``
    (how far the best tool stands above the next one, or above its own off-topic level when alone)."""
    zdense = gap = 0.0
    if x.dense_of and cal is not None:
        levels = [(x.dense_of[n], cal.tool_level(n)) for n in top if n in x.dense_of]
        zdense = max(((d - mu) / sd for d, (mu, sd) in levels), default=0.0) / 10.0
        ds = sorted((x.dense_of[n] for n in top if n in x.dense_of), reverse=True)
        if ds:
            runner_up = ds[1] if len(ds) > 1 else cal.tool_level(top[0])[0]
            gap = ds[0] - runner_up
    return {"zdense": zdense, "gap": gap}
