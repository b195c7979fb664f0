"""The router: which few tools out of thousands, in which combination, or none.

Scoring (per tool, for one request)::

    dense   = cosine(query vector, tool vector)                 in [-1, 1]
    lexical = BM25(query, tool) / BM25 scale of the query         in [0, ~1]
    score   = w_dense * dense + w_lexical * lexical               ("weighted")
          or  sum of 1 / (rrf_k + rank) over both rankings          ("rrf")

A request with several steps ("X and then Y") is also scored step by step and
each tool keeps its best score, so every step's tool reaches the top of
``ranked``. ``abstain`` is ``top weighted score < abstain_threshold``.
Every knob lives in :class:`RouterConfig`, saved with the router, so a trainer
can fit and swap them (see :meth:`Router.fit_from_traces`).

Dense search is exact (one numpy dot product per tool) by default. With
``RouterConfig.index = "usearch"`` (or ``"auto"`` from ``ann_min_tools`` live
tools on) an HNSW index (:mod:`agentfn.router.ann`) proposes the
``ann_candidates`` nearest tools, BM25 adds its top ``ann_lexical_candidates``,
and only that pool (one per request, shared by its steps) is scored exactly and
fused as above; every other tool scores -inf. :meth:`Router.score_all` (what
trainers use) stays exact unless asked otherwise.
"""

from __future__ import annotations

import itertools
import json
import shutil
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from agentfn.exceptions import ConfigError, ToolsetConflictError, UserError
from agentfn.router.ann import AnnIndex, AnnParams
from agentfn.router.combine import CoUsage, order_tools, segment
from agentfn.router.encoder import DEFAULT_ENCODER, Encoder, load_encoder
from agentfn.router.lexical import BM25Index
from agentfn.router.text import ToolRecord, dense_text, lexical_tokens, query_from_messages, tokenize

__all__ = ["RoutePlan", "Router", "RouterConfig"]

FORMAT_VERSION = 1
FloatArray = npt.NDArray[np.float32]


class RoutePlan(BaseModel):
    """What the router decided for one request."""

    model_config = ConfigDict(extra="forbid")

    ranked: list[tuple[str, float]] = Field(default_factory=list[tuple[str, float]])
    """Tool names and scores, best first, at most ``k``."""
    selected: list[str] = Field(default_factory=list[str])
    """The predicted combination, in the order the tools should run."""
    abstain: bool = False
    """True when no tool fits the request."""
    confidence: float = 0.0
    """The top abstention score (``dense + abstain_w_lexical * lexical``) that
    ``abstain`` was decided on."""


