"""Abstention: the cold-start threshold, calibrated on the registry itself.

Cosine levels depend on how a registry's tools are described (short
descriptions score lower everywhere), so a fixed number cannot say "no tool
fits". The router scores built-in off-topic probe requests
(:mod:`agentfn.router._probes`) against its own registry and takes
``abstain_quantile`` of their top abstention scores; the value is cached until
the registry changes. Pure-lexical routers use one absolute threshold (lexical
scores are normalised per query).
"""

from __future__ import annotations

import numpy as np

from agentfn.router.index import FloatArray
from agentfn.router.scoring import Scorer

__all__ = ["LEXICAL_THRESHOLD", "ProbeCalibrator"]

LEXICAL_THRESHOLD = 0.07
"""Cold-start threshold of pure-lexical routers (measured on the dev eval set, seed 1)."""


class ProbeCalibrator:
    """The probe-calibrated threshold of one router, recomputed after registry changes."""

    def __init__(self, scorer: Scorer) -> None:
        self.scorer = scorer
        self._probe_vecs: FloatArray | None = None
        self._key: tuple[int, bool, float, int] | None = None
        self._value = 0.0

    def reset(self) -> None:
        """Forget the probe vectors (the encoder changed) and the cached threshold."""
        self._probe_vecs = None
        self._key = None

    def threshold(self, approximate: bool) -> float:
        scorer = self.scorer
        index = scorer.index
        if index.encoder is None:
            return LEXICAL_THRESHOLD
        key = (index.version, approximate, scorer.config.abstain_quantile, id(index.encoder))
        if self._key != key:
            from agentfn.router._probes import PROBES

            if self._probe_vecs is None:
                self._probe_vecs = index.encoder.encode(PROBES)
            # The same (candidate) scoring as route(): no pass over every tool per probe.
            tops = [
                float(np.max(scorer.score_all(p, vector=v, approximate=approximate)["abstain"], initial=0.0))
                for p, v in zip(PROBES, self._probe_vecs, strict=True)
            ]
            self._value = float(np.quantile(np.asarray(tops), scorer.config.abstain_quantile))
            self._key = key
        return self._value
