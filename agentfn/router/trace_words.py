"""The words of traced requests: a TF-IDF view of the trace memory, and the neighbour vote it gives.

The trace memory's dense signals (:mod:`agentfn.router.rerank`) compare a new
request with traced ones through the bi-encoder, whose cosines between long,
situation-first requests of one service ("You received order #W..., you want
to exchange ...") stay close to those between unrelated requests. Shared
*words* separate them better: the order numbers, product words and
phrasings a service's users write again and again.

:class:`TraceWords` indexes the traced requests' tokens
(:func:`agentfn.router.text.tokenize`, sublinear TF times IDF over the traced
requests, unit length); :meth:`TraceWords.vote` gives, per tool, the share of
the :data:`WORD_ROWS` lexically nearest traced requests that used it, the
nearer weighing more (a softmax of their cosines at
:data:`WORD_TEMPERATURE`), times the nearest one's cosine. A request that
shares no indexed word with any traced request gets an empty vote; so does a
memory without rows.

Guarantees: rows whose key equals ``exclude`` (a trainer scoring its own
requests) never vote; votes lie in [0, 1]; the index is a pure function of the
texts and tools given (rebuilt from them, nothing to save).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from agentfn.router.text import tokenize

__all__ = ["WORD_ROWS", "WORD_TEMPERATURE", "TraceWords"]

WORD_ROWS = 10
"""Lexically nearest traced requests whose tools the vote counts."""
WORD_TEMPERATURE = 0.05
"""Softmax temperature over those requests' cosines (smaller: the nearest weighs more)."""


class TraceWords:
    """TF-IDF vectors of traced requests, with the tools each used."""

    def __init__(self, texts: Sequence[str], tools: Sequence[Sequence[str]], keys: Sequence[str]) -> None:
        self.tools = [list(t) for t in tools]
        self.keys = list(keys)
        docs = [Counter(tokenize(t)) for t in texts]
        df: Counter[str] = Counter(w for d in docs for w in d)
        n = len(docs)
        self.vocab = {w: i for i, w in enumerate(sorted(df))}
        self.idf = np.asarray([math.log((1 + n) / (1 + df[w])) + 1.0 for w in sorted(df)], dtype=np.float64)
        self.matrix: npt.NDArray[np.float64] = np.zeros((n, len(self.vocab)), dtype=np.float64)
        for i, d in enumerate(docs):
            self.matrix[i] = self._vector(d)

    def _vector(self, counts: Counter[str]) -> npt.NDArray[np.float64]:
        v = np.zeros(len(self.vocab), dtype=np.float64)
        for w, c in counts.items():
            j = self.vocab.get(w)
            if j is not None:
                v[j] = (1.0 + math.log(c)) * self.idf[j]
        norm = float(np.linalg.norm(v))
        return v / norm if norm > 0 else v

    def cosines(self, text: str) -> npt.NDArray[np.float64]:
        """Cosine of ``text`` to every traced request (0 where no word is shared)."""
        if not self.tools:
            return np.zeros(0, dtype=np.float64)
        return self.matrix @ self._vector(Counter(tokenize(text)))

    def vote(self, text: str, exclude: str | None = None) -> dict[str, float]:
        """Per tool: the weighted share of the nearest rows that used it, times the nearest row's cosine."""
        sims = self.cosines(text)
        if not sims.size:
            return {}
        order = [int(i) for i in np.argsort(-sims, kind="stable")]
        rows = [i for i in order[: WORD_ROWS + 8] if (exclude is None or self.keys[i] != exclude) and sims[i] > 0]
        rows = rows[:WORD_ROWS]
        if not rows:
            return {}
        top = float(sims[rows[0]])
        w = np.exp((sims[rows] - top) / WORD_TEMPERATURE)
        total = float(w.sum())
        out: dict[str, float] = {}
        for i, weight in zip(rows, w.tolist(), strict=True):
            for name in dict.fromkeys(self.tools[i]):
                out[name] = out.get(name, 0.0) + top * weight / total
        return out