class RouterConfig(BaseModel):
    """Every tunable of a router; saved in ``router.json``."""

    model_config = ConfigDict(extra="forbid")

    encoder: str | None = DEFAULT_ENCODER
    """Encoder spec for :func:`load_encoder`; None = pure-lexical mode (no model)."""
    encoder_backend: Literal["auto", "onnx", "numpy", "sentence-transformers"] = "auto"
    fusion: Literal["weighted", "rrf"] = "weighted"
    w_dense: float = 1.0
    w_lexical: float = 1.0
    abstain_w_lexical: float = 0.35
    """Lexical weight inside the abstention score (``dense + this * lexical``);
    it separates "no tool fits" best at a lower value than ranking wants."""
    rrf_k: float = 60.0
    bm25_k1: float = 1.2
    bm25_b: float = 0.75
    context_weight: float = 0.35
    """Weight of earlier user turns relative to the latest one."""
    abstain_threshold: float | None = None
    """None: calibrated on the registry itself (see :attr:`Router.threshold`);
    a number (e.g. fitted from traces) is used as is."""
    abstain_quantile: float = 0.8
    """Cold-start threshold = this quantile of the top scores that built-in
    off-topic probe requests get against the registry (0.8 measured best on the
    dev eval set)."""
    segment_boost: float = 1.0
    """How far a step's ranking is lifted towards the whole request's top score
    (1.0: each real step's best tool ties with the overall best), so every
    step's tools reach the top of ``ranked``."""
    segment_context: float = 0.0
    """Weight of the whole request's vector mixed into each step's vector
    (carries e.g. a provider named in another step)."""
    segment_margin: float = 0.05
    """A step's own top tool joins ``selected`` if its step score is within this
    of the abstention threshold or above."""
    co_usage_min: float = 0.5
    """P(B | A) from traces above which B joins A in ``selected``."""
    candidates: int = 64
    """Per-query candidate pool before the final sort."""
    index: Literal["exact", "usearch", "auto"] = "exact"
    """Dense search: ``exact`` (numpy over every tool), ``usearch`` (HNSW
    candidates, needs ``agentfn[ann]``), or ``auto`` (usearch once the registry
    holds ``ann_min_tools`` live tools). Ignored in pure-lexical mode."""
    ann_min_tools: int = 100_000
    """Registry size at which ``index="auto"`` switches to usearch."""
    ann_candidates: int = 1000
    """Tools taken from the ANN (dense) ranking, at least ``k``, per request and per step.
    Defaults here and below: on the benchmark's 1M-tool registry (hundreds of
    near-duplicates per tool) they keep ~93% of the exact top-10 at ~1/6 of the
    exact latency; smaller settings are faster and lose more (benchmarks/router_bench.py)."""
    ann_lexical_candidates: int = 2000
    """Tools taken from the BM25 ranking per request and per step. Scoring a
    candidate exactly costs one dot product, so this pool is wide: it keeps
    lexically equal near-duplicates (one tool from many providers) together
    for the exact dense score to order."""
    ann_connectivity: int = 32
    """HNSW edges per node ("M" in the paper); fixed when the index is built."""
    ann_expansion_add: int = 128
    """HNSW search breadth while inserting ("efConstruction")."""
    ann_expansion_search: int = 2048
    """HNSW search breadth for queries ("ef"); usearch widens it to the candidate
    count. The expansions can change any time; a changed connectivity or dtype
    rebuilds the index on next use."""
    ann_dtype: Literal["f32", "f16", "i8"] = "f16"
    """Storage of the index's own vector copy; candidates are re-scored from the
    exact float32 vectors, so this trades memory for candidate recall only."""


# Lexical scores are normalised per query, so one absolute cold-start threshold
# works across registries (measured on the dev eval set, seed 1).
_LEXICAL_THRESHOLD = 0.07


