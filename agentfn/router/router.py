"""The router: which few tools out of thousands, in which combination and order, or none.

One request goes through these stages (each timed, see :meth:`Router.route`):

1. ``encode``: the request, its steps (sentences and "X, then Y" parts, see
   :func:`~agentfn.router.combine.segment`) and earlier user turns, in one batch.
2. ``score``: dense + BM25 per tool for the request and each step
   (:mod:`agentfn.router.scoring`); each real step's ranking is lifted so its
   best tool ties with the overall best, so every step's tool reaches the top.
3. ``rerank``: an optional learned re-ranker (:mod:`agentfn.router.rerank`)
   re-scores the top candidates (off until ``agentfn train router`` fits it).
4. ``abstain``: "no tool fits" from transferable signals
   (:mod:`agentfn.router.calibration`).
5. ``select``: the combination (:mod:`agentfn.router.selection`): step tools,
   co-used tools, and producers of inputs the request does not give
   (:mod:`agentfn.router.dataflow`), ordered producers first.
6. ``plan``: an optional :class:`PlanHook` (e.g. a model-assisted planner) may
   choose and order among the top candidates.

Every knob lives in :class:`RouterConfig`, saved with the router. Dense search
is exact by default; ``RouterConfig.index = "usearch"`` (or ``"auto"``) takes
candidates from an HNSW index (:mod:`agentfn.router.ann`) and scores that pool
exactly.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from agentfn.router.abstain import AbstainInputs, AbstainSources, abstain_features, used_features
from agentfn.router.ann import AnnIndex
from agentfn.router.calibration import (
    DEFAULT_ABSTAIN_WEIGHTS,
    ProbeCalibrator,
    name_words,
    p_fits,
    request_words,
    tool_vocabulary,
)
from agentfn.router.chain import lift_pulled
from agentfn.router.combine import CoUsage
from agentfn.router.config import RoutePlan, RouterConfig
from agentfn.router.dataflow import RequestValues, ToolIO, fill_score, tool_io
from agentfn.router.encoder import DEFAULT_ENCODER, Encoder, load_encoder, with_request_tokens
from agentfn.router.flowindex import ProducerIndex
from agentfn.router.flowstats import FlowLink, FlowStats
from agentfn.router.head_inputs import HEADS, head_producers
from agentfn.router.index import FloatArray, ToolIndex
from agentfn.router.leads import unnamed_leads
from agentfn.router.mathread import numeric_head
from agentfn.router.neardup import near_duplicate_head, one_step
from agentfn.router.persist import read_embeddings, read_heads, read_router, write_router
from agentfn.router.pipeline import Ranking, candidate_features, first_pass
from agentfn.router.rerank import TraceMemory, rerank_score
from agentfn.router.rerank_gate import gate_of, gated_order
from agentfn.router.scoring import Scorer, Signals
from agentfn.router.selection import select
from agentfn.router.steps import numeric_operation
from agentfn.router.text import ToolRecord, query_from_messages, tokenize
from agentfn.router.trace_pool import fused_score_of, widened

__all__ = ["PlanHook", "RoutePlan", "Router", "RouterConfig"]


class PlanHook(Protocol):
    """Chooses and orders tools among a request's top candidates (e.g. by asking a capable model).

    Called after the router's own selection; returns the new ``selected`` list
    (names from ``candidates``), or None to keep the router's.
    """

    def plan(self, request: str, candidates: Sequence[ToolRecord], plan: RoutePlan) -> list[str] | None: ...


class Router:
    """Hybrid (BM25 + embeddings) tool router with data-flow combinations and abstention."""

    def __init__(self, config: RouterConfig | None = None, *, encoder: Encoder | None = None) -> None:
        self._config = config or RouterConfig()
        if encoder is None and self._config.encoder is not None:
            encoder = load_encoder(self.config.encoder, backend=self.config.encoder_backend)
        if encoder is not None:
            encoder = with_request_tokens(encoder, self._config.request_tokens, int8=self._config.query_int8,
                                          int8_from=self._config.query_int8_min_tokens)
        self.index = ToolIndex(encoder, self.config.bm25_k1, self.config.bm25_b)
        self.scorer = Scorer(self.index, self.config)
        self._calibrator = ProbeCalibrator(self.scorer)
        self._io: dict[str, ToolIO] = {}
        self._producers = ProducerIndex()
        self.co_usage = CoUsage()
        self.flow = FlowStats()
        self.memory: TraceMemory | None = None
        """Traced requests (vectors) and the tools they used: the re-ranker's ``memory`` signal."""
        self._vocabs: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        self.planner: PlanHook | None = None
        """Optional hook that may choose and order among the top candidates (stage ``plan``)."""

    @property
    def config(self) -> RouterConfig:
        """Every knob (saved with the router); assigning a new one also reaches the scorer."""
        return self._config

    @config.setter
    def config(self, value: RouterConfig) -> None:
        self._config = value
        self.scorer.config = value

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
        head_embeddings: FloatArray | None = None,
    ) -> Router:
        """Index ``tools`` (Tool objects, OpenAI spec dicts or ToolRecords).

        Args:
            encoder: encoder spec, an :class:`Encoder`, or None for lexical only.
            config: full configuration (its ``encoder`` wins over ``encoder``).
            embeddings: precomputed tool vectors, one row per tool (same encoder,
                L2-normalised); skips encoding, e.g. for a trainer that already has them.
            head_embeddings: precomputed head vectors (:mod:`agentfn.router.heads`), rows
                as ``embeddings``; ``embeddings`` without them: heads are embedded on first use.
        """
        if config is None:
            spec = encoder.spec if isinstance(encoder, Encoder) else encoder
            config = RouterConfig(encoder=spec)
        router = cls(config, encoder=encoder if isinstance(encoder, Encoder) else None)
        recs = [ToolRecord.of(t) for t in tools]
        if embeddings is not None and router.encoder is not None:
            if embeddings.shape != (len(recs), router.encoder.dim):
                from agentfn.exceptions import ConfigError

                raise ConfigError(f"embeddings have shape {embeddings.shape}, expected {(len(recs), router.encoder.dim)}")
            if head_embeddings is not None and head_embeddings.shape != embeddings.shape:
                from agentfn.exceptions import ConfigError

                raise ConfigError(f"head_embeddings have shape {head_embeddings.shape}, expected {embeddings.shape}")
            router.index.preload_vectors(recs, embeddings, head_embeddings)
            router.index.eager_heads = head_embeddings is not None  # vectors given, heads not: embedded on first use
        router.index.add_many(recs, batch_size, ann_params=router._ann_params_if_used(len(recs)))
        return router

    def _ann_params_if_used(self, extra: int = 0) -> Any:
        if self.index.encoder is None:
            return None
        index = self.config.index
        used = index == "usearch" or (index == "auto" and len(self) + extra >= self.config.ann_min_tools)
        return self.scorer.ann_params() if used or self.index.ann is not None else None

    @property
    def mode(self) -> Literal["hybrid", "lexical"]:
        return "lexical" if self.index.encoder is None else "hybrid"

    @property
    def encoder(self) -> Encoder | None:
        return self.index.encoder

    @property
    def uses_ann(self) -> bool:
        """Whether :meth:`route` takes dense candidates from the ANN index now."""
        if self.index.encoder is None:
            return False
        index = self.config.index
        return index == "usearch" or (index == "auto" and len(self) >= self.config.ann_min_tools)

    @property
    def query_cache_size(self) -> int:
        """Request vectors kept in the LRU (an agent routes the same turn at every step)."""
        return self.scorer.query_cache_size

    @query_cache_size.setter
    def query_cache_size(self, value: int) -> None:
        self.scorer.query_cache_size = value

    @property
    def threshold(self) -> float:
        """The boundary ``RoutePlan.confidence`` is compared with: below it, the router abstains.

        ``abstain_cut`` when the model decides (:attr:`uses_model_abstention`); else
        ``config.abstain_threshold`` when fitted, else :attr:`probe_threshold`.
        """
        if self.uses_model_abstention:
            return self.config.abstain_cut
        t = self.config.abstain_threshold
        return t if t is not None else self.probe_threshold

    @property
    def uses_model_abstention(self) -> bool:
        """Whether the abstention model decides (``abstain_mode="model"`` with an encoder: its main
        inputs are cosines, so a pure-lexical router keeps the threshold rule)."""
        return self.config.abstain_mode == "model" and self.index.encoder is not None

    @property
    def probe_threshold(self) -> float:
        """The abstention score off-topic probes reach on this registry (see :mod:`agentfn.router.calibration`).

        Steps of a request scoring below it (less ``segment_margin``) are not
        real steps; recomputed lazily after the registry changes.
        """
        return self._calibrator.threshold(self.uses_ann)

    def _vocab(self, name: str) -> tuple[frozenset[str], frozenset[str]]:
        got = self._vocabs.get(name)
        if got is None:
            rec = self.index.records[name]
            got = self._vocabs[name] = (tool_vocabulary(rec), name_words(rec))
        return got

    def abstain_features(self, text: str, context: str, ranked: Sequence[tuple[str, float]], dense: float,
                         score: float, lexical: float, dense_of: dict[str, float] | None = None,
                         vectors: Sequence[FloatArray] = (), object_vec: FloatArray | None = None,
                         needed: Collection[str] | None = None) -> dict[str, float]:
        """The abstention model's inputs for a request and its ranking (see :mod:`agentfn.router.abstain`):
        those in ``needed``, or all of them.

        ``dense_of`` holds the request's cosine with (at least) the top three tools; ``vectors`` are the
        request's own vectors (whole, and without its values), measured against background tools.
        """
        inputs = AbstainInputs(text, context, [n for n, _ in ranked[:3]], dense, score, lexical, dense_of or {},
                               vectors, object_vec)
        sources = AbstainSources(self.index, self._calibrator if self.encoder is not None else None, self._vocab,
                                 self.fill_score, lambda: self.probe_threshold)
        return abstain_features(inputs, sources, needed)

    def names(self) -> list[str]:
        """Indexed tool names, in insertion order."""
        return self.index.names()

    def tool_names(self) -> list[str | None]:
        """Tool name per slot, aligned with the arrays of :meth:`score_all` (None for removed tools)."""
        return list(self.index.slot_names)

    def __len__(self) -> int:
        return len(self.index.slot_of)

    def __contains__(self, name: object) -> bool:
        return name in self.index.slot_of

    def record(self, name: str) -> ToolRecord:
        return self.index.records[name]

    def io(self, name: str) -> ToolIO:
        """A tool's inputs and outputs as the data-flow planner sees them (cached)."""
        got = self._io.get(name)
        if got is None:
            got = self._io[name] = tool_io(self.index.records[name])
        return got

    def add(self, tool: Any) -> None:
        """Index one more tool (only it is embedded)."""
        self.index.add_many([ToolRecord.of(tool)], ann_params=self._ann_params_if_used(1))
        self._producers.reset()

    def remove(self, name: str) -> None:
        """Drop a tool by name. Raises KeyError if absent."""
        self.index.remove(name)
        self._io.pop(name, None)
        self._producers.reset()
        self._vocabs.pop(name, None)
        self.co_usage.forget(name)
        self.flow.forget(name)
        if self.memory is not None:
            self.memory.forget(name)

    def set_encoder(self, encoder: str | Encoder | None) -> None:
        """Swap the encoder (e.g. a fine-tuned one) and re-embed every tool."""
        enc = encoder if isinstance(encoder, Encoder) or encoder is None else load_encoder(encoder)
        enc = None if enc is None else with_request_tokens(enc, self.config.request_tokens, int8=self.config.query_int8,
                                                           int8_from=self.config.query_int8_min_tokens)
        self.config.encoder = None if enc is None else enc.spec
        self.scorer.query_cache.clear()
        self._calibrator.reset()
        self.index.set_encoder(enc)
        if self.memory is not None:
            self.memory = self.memory.reencoded(enc) if enc is not None else None
        if self.uses_ann:
            self.index.ensure_ann(self.scorer.ann_params())

    # ------------------------------------------------------------------ scoring

    def score_all(
        self,
        text: str,
        context: str = "",
        vector: FloatArray | None = None,
        *,
        approximate: bool = False,
        candidates: int | None = None,
    ) -> Signals:
        """Per-slot signals for one request: ``dense``, ``lexical``, ``weighted``, ``fused``, ``abstain``.

        Exposed for trainers and benchmarks; arrays line up with :meth:`tool_names`;
        removed slots hold -inf in ``fused`` and ``weighted``. Exact by default,
        whatever ``config.index`` says. With ``approximate=True`` (how :meth:`route`
        scores when :attr:`uses_ann`) only the candidates (ANN top ``candidates``
        by dense, default ``config.ann_candidates``, plus BM25 top
        ``config.ann_lexical_candidates``) are scored, exactly; every other slot
        holds -inf in ``dense``, ``weighted``, ``fused`` and ``abstain``, and
        ``rrf`` ranks within the candidates. ``lexical`` is always exact.
        """
        return self.scorer.score_all(text, context, vector, approximate=approximate, candidates=candidates)

    def fill_score(self, query: str | Sequence[Any], name: str) -> float:
        """How much of tool ``name``'s required input the request gives by itself, in [0, 1].

        Values are counted by kind (numbers, ids, codes, emails, dates, ...;
        free text and options always count as given): a re-ranking signal for a
        forced call, and one of the abstention features.
        """
        text, context = self.query_parts(query)
        return fill_score(self.index.records[name], f"{context} {text}".strip(), self.io(name))

    @staticmethod
    def query_parts(query: str | Sequence[Any]) -> tuple[str, str]:
        """(latest request, earlier user turns) of a text or a conversation."""
        if isinstance(query, str):
            return query, ""
        return query_from_messages(query, context_turns=2)

    # ------------------------------------------------------------------ routing

    def route(
        self,
        query: str | Sequence[Any],
        k: int = 10,
        *,
        stages: dict[str, float] | None = None,
        features: dict[str, float] | None = None,
    ) -> RoutePlan:
        """Rank tools for a request (text or chat messages) and pick a combination.

        ``stages``, when given, receives each stage's wall time in milliseconds
        (``encode``, ``score``, ``rerank``, ``abstain``, ``select``, ``plan``);
        ``features`` receives the abstention model's inputs.
        """
        clock = time.perf_counter()
        marks: dict[str, float] = {}

        def lap(stage: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            marks[stage] = (now - clock) * 1e3
            clock = now

        text, context = self.query_parts(query)
        if not text.strip() or not len(self):
            return RoutePlan(abstain=True)
        cfg, sc = self.config, self.scorer
        rk = first_pass(sc, text, context, k, probe_threshold=self.probe_threshold, approximate=self.uses_ann, lap=lap)
        rerank = cfg.rerank_weights is not None
        pool = sc.top(rk.fused, max(k, cfg.flow_candidates, cfg.rerank_depth if rerank else 0), rk.slots)
        lap("score")
        if rerank and pool:
            reranked = self._rerank(rk, pool)
            rerank, pool = reranked is not pool, reranked  # nothing moved: exactly the cold-start route
        ranked = pool[:k]
        lap("rerank")
        confidence = rk.score_top
        if self.uses_model_abstention and ranked:
            lex_top = float(np.max(rk.whole["lexical"]))
            dense_of = {n: float(rk.whole["dense"][rk.position(self.index.slot_of[n])]) for n, _ in ranked[:3]}
            dense_top = rk.dense_top
            if rk.bare_vec is not None:  # what the request asks for, without its values
                for n in dense_of:
                    bare = float(self.index.emb[self.index.slot_of[n]] @ rk.bare_vec)
                    dense_of[n] = max(dense_of[n], bare)
                    dense_top = max(dense_top, bare)
            vecs = [v for v in (rk.qvec, rk.bare_vec) if v is not None]
            weights = cfg.abstain_weights or DEFAULT_ABSTAIN_WEIGHTS  # a fit (features=) reads every feature
            feats = self.abstain_features(text, context, ranked, dense_top, rk.score_top, lex_top, dense_of, vecs,
                                          rk.object_vec, None if features is not None else used_features(weights))
            confidence = p_fits(feats, weights)
            if features is not None:
                features.update(feats)
        abstain = confidence < self.threshold
        lap("abstain")
        selected: list[str] = []
        if one_step([st.name for st in rk.step_tops], text) and cfg.head_margin > 0:  # near-duplicates ordered by fit
            ranked = near_duplicate_head(ranked, f"{context} {text}".strip(), self.index.records, self.io,
                                         margin=cfg.head_margin, depth=cfg.head_depth, w_fill=cfg.head_fill,
                                         w_name=cfg.head_name, w_words=cfg.head_words)
            if numeric_operation(text):  # "the product of 17 and 23": a tool that takes numbers
                ranked = numeric_head(ranked, self.io)
        if ranked and (not abstain or cfg.flow_pull):  # abstaining, the chain still lifts its producers into ranked
            top_name = sc.top(rk.whole["weighted"], 1, rk.slots)[0][0] if cfg.fusion == "rrf" and not rerank else ranked[0][0]
            values = RequestValues.of(f"{context} {text}".strip())
            sel = select(
                ranked, top_name, rk.step_tops, rk.floor, config=cfg, co_usage=self.co_usage, flow=self.flow,
                io_of=self.io, records=self.index.records, values=values, relevance=_relevance(pool),
                producers_of=lambda slot: self._producers.lookup(slot, self.index.records, self.io),
            )
            sel = unnamed_leads(sel, ranked[0][0], f"{context} {text}", self.index.records)  # no unnamed foreign lead
            selected = [] if abstain else sel.selected
            # Long task requests: the lookups behind the top tools of a mounted server join them too.
            behind = head_producers(ranked, text, io_of=self.io, values=values, relevance=_relevance(pool), flow=self.flow,
                                    min_flow=cfg.flow_min, max_depth=cfg.flow_depth, members=self._server_members)
            ranked = lift_pulled(ranked, [*sel.pulled, *sel.shown, *behind], [*sel.selected, *(n for n, _ in ranked[:HEADS])])
        lap("select")
        plan = RoutePlan(ranked=ranked, selected=selected, abstain=abstain, confidence=confidence)
        if self.planner is not None and not abstain:
            chosen = self.planner.plan(text, [self.index.records[n] for n, _ in pool], plan)
            if chosen is not None:
                plan.selected = [n for n in chosen if n in self.index.records]
        lap("plan")
        if stages is not None:
            stages.update(marks)
        return plan

    def _server_members(self, name: str) -> list[str]:
        """The tools of ``name``'s server (``server__tool``), itself included."""
        ids = self.scorer.servers.ids()
        slots = np.flatnonzero(ids == ids[self.index.slot_of[name]])
        return [n for n in (self.index.slot_names[int(i)] for i in slots) if n is not None]

    def _rerank(self, rk: Ranking, pool: list[tuple[str, float]], exclude: str | None = None) -> list[tuple[str, float]]:
        """Re-order the top ``rerank_depth`` of ``pool`` with the fitted re-ranker, as far as its gate lets it
        (:mod:`agentfn.router.rerank_gate`); each place keeps its cold-start score. ``pool`` itself when
        nothing moved."""
        cfg = self.config
        weights = cfg.rerank_weights or {}
        head, rest = widened(pool, cfg.rerank_depth, self.memory, rk.qvec, fused_score_of(rk, self.index.slot_of), exclude)
        feats = self._candidate_features(rk, head, exclude)
        logits = [rerank_score(f, weights) for f in feats]
        traced = self.memory.traced([n for n, _ in head]) if self.memory is not None else [False] * len(head)
        order = gated_order(logits, traced, gate_of(weights))  # cold-start order where traces do not reach
        if order == list(range(len(head))):
            return pool
        return [(head[i][0], score) for i, (_, score) in zip(order, head, strict=True)] + rest

    def _candidate_features(self, rk: Ranking, pool: list[tuple[str, float]], exclude: str | None) -> list[dict[str, float]]:
        return candidate_features(
            rk, pool, self.index.slot_of, self._vocab, request_words(rk.text), frozenset(tokenize(rk.text)), self.memory, exclude
        )

    def candidate_features(
        self, query: str | Sequence[Any], *, depth: int | None = None, exclude: str | None = None
    ) -> list[tuple[str, dict[str, float]]]:
        """The re-ranker's inputs for a request's top ``depth`` candidates (before re-ranking), best first.

        ``exclude`` leaves traced requests with that normalised text out of the
        ``memory`` signal (a trainer scoring its own training requests).
        """
        text, context = self.query_parts(query)
        if not text.strip() or not len(self):
            return []
        rk = first_pass(self.scorer, text, context, 10, probe_threshold=self.probe_threshold, approximate=self.uses_ann)
        pool = self.scorer.top(rk.fused, depth or self.config.rerank_depth, rk.slots)
        pool, _ = widened(pool, len(pool), self.memory, rk.qvec, fused_score_of(rk, self.index.slot_of), exclude)
        return list(zip([n for n, _ in pool], self._candidate_features(rk, pool, exclude), strict=True))

    # ----------------------------------------------------------------- training

    def fit_from_traces(
        self,
        pairs: Iterable[tuple[str | Sequence[Any], Sequence[str]]],
        *,
        fit_fusion: bool = True,
        fit_threshold: bool = True,
        links: Iterable[FlowLink] = (),
        calls: Iterable[tuple[str, Sequence[str]]] = (),
        dev: Iterable[tuple[str | Sequence[Any], Sequence[str]]] | None = None,
        fresh: bool = False,
        rerank: bool = False,
        rerank_l2: float | None = None,
        rerank_floor: float | None = None,
        rerank_settings: Mapping[str, float] | None = None,
        sources: Mapping[str, str] | None = None,
        rerank_check: Sequence[tuple[str | Sequence[Any], Sequence[str]]] = (),
    ) -> dict[str, float]:
        """Learn from (request, tools called in order) pairs; ``[]`` = no tool fitted.

        Updates co-usage statistics (combination and order), data flow (from
        ``links``: argument values traced to earlier results, and ``calls``:
        every traced call's tool and argument names), the fusion weight (grid
        search on mean reciprocal rank), with ``rerank`` the re-ranker and its
        trace memory (:mod:`agentfn.router.fit_rerank`), and abstention (the
        model's weights, or the threshold in threshold mode, when no-tool
        examples exist). Tuned values are chosen on ``dev`` when given;
        ``fresh`` replaces what was learned before. Tools unknown to the router
        are ignored. Returns what was fitted. ``agentfn train router`` fits
        through this same call (:mod:`agentfn.router.fitting`); ``sources``,
        ``rerank_settings`` and ``rerank_check`` are the re-ranker's
        (:func:`agentfn.router.fit_rerank.fit_reranker`).
        """
        from agentfn.router.fitting import fit_router

        return fit_router(self, pairs, fit_fusion=fit_fusion, fit_threshold=fit_threshold, links=links, calls=calls,
                          dev=dev, fresh=fresh, rerank=rerank, rerank_l2=rerank_l2,
                          rerank_floor=rerank_floor, rerank_settings=rerank_settings, sources=sources,
                          rerank_check=rerank_check)

    # ------------------------------------------------------------- persistence

    def save(self, path: str | Path) -> Path:
        """Write the router to a directory: ``router.json`` + ``embeddings.npy``.

        An encoder loaded from a local folder (e.g. a fine-tuned one) is copied
        into ``encoder/`` so the directory is self-contained. A built ANN index
        (``config.index`` not ``exact``) goes into ``ann/``, so loading does not
        rebuild it.
        """
        import shutil

        root = Path(path)
        names = self.names()
        emb = self.index.live_vectors(names) if self.encoder is not None else None
        sections: dict[str, Any] = {"co_usage": self.co_usage.to_json(), "flow": self.flow.to_json()}
        arrays: dict[str, FloatArray] = {}
        if self.memory is not None and len(self.memory):
            sections["memory"] = self.memory.to_json()
            arrays["memory"] = self.memory.vectors
        heads = self.index.live_heads(names) if self.encoder is not None else None
        write_router(root, self.config, [self.index.records[n] for n in names], emb, sections, arrays, heads=heads)
        if self.encoder is not None and self.index.ann is not None and self.config.index != "exact":
            self.index.ann.save(root / "ann", np.asarray([self.index.slot_of[n] for n in names], dtype=np.int64))
        else:
            # No index saved now: drop one an earlier save left here, it would not match.
            shutil.rmtree(root / "ann", ignore_errors=True)
        return root

    @classmethod
    def load(cls, path: str | Path, *, encoder: Encoder | None = None) -> Router:
        """Read a directory written by :meth:`save` (no network, no re-embedding)."""
        root = Path(path)
        saved = read_router(root)
        router = cls(saved.config, encoder=encoder)
        recs = saved.records
        heads = None
        if router.encoder is not None:
            heads = read_heads(root, len(recs), router.encoder.dim)
            router.index.preload_vectors(recs, read_embeddings(root, len(recs), router.encoder.dim), heads)
        router.index.eager_heads = heads is not None  # an older save: heads embedded on first use
        router.index.add_many(recs, heads=False)
        if router.encoder is not None and saved.config.index != "exact":
            if saved.ann_dir is not None:
                router.index.ann = AnnIndex.load(saved.ann_dir, dim=router.encoder.dim, n_slots=len(recs))
            if router.uses_ann:
                router.index.ensure_ann(router.scorer.ann_params())  # builds it if this save had none
        router.co_usage = CoUsage.from_json(saved.sections.get("co_usage", {}))
        router.flow = FlowStats.from_json(saved.sections.get("flow", {}))
        if router.encoder is not None and "memory" in saved.sections:
            router.memory = TraceMemory.from_saved(saved.sections["memory"], saved.arrays.get("memory"), router.encoder.dim)
        return router


def _relevance(pool: list[tuple[str, float]]) -> dict[str, float]:
    """Candidates' scores mapped to [0, 1]: 1 for the best, 0 for the last of the pool."""
    if not pool:
        return {}
    hi, lo = pool[0][1], pool[-1][1]
    span = hi - lo if hi > lo else 1.0
    return {n: (s - lo) / span for n, s in pool}
