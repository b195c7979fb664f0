"""A re-ranker learned from traces, on top of the bi-encoder + BM25 ranking.

Off until fitted (``RouterConfig.rerank_weights`` is None). Once fitted, the
top ``rerank_depth`` candidates of every request are re-scored by a logistic
model over cheap per-tool signals (:data:`RERANK_FEATURES`):

* the router's own score (relative to the request's best), dense cosine, BM25;
* ``memory``: the highest cosine between this request and a traced request
  that used the tool (:class:`TraceMemory`): what past requests teach about a
  tool beyond its description;
* ``prior``: how often traces used the tool (log-scaled);
* ``ncov``/``qcov``: the share of the tool's name words the request mentions,
  and the share of the request's content its vocabulary covers;
* ``rank``: 1 / (1 + the router's rank).

Every signal but ``memory`` and ``prior`` exists for tools no trace has seen,
so what the model learns about them carries over to new tools and sources.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from agentfn.router.index import FloatArray

__all__ = ["RERANK_FEATURES", "TraceMemory", "request_key", "rerank_score"]

RERANK_FEATURES = ("score", "dense", "lexical", "memory", "prior", "ncov", "qcov", "rank")


def request_key(text: str) -> str:
    """Case-, punctuation- and space-insensitive form of a request (what leave-one-out compares)."""
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", text.lower())).strip()


class TraceMemory:
    """Vectors of traced requests and the tools each used."""

    def __init__(self, dim: int) -> None:
        self.vectors: FloatArray = np.zeros((0, dim), dtype=np.float32)
        self.tools: list[list[str]] = []
        self.texts: list[str] = []
        """The request per row (re-encoded when the router's encoder changes)."""
        self.keys: list[str] = []
        """Normalised request text per row (leave-one-out while fitting)."""
        self.counts: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.tools)

    def add(self, vectors: FloatArray, tools: Sequence[Sequence[str]], texts: Sequence[str]) -> None:
        self.vectors = np.concatenate([self.vectors, np.asarray(vectors, dtype=np.float32)])
        for names, text in zip(tools, texts, strict=True):
            self.tools.append(list(names))
            self.texts.append(text)
            self.keys.append(request_key(text))
            for n in dict.fromkeys(names):
                self.counts[n] = self.counts.get(n, 0) + 1

    def similarities(self, qvec: FloatArray, exclude: str | None = None) -> dict[str, float]:
        """Best cosine per tool over the rows that used it (rows of request ``exclude`` skipped)."""
        if not self.tools:
            return {}
        sims = np.asarray(self.vectors @ qvec, dtype=np.float32)
        n_rows = int(sims.shape[0])
        top = np.argpartition(-sims, 64)[:64] if n_rows > 64 else np.arange(n_rows)
        out: dict[str, float] = {}
        rows: list[int] = [int(i) for i in np.asarray(top, dtype=np.int64)]
        for i in rows:
            if exclude is not None and self.keys[i] == exclude:
                continue
            s = float(sims[i])
            for n in self.tools[i]:
                if s > out.get(n, -1.0):
                    out[n] = s
        return out

    def prior(self, name: str) -> float:
        top = max(self.counts.values(), default=0)
        return math.log1p(self.counts.get(name, 0)) / math.log1p(top) if top else 0.0

    def forget(self, name: str) -> None:
        self.counts.pop(name, None)
        self.tools = [[t for t in row if t != name] for row in self.tools]

    def reencoded(self, encoder: Any) -> TraceMemory:
        """The same rows under another encoder."""
        mem = TraceMemory(int(encoder.dim))
        if self.texts:
            mem.add(encoder.encode(list(self.texts)), self.tools, self.texts)
        return mem

    def to_json(self) -> dict[str, Any]:
        return {"tools": self.tools, "texts": self.texts}

    @classmethod
    def from_saved(cls, data: dict[str, Any], vectors: FloatArray | None, dim: int) -> TraceMemory:
        mem = cls(dim)
        tools = [list(map(str, row)) for row in data.get("tools", [])]
        texts = [str(t) for t in data.get("texts", [])]
        if vectors is not None and tools and len(texts) == len(tools) and vectors.shape == (len(tools), dim):
            mem.add(vectors, tools, texts)
        return mem


def rerank_score(features: dict[str, float], weights: dict[str, float]) -> float:
    """The re-ranker's logit for one candidate."""
    return weights.get("bias", 0.0) + sum(weights.get(k, 0.0) * features.get(k, 0.0) for k in RERANK_FEATURES)