class Router:
    """Hybrid (BM25 + embeddings) tool router with combination and abstention."""

    def __init__(self, config: RouterConfig | None = None, *, encoder: Encoder | None = None) -> None:
        self.config = config or RouterConfig()
        self._encoder: Encoder | None = encoder
        if self._encoder is None and self.config.encoder is not None:
            self._encoder = load_encoder(self.config.encoder, backend=self.config.encoder_backend)
        self._lex = BM25Index(self.config.bm25_k1, self.config.bm25_b)
        self._records: dict[str, ToolRecord] = {}
        self._slot_of: dict[str, int] = {}
        self._names: list[str | None] = []
        dim = self._encoder.dim if self._encoder is not None else 0
        self._emb: FloatArray = np.zeros((0, dim), dtype=np.float32)
        self._alive = np.zeros(0, dtype=bool)
        self._vec_cache: dict[str, FloatArray] = {}
        self._probe_vecs: FloatArray | None = None
        self._query_cache: OrderedDict[str, FloatArray] = OrderedDict()
        self.query_cache_size = 1024
        self._calibrated: float | None = None
        self._calibrated_ann = False
        self._ann: AnnIndex | None = None
        self.co_usage = CoUsage()

    # ----------------------------------------------------------------- building

    @classmethod
    def build(
        cls,
        tools: Iterable[Any],
        *,
        encoder: str | Encoder | None = DEFAULT_ENCODER,
        config: RouterConfig | None = None,
        batch_size: int = 64,
        embeddings: FloatArray | None = None,
    ) -> Router:
        """Index ``tools`` (Tool objects, OpenAI spec dicts or ToolRecords).

        Args:
            encoder: encoder spec, an :class:`Encoder`, or None for lexical only.
            config: full configuration (its ``encoder`` wins over ``encoder``).
            embeddings: precomputed tool vectors, one row per tool (same encoder,
                L2-normalised); skips encoding, e.g. for a trainer that already has them.
        """
        if config is None:
            spec = encoder.spec if isinstance(encoder, Encoder) else encoder
            config = RouterConfig(encoder=spec)
        router = cls(config, encoder=encoder if isinstance(encoder, Encoder) else None)
        recs = [ToolRecord.of(t) for t in tools]
        if embeddings is not None and router._encoder is not None:
            if embeddings.shape != (len(recs), router._encoder.dim):
                raise ConfigError(f"embeddings have shape {embeddings.shape}, expected {(len(recs), router._encoder.dim)}")
            for rec, vec in zip(recs, embeddings, strict=True):
                router._vec_cache[dense_text(rec)] = np.asarray(vec, dtype=np.float32)
        router._add_many(recs, batch_size=batch_size)
        return router

    @property
    def mode(self) -> Literal["hybrid", "lexical"]:
        return "lexical" if self._encoder is None else "hybrid"

    @property
    def encoder(self) -> Encoder | None:
        return self._encoder

    @property
    def uses_ann(self) -> bool:
        """Whether :meth:`route` takes dense candidates from the ANN index now."""
        if self._encoder is None:
            return False
        index = self.config.index
        return index == "usearch" or (index == "auto" and len(self._slot_of) >= self.config.ann_min_tools)

    def _ann_params(self) -> AnnParams:
        c = self.config
        return AnnParams(c.ann_connectivity, c.ann_expansion_add, c.ann_expansion_search, c.ann_dtype)

    def _ensure_ann(self) -> AnnIndex:
        """The ANN index, built from the live vectors if absent or built with other fixed settings."""
        assert self._encoder is not None
        ann, want = self._ann, self._ann_params()
        if ann is not None and (ann.dim, ann.params.connectivity, ann.params.dtype) != (self._encoder.dim, want.connectivity, want.dtype):
            ann = None
        if ann is None:
            ann = AnnIndex(self._encoder.dim, want)
            live = np.flatnonzero(self._alive[: len(self._names)])
            ann.add(live, self._emb[live])
            self._ann = ann
        ann.set_expansion(want.expansion_add, want.expansion_search)
        return ann

    @property
    def threshold(self) -> float:
        """The abstention threshold in force.

        Fitted (``config.abstain_threshold``) when set; otherwise, in hybrid
        mode, calibrated on this registry: cosine levels depend on how tools are
        described, so the router scores built-in off-topic probes
        (:mod:`agentfn.router._probes`) and takes ``abstain_quantile`` of their
        top scores. Recomputed lazily after the registry changes.
        """
        t = self.config.abstain_threshold
        if t is not None:
            return t
        if self._encoder is None:
            return _LEXICAL_THRESHOLD
        approx = self.uses_ann
        if self._calibrated is None or self._calibrated_ann != approx:
            from agentfn.router._probes import PROBES

            if self._probe_vecs is None:
                self._probe_vecs = self._encoder.encode(PROBES)
            # The same (candidate) scoring as route(): no pass over every tool per probe.
            tops = [
                float(np.max(self.score_all(p, vector=v, approximate=approx)["abstain"], initial=0.0))
                for p, v in zip(PROBES, self._probe_vecs, strict=True)
            ]
            self._calibrated = float(np.quantile(np.asarray(tops), self.config.abstain_quantile))
            self._calibrated_ann = approx
        return self._calibrated

    def names(self) -> list[str]:
        """Indexed tool names, in insertion order."""
        return [n for n in self._names if n is not None]

    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, name: object) -> bool:
        return name in self._slot_of

    def record(self, name: str) -> ToolRecord:
        return self._records[name]

    def add(self, tool: Any) -> None:
        """Index one more tool (only it is embedded)."""
        self._add_many([ToolRecord.of(tool)])

    def remove(self, name: str) -> None:
        """Drop a tool by name. Raises KeyError if absent."""
        slot = self._slot_of.pop(name)
        self._calibrated = None
        self._names[slot] = None
        self._alive[slot] = False
        self._lex.remove(slot)
        if self._ann is not None:
            self._ann.remove(slot)
        del self._records[name]
        self.co_usage.forget(name)

    def _add_many(self, recs: Sequence[ToolRecord], batch_size: int = 64, *, ann: bool = True) -> None:
        seen: set[str] = set()
        for rec in recs:
            if rec.name in self._slot_of or rec.name in seen:
                raise ToolsetConflictError(rec.name, "the router", "the tools being added")
            seen.add(rec.name)
        vectors = self._vectors_for(recs, batch_size)
        self._calibrated = None
        start = len(self._names)
        need = start + len(recs)
        if need > self._emb.shape[0]:
            cap = max(need, 2 * self._emb.shape[0], 64)
            grown = np.zeros((cap, self._emb.shape[1]), dtype=np.float32)
            grown[: self._emb.shape[0]] = self._emb
            self._emb = grown
            self._alive = np.concatenate([self._alive, np.zeros(cap - self._alive.shape[0], dtype=bool)])
        for i, rec in enumerate(recs):
            slot = start + i
            self._names.append(rec.name)
            self._slot_of[rec.name] = slot
            self._records[rec.name] = rec
            self._lex.add(slot, lexical_tokens(rec))
            if vectors is not None:
                self._emb[slot] = vectors[i]
            self._alive[slot] = True
        if not ann or vectors is None:
            return  # Router.load attaches the saved index instead
        if self._ann is not None:
            self._ann.add(np.arange(start, need), vectors)
        elif self.uses_ann:
            self._ensure_ann()

    def _vectors_for(self, recs: Sequence[ToolRecord], batch_size: int) -> FloatArray | None:
        """Embeddings for ``recs``, computing only texts not in the cache."""
        if self._encoder is None:
            return None
        texts = [dense_text(r) for r in recs]
        missing = sorted({t for t in texts if t not in self._vec_cache})
        if missing:
            for text, vec in zip(missing, self._encoder.encode(missing, batch_size=batch_size), strict=True):
                self._vec_cache[text] = vec
        if not texts:
            return np.zeros((0, self._encoder.dim), dtype=np.float32)
        return np.stack([self._vec_cache[t] for t in texts])

    def set_encoder(self, encoder: str | Encoder | None) -> None:
        """Swap the encoder (e.g. a fine-tuned one) and re-embed every tool."""
        self._encoder = encoder if isinstance(encoder, Encoder) or encoder is None else load_encoder(encoder)
        self.config.encoder = None if self._encoder is None else self._encoder.spec
        self._vec_cache.clear()
        self._query_cache.clear()
        self._probe_vecs = None
        self._calibrated = None
        self._ann = None
        recs = [self._records[n] for n in self.names()]
        dim = self._encoder.dim if self._encoder is not None else 0
        self._emb = np.zeros((len(self._names), dim), dtype=np.float32)
        vecs = self._vectors_for(recs, 64)
        if vecs is not None:
            for rec, vec in zip(recs, vecs, strict=True):
                self._emb[self._slot_of[rec.name]] = vec
        if self.uses_ann:
            self._ensure_ann()

    # ------------------------------------------------------------------ scoring

    def _query_parts(self, query: str | Sequence[Any]) -> tuple[str, str]:
        if isinstance(query, str):
            return query, ""
        return query_from_messages(query, context_turns=2)

    def _encode(self, texts: list[str]) -> FloatArray:
        """Query vectors through a small LRU: an agent routes the same user turn at every step."""
        assert self._encoder is not None
        missing = [t for t in dict.fromkeys(texts) if t not in self._query_cache]
        if missing:
            for text, vec in zip(missing, self._encoder.encode(missing), strict=True):
                self._query_cache[text] = vec
        for t in texts:
            self._query_cache.move_to_end(t)
        out = np.stack([self._query_cache[t] for t in texts])
        while len(self._query_cache) > max(self.query_cache_size, 0):
            self._query_cache.popitem(last=False)
        return out

    def score_all(
        self,
        text: str,
        context: str = "",
        vector: FloatArray | None = None,
        *,
        approximate: bool = False,
        candidates: int | None = None,
    ) -> dict[str, FloatArray]:
        """Per-slot signals for one request: ``dense``, ``lexical``, ``weighted``, ``fused``, ``abstain``.

        Exposed for trainers and benchmarks; removed slots hold -inf in ``fused``
        and ``weighted``. Exact by default, whatever ``config.index`` says.
        With ``approximate=True`` (how :meth:`route` scores when :attr:`uses_ann`)
        only the candidates (ANN top ``candidates`` by dense, default
        ``config.ann_candidates``, plus BM25 top ``config.ann_lexical_candidates``)
        are scored, exactly; every other slot holds -inf in ``dense``,
        ``weighted``, ``fused`` and ``abstain``, and ``rrf`` ranks within the
        candidates. ``lexical`` is always exact.
        """
        n = len(self._names)
        cw = self.config.context_weight
        raw_lex, scale = self._lexical_raw(text, context)
        lex = raw_lex / max(scale, 1e-6)
        if self._encoder is None:
            weighted = lex.astype(np.float32)
            weighted[~self._alive[:n]] = -np.inf
            return {"dense": np.zeros(n, dtype=np.float32), "lexical": lex, "weighted": weighted, "fused": weighted, "abstain": weighted}
        qvec: FloatArray
        if vector is None:
            vecs = self._encode([text, context] if context else [text])
            raw: FloatArray = vecs[0] + np.float32(cw) * vecs[1] if context else vecs[0]
            qvec = raw / np.float32(max(float(np.linalg.norm(raw)), 1e-12))
        else:
            qvec = vector
        if approximate:
            slots, (compact,) = self._pool_scores([(text, qvec)], context, candidates or self.config.ann_candidates)
            out: dict[str, FloatArray] = {"lexical": lex}
            for key in ("dense", "weighted", "fused", "abstain"):
                out[key] = np.full(n, -np.inf, dtype=np.float32)
                out[key][slots] = compact[key]
            return out
        dense = (self._emb[:n] @ qvec).astype(np.float32)
        alive = self._alive[:n]
        signals = self._fuse(dense, lex, alive)
        return {"dense": dense, "lexical": lex, **signals}

    def _fuse(self, dense: FloatArray, lex: FloatArray, alive: npt.NDArray[np.bool_]) -> dict[str, FloatArray]:
        """``weighted``, ``fused`` and ``abstain`` from the two signals (-inf where not ``alive``)."""
        weighted = (self.config.w_dense * dense + self.config.w_lexical * lex).astype(np.float32)
        weighted[~alive] = -np.inf
        abstain = (self.config.w_dense * dense + self.config.abstain_w_lexical * lex).astype(np.float32)
        abstain[~alive] = -np.inf
        fused = self._rrf(dense, lex, alive) if self.config.fusion == "rrf" else weighted
        return {"weighted": weighted, "fused": fused, "abstain": abstain}

    def _lexical_raw(self, text: str, context: str) -> tuple[FloatArray, float]:
        """BM25 scores of every slot with earlier turns mixed in, and their best possible value."""
        n = len(self._names)
        toks, ctx_toks = tokenize(text), tokenize(context)
        cw = self.config.context_weight
        raw = self._lex.scores(toks)[:n]
        scale = self._lex.max_score(toks)
        if ctx_toks:
            raw = np.asarray(raw + cw * self._lex.scores(ctx_toks)[:n], dtype=np.float32)
            scale += cw * self._lex.max_score(ctx_toks)
        return raw, scale

    def _lexical_pool(self, text: str, context: str) -> tuple[FloatArray, float, npt.NDArray[np.int64]]:
        """Raw BM25 scores (as in :meth:`score_all`), their scale, and the top lexical slots."""
        raw, scale = self._lexical_raw(text, context)
        hits = np.flatnonzero(raw > 0)
        m = self.config.ann_lexical_candidates
        if hits.shape[0] > m:
            # Ties at the cut go to the lowest slots: a deterministic pool that
            # survives save/load (which keeps slot order).
            vals = raw[hits]
            kth = np.partition(vals, hits.shape[0] - m)[hits.shape[0] - m]
            above = hits[vals > kth]
            hits = np.concatenate([above, hits[vals == kth][: m - above.shape[0]]])
        return raw, max(scale, 1e-6), hits.astype(np.int64)

    def _pool_scores(
        self, items: Sequence[tuple[str, FloatArray]], context: str, m: int
    ) -> tuple[npt.NDArray[np.int64], list[dict[str, FloatArray]]]:
        """Candidate scoring for ``(text, query vector)`` items (a request and its steps).

        The pool is the union, over the items, of the ANN top ``m`` and the BM25
        top ``ann_lexical_candidates``; every item is scored exactly on the whole
        pool with the same arithmetic as the exact path. Returns the pool's
        slots (sorted) and per item ``dense``/``lexical``/``weighted``/``fused``/
        ``abstain`` arrays aligned with them.
        """
        ann = self._ensure_ann()
        parts = [(qvec, *self._lexical_pool(text, context)) for text, qvec in items]
        pool = np.unique(np.concatenate([ann.search(qvec, m) for qvec, *_ in parts] + [hits for *_, hits in parts]))
        slots = pool[self._alive[pool]].astype(np.int64)
        rows = self._emb[slots]
        everyone = slots >= 0  # all True: every pooled slot is live
        out: list[dict[str, FloatArray]] = []
        for qvec, raw, scale, _ in parts:
            dense = (rows @ qvec).astype(np.float32)
            lex = raw[slots] / scale
            out.append({"dense": dense, "lexical": lex, **self._fuse(dense, lex, everyone)})
        return slots, out

    def _rrf(self, dense: FloatArray, lex: FloatArray, alive: npt.NDArray[np.bool_]) -> FloatArray:
        out = np.full(dense.shape[0], -np.inf, dtype=np.float32)
        idx = np.flatnonzero(alive)
        fused = np.zeros(idx.shape[0], dtype=np.float32)
        for signal in (dense[idx], lex[idx]):
            ranks = np.empty(idx.shape[0], dtype=np.float32)
            ranks[np.argsort(-signal, kind="stable")] = np.arange(1, idx.shape[0] + 1, dtype=np.float32)
            fused += 1.0 / (self.config.rrf_k + ranks)
        out[idx] = fused
        return out

    def _top(self, scores: FloatArray, k: int, slots: npt.NDArray[np.int64] | None = None) -> list[tuple[str, float]]:
        """Best ``k`` live tools, ties broken by name so rebuilds agree.

        ``scores`` is indexed by slot, or, with ``slots``, aligned with those (live) slots.
        """
        live = int(self._alive[: scores.shape[0]].sum()) if slots is None else scores.shape[0]
        k = min(k, live)
        if k <= 0:
            return []
        pool = min(scores.shape[0], max(k + 16, self.config.candidates))
        idx_arr: npt.NDArray[np.intp] = (  # pyright: ignore[reportUnknownVariableType]
            np.argpartition(-scores, pool - 1)[:pool] if pool < scores.shape[0] else np.arange(scores.shape[0])
        )
        idx = [int(i) for i in idx_arr]  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
        pairs: list[tuple[str, float]] = []
        for i in idx:
            name = self._names[i if slots is None else int(slots[i])]
            if name is not None and np.isfinite(scores[i]):
                pairs.append((name, float(scores[i])))
        pairs.sort(key=lambda p: (-p[1], p[0]))
        return pairs[:k]

    # ------------------------------------------------------------------ routing

    def route(self, query: str | Sequence[Any], k: int = 10) -> RoutePlan:
        """Rank tools for a request (text or chat messages) and pick a combination."""
        text, context = self._query_parts(query)
        if not text.strip() or not self._slot_of:
            return RoutePlan(abstain=True)
        segs = segment(text)
        steps = [s for s in segs if s.text != text] if len(segs) > 1 else []
        vectors: list[FloatArray | None] = [None] * (1 + len(steps))
        if self._encoder is not None:
            batch = [text] + [s.text for s in steps] + ([context] if context else [])
            vecs = self._encode(batch)
            cw = self.config.context_weight
            ctx_vec = vecs[-1] * cw if context else 0.0
            for i in range(1 + len(steps)):
                v = vecs[i] + ctx_vec + (self.config.segment_context * vecs[0] if i else 0.0)
                vectors[i] = v / max(float(np.linalg.norm(v)), 1e-12)
        pooled: list[dict[str, FloatArray]] = []
        slots: npt.NDArray[np.int64] | None = None
        if self.uses_ann:
            # One candidate pool for the request and its steps: arrays over it line up like per-slot ones.
            items = [(t, v) for t, v in zip([text] + [s.text for s in steps], vectors, strict=True) if v is not None]
            slots, pooled = self._pool_scores(items, context, max(self.config.ann_candidates, k))
            whole = pooled[0]
        else:
            whole = self.score_all(text, context, vectors[0])
        fused = whole["fused"].copy()
        confidence = float(np.max(whole["abstain"])) if whole["abstain"].size else 0.0
        step_tops: list[tuple[int, str, float]] = []
        floor = self.threshold - self.config.segment_margin
        real_steps: list[FloatArray] = []
        for i, step in enumerate(steps, start=1):
            s = pooled[i] if pooled else self.score_all(step.text, context, vectors[i])
            wtop = self._top(s["weighted"], 1, slots)
            step_conf = float(np.max(s["abstain"]))
            if not wtop or step_conf < floor:
                continue  # not a real step (e.g. "... and London")
            step_tops.append((step.order, wtop[0][0], step_conf))
            real_steps.append(s["fused"])
        # Lift each real step's ranking so its best tool ties with the best of any step.
        target = max([float(np.max(fused))] + [float(np.max(f)) for f in real_steps])
        for f in real_steps:
            lift = self.config.segment_boost * max(target - float(np.max(f)), 0.0)
            fused = np.maximum(fused, f + np.float32(lift))
        ranked = self._top(fused, k, slots)
        # A request made of clear steps fits even if the whole sentence matches nothing well.
        confidence = max([confidence] + [c for _, _, c in step_tops])
        abstain = confidence < self.threshold
        selected = [] if abstain else self._select(ranked, whole, step_tops, slots)
        return RoutePlan(ranked=ranked, selected=selected, abstain=abstain, confidence=confidence)

    def _select(
        self,
        ranked: list[tuple[str, float]],
        whole: dict[str, FloatArray],
        step_tops: list[tuple[int, str, float]],
        slots: npt.NDArray[np.int64] | None = None,
    ) -> list[str]:
        if not ranked:
            return []
        positions: dict[str, int] = {}
        chosen: list[str] = []
        floor = self.threshold - self.config.segment_margin
        for order, name, score in sorted(step_tops):
            if score >= floor and name not in positions:
                positions[name] = order
                chosen.append(name)
        if len(chosen) < 2:
            # One step: the overall best tool (its step tool, if any, is usually the same).
            positions = {}
            top_name = self._top(whole["weighted"], 1, slots)[0][0] if self.config.fusion == "rrf" else ranked[0][0]
            chosen = [top_name]
        # Tools that traces show travelling with a chosen one, if this request ranks them.
        if self.co_usage.runs:
            offered = {n for n, _ in ranked}
            for a in list(chosen):
                for b in offered:
                    if b not in chosen and self.co_usage.p_with(a, b) >= self.config.co_usage_min:
                        chosen.append(b)
        return order_tools(chosen, positions, self._records, self.co_usage)

    # ----------------------------------------------------------------- training

    def fit_from_traces(
        self,
        pairs: Iterable[tuple[str | Sequence[Any], Sequence[str]]],
        *,
        fit_fusion: bool = True,
        fit_threshold: bool = True,
    ) -> dict[str, float]:
        """Learn from (request, tools called in order) pairs; ``[]`` = no tool fitted.

        Updates co-usage statistics (combination and order), the fusion weight
        (grid search on mean reciprocal rank) and the abstention threshold (max
        F1 when no-tool examples exist). Tools unknown to the router are ignored.
        Returns what was fitted.
        """
        data: list[tuple[str | Sequence[Any], list[str]]] = []
        for q, tools in pairs:
            known = [t for t in tools if t in self._slot_of]
            if known or not tools:  # a run whose tools all left the registry says nothing
                data.append((q, known))
        self.co_usage.fit([t for _, t in data if t])
        out: dict[str, float] = {"pairs": float(len(data)), "runs": float(self.co_usage.runs)}
        positives = [(q, t) for q, t in data if t]
        if fit_fusion and self._encoder is not None and positives:
            out["w_lexical"] = self._fit_fusion(positives)
        if fit_threshold:
            thr = self._fit_threshold(data)
            if thr is not None:
                out["abstain_threshold"] = thr
        return out

    def _signals(self, query: str | Sequence[Any]) -> tuple[FloatArray, FloatArray]:
        text, context = self._query_parts(query)
        s = self.score_all(text, context)
        return s["dense"], s["lexical"]

    def _fit_fusion(self, positives: list[tuple[str | Sequence[Any], list[str]]]) -> float:
        signals = [self._signals(q) for q, _ in positives]
        gold_slots = [[self._slot_of[t] for t in tools] for _, tools in positives]
        alive = self._alive[: len(self._names)]
        best_w, best_mrr = self.config.w_lexical, -1.0
        for w in [0.0, 0.1, 0.2, 0.3, 0.35, 0.4, 0.5, 0.6, 0.8, 1.0, 1.5]:
            mrr = 0.0
            for (dense, lex), gold in zip(signals, gold_slots, strict=True):
                score = self.config.w_dense * dense + w * lex
                score[~alive] = -np.inf
                for g in gold:
                    mrr += 1.0 / (1 + int((score > score[g]).sum())) / len(gold)
            if mrr > best_mrr + 1e-9:
                best_w, best_mrr = w, mrr
        self.config.w_lexical = best_w
        return best_w

    def _fit_threshold(self, data: list[tuple[str | Sequence[Any], list[str]]]) -> float | None:
        if not any(not t for _, t in data) or not any(t for _, t in data):
            return None  # needs both kinds to place a boundary
        conf: list[tuple[float, bool]] = []
        for q, tools in data:
            text, context = self._query_parts(q)
            w = self.score_all(text, context)["abstain"]
            conf.append((float(np.max(w)), not tools))
        values = sorted({c for c, _ in conf})
        cands = [(a + b) / 2 for a, b in itertools.pairwise(values)] or values
        best_t, best_f1 = self.threshold, -1.0
        n_neg = sum(1 for _, neg in conf if neg)
        for t in cands:
            tp = sum(1 for c, neg in conf if neg and c < t)
            fp = sum(1 for c, neg in conf if not neg and c < t)
            f1 = 2 * tp / (2 * tp + fp + (n_neg - tp)) if tp else 0.0
            if f1 > best_f1 + 1e-12:
                best_t, best_f1 = t, f1
        self.config.abstain_threshold = float(best_t)
        return float(best_t)

    # ------------------------------------------------------------- persistence

    def save(self, path: str | Path) -> Path:
        """Write the router to a directory: ``router.json`` + ``embeddings.npy``.

        An encoder loaded from a local folder (e.g. a fine-tuned one) is copied
        into ``encoder/`` so the directory is self-contained. A built ANN index
        (``config.index`` not ``exact``) goes into ``ann/``, so loading does not
        rebuild it.
        """
        root = Path(path)
        root.mkdir(parents=True, exist_ok=True)
        names = self.names()
        config = self.config.model_copy()
        spec = config.encoder
        if spec not in (None, DEFAULT_ENCODER) and Path(spec).is_dir():
            target = root / "encoder"
            if Path(spec).resolve() != target.resolve():
                shutil.rmtree(target, ignore_errors=True)
                shutil.copytree(spec, target)
            config.encoder = "./encoder"
        meta: dict[str, Any] = {
            "format_version": FORMAT_VERSION,
            "config": config.model_dump(),
            "tools": [self._records[n].model_dump() for n in names],
            "co_usage": self.co_usage.to_json(),
        }
        (root / "router.json").write_text(json.dumps(meta, indent=1))
        if self._encoder is not None:
            slots = [self._slot_of[n] for n in names]
            np.save(root / "embeddings.npy", self._emb[slots] if slots else self._emb[:0], allow_pickle=False)
            if self._ann is not None and self.config.index != "exact":
                self._ann.save(root / "ann", np.asarray(slots, dtype=np.int64))
                return root
        # No index saved now: drop one an earlier save left here, it would not match.
        shutil.rmtree(root / "ann", ignore_errors=True)
        return root

    @classmethod
    def load(cls, path: str | Path, *, encoder: Encoder | None = None) -> Router:
        """Read a directory written by :meth:`save` (no network, no re-embedding)."""
        root = Path(path)
        meta_file = root / "router.json"
        if not meta_file.exists():
            raise UserError(f"{root} is not a saved router (no router.json)")
        meta = json.loads(meta_file.read_text())
        if meta.get("format_version") != FORMAT_VERSION:
            raise ConfigError(f"{root}: unsupported router format {meta.get('format_version')!r}")
        config = RouterConfig.model_validate(meta["config"])
        if config.encoder and config.encoder.startswith("./"):
            config.encoder = str((root / config.encoder[2:]).resolve())
        router = cls(config, encoder=encoder)
        recs = [ToolRecord.model_validate(t) for t in meta["tools"]]
        if router._encoder is not None:
            emb = np.load(root / "embeddings.npy", allow_pickle=False)
            if emb.shape != (len(recs), router._encoder.dim):
                raise ConfigError(f"{root}: embeddings.npy has shape {emb.shape}, expected {(len(recs), router._encoder.dim)}")
            for rec, vec in zip(recs, emb, strict=True):
                router._vec_cache[dense_text(rec)] = vec.astype(np.float32)
        router._add_many(recs, ann=False)
        if router._encoder is not None and config.index != "exact":
            if (root / "ann").is_dir():
                router._ann = AnnIndex.load(root / "ann", dim=router._encoder.dim, n_slots=len(recs))
            if router.uses_ann:
                router._ensure_ann()  # builds it if this save had none (e.g. an older one)
        router.co_usage = CoUsage.from_json(meta.get("co_usage", {}))
        return router
