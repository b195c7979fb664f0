"""A re-ranker learned from traces, on top of the bi-encoder + BM25 ranking.

Off until fitted (``RouterConfig.rerank_weights`` is None). Once fitted, the
top ``rerank_depth`` candidates of every request are re-scored by a logistic
model over cheap per-tool signals (:data:`RERANK_FEATURES`):

* the router's own score (relative to the request's best), dense cosine, BM25;
* ``ncov``/``qcov``: the share of the tool's name words the request mentions,
  and the share of the request's content its vocabulary covers;
* ``rank``: 1 / (1 + the router's rank);
* ``memory``: how close the nearest traced request that used the tool is
  (:class:`TraceMemory`), counted only above the memory's ``floor``: what
  past requests teach about a tool beyond its description;
* ``prior``: how often traces used the tool (log-scaled), times how close the
  request is to any traced request (the same ``floor``);
* ``centroid``: how close the request is to the mean of the traced requests
  that used the tool (above the same ``floor``): a dense view of the tool
  written in its users' words, steadier than the single nearest request;
* ``vote``: the share of the :data:`VOTE_ROWS` nearest traced requests that
  used the tool, nearer ones weighing more (a softmax of their cosines at
  temperature :data:`VOTE_TEMPERATURE`), times the same gate as ``prior``: a
  nearest-neighbour vote. Where ``memory`` says only that *some* near request
  used a tool, ``vote`` says how many did, so the tools a kind of request
  needs together (the lookups every order change makes first) rise as a set;
* ``words``: the same vote over the traced requests nearest in *words*
  (TF-IDF, :mod:`agentfn.router.trace_words`), times the nearest one's
  cosine: counted only when the nearest traced request (dense) is above
  ``floor``, unscaled (a request sharing no word with any traced one gets 0):
  below the floor, words shared with another service's traces say nothing;
* ``family``: the weighted share of those same :data:`VOTE_ROWS` nearest
  traced requests that used the tool's family (``server__`` namespace),
  times the share of that family's traced requests that used the tool
  (:meth:`TraceMemory.rates`): once near requests say "this is the shop",
  the shop's tools every order change needs rise, each as often as the
  shop's requests used it. A relative signal, so not scaled, but counted only
  above ``floor`` as ``words``.

Candidates: the cold-start top ``rerank_depth``, plus the tools of the
nearest traced requests above ``floor`` (:meth:`TraceMemory.recall`; see
:mod:`agentfn.router.trace_pool`): a tool a similar request used is re-scored
even when its description ranked it out of reach.

Only the trace features (:data:`TRACE_FEATURES`) know tools by name; the
others exist for every tool, so what the model learns about them carries over
to new tools and sources. Every trace signal reads 0 for *every* candidate of
a request unlike all traces (nearest traced request below ``floor``): there,
a tool no trace used competes on the tool-agnostic signals alone, on equal
terms with traced ones. ``floor`` is chosen while fitting
(:mod:`agentfn.router.fit_rerank`) and saved with the memory.

How far the re-ranker's order replaces the router's on a request depends on
how much the traces cover its candidates (:mod:`agentfn.router.rerank_gate`;
:meth:`TraceMemory.traced` says which candidates' families traces used).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from agentfn.router.index import FloatArray
from agentfn.router.rerank_gate import family_of
from agentfn.router.trace_words import TraceWords

__all__ = ["FEATURE_SETS", "RAW_TRACE", "RECALL_LIMIT", "RECALL_ROWS", "RERANK_FEATURES", "TRACE_FEATURES", "VOTE_ROWS", "VOTE_TEMPERATURE",
           "TraceMemory", "gate", "gated", "request_key", "rerank_score"]

RERANK_FEATURES = ("score", "dense", "lexical", "memory", "prior", "ncov", "qcov", "rank", "centroid", "vote",
                   "words", "family")
TRACE_FEATURES = ("memory", "prior", "centroid", "vote", "words", "family")
"""The features that know tools by name (0 for a tool no trace used)."""
FEATURE_SETS: dict[str, tuple[str, ...]] = {"full": RERANK_FEATURES, "boost": ("score", *TRACE_FEATURES)}
"""The columns a re-ranker may be fitted on. ``boost``: the cold-start score and the trace features only, every
weight >= 0, so a candidate no trace speaks for keeps its cold-start score (scaled): candidates without trace
evidence keep their cold-start order among themselves, and trace evidence only ever lifts a tool."""
RAW_TRACE = ("trace_sim", "trace_top", "trace_prior", "trace_mean", "trace_vote", "trace_words", "trace_family")
"""Ungated inputs of the trace features, also given per candidate (fitting re-gates them per floor)."""
RECALL_ROWS = 5
"""Nearest traced requests (above the memory's floor) whose tools join a request's candidates."""
RECALL_LIMIT = 12
"""Most tools the nearest traced requests add to a request's candidates."""
VOTE_ROWS = 10
"""Nearest traced requests whose tools the ``vote`` feature counts."""
VOTE_TEMPERATURE = 0.05
"""Softmax temperature over those requests' cosines (smaller: the nearest weighs more)."""


def request_key(text: str) -> str:
    """Case-, punctuation- and space-insensitive form of a request (what leave-one-out compares)."""
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", text.lower())).strip()


def gate(similarity: float, floor: float) -> float:
    """How much a cosine above ``floor`` counts, from 0 (at or below it) to 1 (identical)."""
    if floor >= 1.0:
        return 0.0
    return min(1.0, max(0.0, (similarity - floor) / (1.0 - floor)))


class TraceMemory:
    """Vectors of traced requests and the tools each used."""

    def __init__(self, dim: int, floor: float = 0.0) -> None:
        self.vectors: FloatArray = np.zeros((0, dim), dtype=np.float32)
        self.tools: list[list[str]] = []
        self.texts: list[str] = []
        """The request per row (re-encoded when the router's encoder changes)."""
        self.keys: list[str] = []
        """Normalised request text per row (leave-one-out while fitting)."""
        self.counts: dict[str, int] = {}
        self.floor = floor
        """Cosine at or below which a traced request says nothing about a new one (see :func:`gate`)."""
        self._families: frozenset[str] | None = None
        self._sums: dict[str, tuple[FloatArray, int]] | None = None
        self._words: TraceWords | None = None
        self._rates: dict[str, int] | None = None

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
        self._families = None
        self._sums = None
        self._words = None
        self._rates = None

    def families(self) -> frozenset[str]:
        """The families (``server__`` namespace, else the tool) of every tool a traced request used."""
        if self._families is None:
            self._families = frozenset(family_of(t) for row in self.tools for t in row)
        return self._families

    def traced(self, names: Sequence[str]) -> list[bool]:
        """Per name: whether its family is one traces used."""
        fams = self.families()
        return [family_of(n) in fams for n in names]

    def without(self, drop: Callable[[Sequence[str]], bool]) -> TraceMemory:
        """A copy without the rows whose tools ``drop`` (e.g. every trace of a source, to play it unseen)."""
        return self.subset([i for i, row in enumerate(self.tools) if not drop(row)])

    def subset(self, keep: Sequence[int]) -> TraceMemory:
        """A copy with only the rows at positions ``keep``."""
        mem = TraceMemory(int(self.vectors.shape[1]), self.floor)
        if keep:
            rows = list(keep)
            mem.add(self.vectors[rows], [self.tools[i] for i in rows], [self.texts[i] for i in rows])
        return mem

    def nearest(self, qvec: FloatArray, exclude: str | None = None) -> tuple[dict[str, float], float]:
        """Best cosine per tool over the rows that used it, and the best over all rows (rows of request
        ``exclude`` skipped; -1 when no row is left)."""
        if not self.tools:
            return {}, -1.0
        sims = np.asarray(self.vectors @ qvec, dtype=np.float32)
        n_rows = int(sims.shape[0])
        top = np.argpartition(-sims, 64)[:64] if n_rows > 64 else np.arange(n_rows)
        out: dict[str, float] = {}
        best = -1.0
        for i in [int(i) for i in np.asarray(top, dtype=np.int64)]:
            if exclude is not None and self.keys[i] == exclude:
                continue
            s = float(sims[i])
            best = max(best, s)
            for n in self.tools[i]:
                if s > out.get(n, -1.0):
                    out[n] = s
        return out, best

    def votes(self, qvec: FloatArray, exclude: str | None = None) -> tuple[dict[str, float], dict[str, float]]:
        """Per tool, the weighted share of the :data:`VOTE_ROWS` nearest rows (rows of request ``exclude``
        skipped) that used it, and per family the weighted share of those rows that used one of its tools;
        weights are a softmax of the rows' cosines at :data:`VOTE_TEMPERATURE`."""
        if not self.tools:
            return {}, {}
        sims = np.asarray(self.vectors @ qvec, dtype=np.float64)
        rows = [int(i) for i in np.argsort(-sims, kind="stable")[: VOTE_ROWS + 8]
                if exclude is None or self.keys[int(i)] != exclude][:VOTE_ROWS]
        if not rows:
            return {}, {}
        w = np.exp((sims[rows] - sims[rows[0]]) / VOTE_TEMPERATURE)
        total = float(w.sum())
        out: dict[str, float] = {}
        fams: dict[str, float] = {}
        for i, weight in zip(rows, w.tolist(), strict=True):
            for n in dict.fromkeys(self.tools[i]):
                out[n] = out.get(n, 0.0) + weight / total
            for f in {family_of(n) for n in self.tools[i]}:
                fams[f] = fams.get(f, 0.0) + weight / total
        return out, fams

    def rates(self, names: Sequence[str], exclude: str | None = None) -> list[float]:
        """Per name, the share of the traced requests using its family that used it (rows of request
        ``exclude`` left out; 0 for a family no other row used)."""
        if self._rates is None:
            fam_rows: dict[str, int] = {}
            for row in self.tools:
                for f in {family_of(n) for n in row}:
                    fam_rows[f] = fam_rows.get(f, 0) + 1
            self._rates = fam_rows
        own = [self.tools[i] for i, k in enumerate(self.keys) if k == exclude] if exclude is not None else []
        out: list[float] = []
        for n in names:
            f = family_of(n)
            used = self.counts.get(n, 0) - sum(1 for row in own if n in row)
            rows = self._rates.get(f, 0) - sum(1 for row in own if any(family_of(t) == f for t in row))
            out.append(used / rows if rows > 0 and used > 0 else 0.0)
        return out

    def similarities(self, qvec: FloatArray, exclude: str | None = None) -> dict[str, float]:
        """Best cosine per tool over the rows that used it (rows of request ``exclude`` skipped)."""
        return self.nearest(qvec, exclude)[0]

    def recall(self, qvec: FloatArray, exclude: str | None = None) -> list[str]:
        """Tools of the :data:`RECALL_ROWS` nearest traced requests whose cosine is above ``floor`` (rows of
        request ``exclude`` skipped), nearest first, at most :data:`RECALL_LIMIT`."""
        if not self.tools or self.floor >= 1.0:
            return []
        sims = np.asarray(self.vectors @ qvec, dtype=np.float32)
        out: dict[str, None] = {}
        taken = 0
        for i in [int(i) for i in np.argsort(-sims, kind="stable")]:
            if float(sims[i]) <= self.floor or taken >= RECALL_ROWS or len(out) >= RECALL_LIMIT:
                break
            if exclude is not None and self.keys[i] == exclude:
                continue
            taken += 1
            out.update(dict.fromkeys(self.tools[i]))
        return list(out)[:RECALL_LIMIT]

    def _tool_sums(self) -> dict[str, tuple[FloatArray, int]]:
        if self._sums is None:
            sums: dict[str, tuple[FloatArray, int]] = {}
            zero: FloatArray = np.zeros(int(self.vectors.shape[1]), dtype=np.float32)
            for i, row in enumerate(self.tools):
                for n in dict.fromkeys(row):
                    v, c = sums.get(n, (zero, 0))
                    sums[n] = (v + self.vectors[i], c + 1)
            self._sums = sums
        return self._sums

    def centroids(self, qvec: FloatArray, names: Sequence[str], exclude: str | None = None) -> list[float]:
        """Per name, the cosine of ``qvec`` to the mean of the traced requests that used it (rows of request
        ``exclude`` left out of the mean; 0 for a tool no other row used)."""
        sums = self._tool_sums()
        own = [i for i, k in enumerate(self.keys) if k == exclude] if exclude is not None else []
        out: list[float] = []
        for n in names:
            v, c = sums.get(n, (None, 0))
            if v is None:
                out.append(0.0)
                continue
            for i in own:
                if n in self.tools[i]:
                    v, c = v - self.vectors[i], c - 1
            norm = float(np.linalg.norm(v)) if c > 0 else 0.0
            out.append(float(v @ qvec) / norm if norm > 1e-9 else 0.0)
        return out

    def word_votes(self, text: str, exclude: str | None = None) -> dict[str, float]:
        """Per tool, the vote of the traced requests nearest to ``text`` in words (:mod:`agentfn.router.trace_words`)."""
        if not self.tools:
            return {}
        if self._words is None:
            self._words = TraceWords(self.texts, self.tools, self.keys)
        return self._words.vote(text, exclude)

    def features(
        self, qvec: FloatArray, names: Sequence[str], exclude: str | None = None, text: str = ""
    ) -> list[dict[str, float]]:
        """The trace features (gated by ``floor``) and their raw inputs (:data:`RAW_TRACE`) per name (``text``: the
        request, for the ``words`` vote; empty: no word vote)."""
        sims, top = self.nearest(qvec, exclude)
        means = self.centroids(qvec, names, exclude)
        votes, fams = self.votes(qvec, exclude)
        words = self.word_votes(text, exclude) if text else {}
        rates = self.rates(names, exclude)
        out: list[dict[str, float]] = []
        for n, mean, rate in zip(names, means, rates, strict=True):
            raw = {"trace_sim": sims.get(n, 0.0), "trace_top": top, "trace_prior": self.prior(n), "trace_mean": mean,
                   "trace_vote": votes.get(n, 0.0), "trace_words": words.get(n, 0.0),
                   "trace_family": fams.get(family_of(n), 0.0) * rate}
            out.append({**gated(raw, self.floor), **raw})
        return out

    def prior(self, name: str) -> float:
        top = max(self.counts.values(), default=0)
        return math.log1p(self.counts.get(name, 0)) / math.log1p(top) if top else 0.0

    def forget(self, name: str) -> None:
        self.counts.pop(name, None)
        self.tools = [[t for t in row if t != name] for row in self.tools]
        self._families = None
        self._sums = None
        self._words = None
        self._rates = None

    def reencoded(self, encoder: Any) -> TraceMemory:
        """The same rows under another encoder."""
        mem = TraceMemory(int(encoder.dim), self.floor)
        if self.texts:
            mem.add(encoder.encode(list(self.texts)), self.tools, self.texts)
        return mem

    def to_json(self) -> dict[str, Any]:
        return {"tools": self.tools, "texts": self.texts, "floor": self.floor}

    @classmethod
    def from_saved(cls, data: dict[str, Any], vectors: FloatArray | None, dim: int) -> TraceMemory:
        mem = cls(dim, float(data.get("floor", 0.0)))
        tools = [list(map(str, row)) for row in data.get("tools", [])]
        texts = [str(t) for t in data.get("texts", [])]
        if vectors is not None and tools and len(texts) == len(tools) and vectors.shape == (len(tools), dim):
            mem.add(vectors, tools, texts)
        return mem


def gated(raw: dict[str, float], floor: float) -> dict[str, float]:
    """The trace features from their raw inputs under ``floor`` (``words`` and ``family`` whole, or 0 when the
    nearest traced request is at or below it)."""
    near = gate(raw["trace_top"], floor)
    return {"memory": gate(raw["trace_sim"], floor), "prior": raw["trace_prior"] * near,
            "centroid": gate(raw.get("trace_mean", 0.0), floor), "vote": raw.get("trace_vote", 0.0) * near,
            "words": raw.get("trace_words", 0.0) if near > 0.0 else 0.0,
            "family": raw.get("trace_family", 0.0) if near > 0.0 else 0.0}


def rerank_score(features: dict[str, float], weights: dict[str, float]) -> float:
    """The re-ranker's logit for one candidate."""
    return weights.get("bias", 0.0) + sum(weights.get(k, 0.0) * features.get(k, 0.0) for k in RERANK_FEATURES)
