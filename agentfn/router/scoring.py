"""Scoring one request against the index: dense, lexical, fused and abstention signals.

Per tool::

    dense   = cosine(query vector, tool vector)                 in [-1, 1]
    ranked  = cosine(query vector, tool vector + head_blend * head vector)
    lexical = BM25(query, tool) / BM25 scale of the query         in [0, ~1]
    trust   = min(1, BM25 scale of the query / LEXICAL_FLOOR rare words' scale)
    weighted = w_dense * ranked + w_lexical * trust * lexical
    fused   = weighted, or sum of 1 / (rrf_k + rank) over both rankings ("rrf")
    abstain = w_dense * dense + abstain_w_lexical * lexical

``trust`` (:func:`lexical_trust`) keeps a request whose only indexed words are common across the
registry ("find", "solutions", "list": low idf) from handing a tool full lexical weight for matching
just them: the lexical score is normalised by the query's own best possible BM25, so one generic word
matched scores as high as a whole request matched. A request needs at least
:data:`LEXICAL_FLOOR` rare words' worth of idf for its lexical match to count in full; the
plain ``lexical`` signal (abstention, re-ranking features read it) is unchanged.

``ranked`` blends in the tool's *head* (name + first sentence,
:mod:`agentfn.router.heads`): a long docstring dilutes a tool's full-text
vector, its head says what the tool is for. It costs one more product with the
head matrix; ``dense`` (the plain cosine) stays what abstention reads.
Earlier user turns (``context``) join the query vector and the BM25 query with
``context_weight``. Quoted values in a request or step (a message, a title) are left
out of both its vector and its BM25 query (:attr:`RouterConfig.strip_quoted`,
:func:`~agentfn.router.text.without_quoted`). Exact scoring is one numpy dot product per tool; the ANN
path (:meth:`Scorer.pool_scores`) scores only a candidate pool, exactly.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from agentfn.router.ann import AnnParams
from agentfn.router.blend import BlendTable, blend_table, blended_rows, dense_rows
from agentfn.router.config import RouterConfig
from agentfn.router.index import FloatArray, IntArray, ToolIndex
from agentfn.router.mood import ToolKinds
from agentfn.router.servers import ServerGroups
from agentfn.router.text import tokenize, without_quoted
from agentfn.router.topk import best_indices

__all__ = ["LEXICAL_FLOOR", "Scorer", "Signals", "lexical_trust"]

Signals = dict[str, FloatArray]
"""``dense``, ``lexical``, ``weighted``, ``fused``, ``abstain`` arrays (per slot, or per pooled slot)."""

LEXICAL_FLOOR = 1.0
"""How many rare words' worth of idf a request's indexed words need before its lexical match counts in full
(:func:`lexical_trust`; 0: always in full)."""


def lexical_trust(scale: float, rare: float, floor: float = LEXICAL_FLOOR) -> float:
    """The share of its lexical score a request's ranking keeps: ``scale`` (the request's best possible
    BM25, the sum of its words' idf x (k1+1)) over ``floor`` times ``rare`` (one rare word's, the registry's
    largest idf x (k1+1)), at most 1. A request of a few words common across the registry keeps little."""
    need = floor * rare
    return 1.0 if need <= 0 or scale >= need else max(scale, 0.0) / need


class Scorer:
    """Turns a request into per-tool signals over a :class:`ToolIndex`."""

    def __init__(self, index: ToolIndex, config: RouterConfig) -> None:
        self.index = index
        self.config = config
        self.query_cache: OrderedDict[str, FloatArray] = OrderedDict()
        self.query_cache_size = 1024
        self.servers = ServerGroups(index)
        """Server (namespace) of every slot, for :func:`agentfn.router.servers.server_boost`."""
        self.kinds = ToolKinds(index)
        """Which slots' tools change state, for :func:`agentfn.router.mood.mood_penalty`."""
        self._blend: tuple[tuple[int, float], BlendTable] | None = None
        self._context_lex: tuple[tuple[int, str], tuple[FloatArray, float] | None] | None = None

    def rank_text(self, text: str) -> str:
        """The text a request (or step) is scored by: without its quoted values when
        :attr:`RouterConfig.strip_quoted` is on."""
        return without_quoted(text) if self.config.strip_quoted else text

    def blend(self) -> BlendTable:
        """Per slot, ``1 / |tool vector + head_blend * head vector|`` and the tool-head cosine
        (:func:`~agentfn.router.blend.blend_table`).

        Computed once per registry state. Live tools whose head is not embedded yet (a router
        built from tool vectors alone, or saved before heads existed) get it embedded here, in
        one batch, so every tool is ranked the same way whatever was embedded before.
        """
        idx, a = self.index, self.config.head_blend
        n = idx.n_slots
        key = (idx.version, a)
        if self._blend is None or self._blend[0] != key:
            missing = np.flatnonzero(idx.live_alive() & ~idx.has_head[:n])
            if missing.size and idx.encoder is not None:
                idx.head_vectors([idx.slot_names[int(s)] or "" for s in missing])
            self._blend = (key, blend_table(idx.emb[:n], idx.head_emb[:n] * idx.has_head[:n, None], a))
        return self._blend[1]

    def blend_scale(self) -> FloatArray:
        """Per slot, 1 / |tool vector + head_blend * head vector| (see :meth:`blend`)."""
        return self.blend().scale

    def ranked_dense(
        self, dense: FloatArray, queries: FloatArray, slots: IntArray | None = None,
        lexical: FloatArray | None = None, alive: npt.NDArray[np.bool_] | None = None,
    ) -> FloatArray:
        """The ranking's dense score from the plain cosines ``dense`` (per slot, or per ``slots``; a row
        per query when ``queries`` is a matrix of query rows): the head blended in.

        With ``lexical`` and ``alive`` (queries x tools, and tools that may rank), the head is blended
        only into each query's best :attr:`RouterConfig.blend_candidates`
        (:func:`~agentfn.router.blend.blended_rows`); the other tools get ``-inf``. Without them,
        or with ``fusion="rrf"`` (which ranks every tool), every tool is blended.
        """
        c = self.config
        a = c.head_blend
        if a == 0:
            return dense
        idx = self.index
        n = idx.n_slots
        table = self.blend() if slots is None else self.blend().rows(slots)  # first: embeds missing heads
        heads = idx.head_emb[:n] if slots is None else idx.head_emb[slots]
        if lexical is None or alive is None or c.fusion == "rrf" or c.blend_candidates <= 0 or dense.ndim != 2:
            products = dense_rows(heads, queries) if queries.ndim == 2 else heads @ queries
            return ((dense + np.float32(a) * products) * table.scale).astype(np.float32)
        return blended_rows(table, heads, dense, queries, lexical, alive, a=a, w_dense=c.w_dense,
                               w_lexical=c.w_lexical, keep=max(c.blend_candidates, c.candidates))

    def ann_params(self) -> AnnParams:
        c = self.config
        return AnnParams(c.ann_connectivity, c.ann_expansion_add, c.ann_expansion_search, c.ann_dtype, c.ann_threads)

    def encode(self, texts: list[str]) -> FloatArray:
        """Query vectors through a small LRU: an agent routes the same user turn at every step."""
        encoder = self.index.encoder
        assert encoder is not None
        cache = self.query_cache
        missing = [t for t in dict.fromkeys(texts) if t not in cache]
        if missing:
            pack = getattr(encoder, "encode_packed", None)  # one forward pass for a request's texts
            vecs = pack(missing)[0] if pack is not None and len(missing) <= 64 else encoder.encode(missing)
            for text, vec in zip(missing, vecs, strict=True):
                cache[text] = vec
        for t in texts:
            cache.move_to_end(t)
        out = np.stack([cache[t] for t in texts])
        while len(cache) > max(self.query_cache_size, 0):
            cache.popitem(last=False)
        return out

    def encode_request(self, text: str, steps: list[str]) -> tuple[FloatArray, list[FloatArray]]:
        """The request's vector and its steps' vectors (see :attr:`RouterConfig.step_vectors`)."""
        whole, step_vecs, _ = self.encode_all(self.rank_text(text), [self.rank_text(s) for s in steps])
        return whole, step_vecs

    def encode_all(
        self, text: str, steps: list[str], extra: Sequence[str] = ()
    ) -> tuple[FloatArray, list[FloatArray], list[FloatArray]]:
        """Vectors of the request, of its steps, and of ``extra`` texts (its context), from one forward pass.

        ``text`` and ``steps`` are the texts the router ranks by (:meth:`rank_text`, stripped by the
        caller). Steps get their own vectors (``"separate"``) or span vectors pooled from
        the request's own pass (``"spans"``, an encoder with ``encode_packed``);
        everything not cached goes to the encoder in one call, which packs it into
        one pass. A step not found verbatim in the request is encoded on its own,
        in the same pass; one cut off by truncation, in a second pass (rare).
        """
        encoder = self.index.encoder
        span_encode = getattr(encoder, "encode_packed", None)
        extra = list(extra)
        mode = self.config.step_vectors
        if mode == "auto":
            mode = "spans" if len(text.split()) > self.config.span_min_words else "separate"
        if mode != "spans" or not steps or span_encode is None:
            vecs = self.encode([text, *steps, *extra])
            return vecs[0], list(vecs[1 : 1 + len(steps)]), list(vecs[1 + len(steps) :])
        keys = [f"\x1fspan\x1f{i}\x1f{text}" for i in range(len(steps))]
        cache = self.query_cache
        if text in cache and all(k in cache for k in keys):
            vecs = self.encode([text, *keys, *extra])  # refreshes their LRU order
            return vecs[0], list(vecs[1 : 1 + len(steps)]), list(vecs[1 + len(steps) :])
        spans: list[tuple[int, int]] = []
        unfound: list[str] = []
        pos = 0
        for step in steps:
            at = text.find(step, pos)
            spans.append((at, at + len(step)) if at >= 0 else (0, 0))
            pos = at + len(step) if at >= 0 else pos
            if at < 0:
                unfound.append(step)
        todo = [t for t in dict.fromkeys(extra) if t not in cache and t != text]
        # Steps not found verbatim get their own vectors: packed into the same pass, not a second one.
        todo += [t for t in dict.fromkeys(unfound) if t not in cache and t != text and t not in todo]
        vecs, pooled = span_encode([text, *todo], spans)
        alone = dict(zip(todo, vecs[1:], strict=True))
        missing = [s for s, v in zip(steps, pooled, strict=True) if v is None and s not in alone]
        if missing:  # cut off by truncation: rare
            alone.update(zip(missing, self.encode(missing), strict=True))
        step_vecs = [v if v is not None else alone[s] for s, v in zip(steps, pooled, strict=True)]
        cache[text] = vecs[0]
        cache.update(zip(keys, step_vecs, strict=True))
        cache.update(zip(todo, vecs[1:], strict=True))
        out = self.encode([text, *keys, *extra])  # all cached now: refreshes their LRU order, trims the cache
        return out[0], list(out[1 : 1 + len(steps)]), list(out[1 + len(steps) :])

    def query_vector(self, text: str, context: str = "") -> FloatArray:
        """The normalised query vector of ``text`` with ``context`` mixed in."""
        return self._query_vector(self.rank_text(text), context)

    def _query_vector(self, text: str, context: str) -> FloatArray:
        vecs = self.encode([text, context] if context else [text])
        raw: FloatArray = vecs[0] + np.float32(self.config.context_weight) * vecs[1] if context else vecs[0]
        return raw / np.float32(max(float(np.linalg.norm(raw)), 1e-12))

    def score_all(
        self,
        text: str,
        context: str = "",
        vector: FloatArray | None = None,
        *,
        approximate: bool = False,
        candidates: int | None = None,
    ) -> Signals:
        """Per-slot signals for one request (see :meth:`agentfn.router.Router.score_all`)."""
        return self.score_ranked(self.rank_text(text), context, vector, approximate=approximate, candidates=candidates)

    def score_ranked(self, text: str, context: str = "", vector: FloatArray | None = None, *,
                     approximate: bool = False, candidates: int | None = None) -> Signals:
        """:meth:`score_all` for a text the router ranks by already (:meth:`rank_text`: stripped once)."""
        idx = self.index
        n = idx.n_slots
        raw_lex, scale = self.lexical_raw(text, context)
        lex = raw_lex / max(scale, 1e-6)
        trust = self.trust(scale)
        if idx.encoder is None:
            weighted = lex.astype(np.float32)
            weighted[~idx.live_alive()] = -np.inf
            return {"dense": np.zeros(n, dtype=np.float32), "lexical": lex, "weighted": weighted, "fused": weighted, "abstain": weighted}
        qvec = self._query_vector(text, context) if vector is None else vector
        if approximate:
            slots, (compact,) = self.pool_scores([(text, qvec)], context, candidates or self.config.ann_candidates)
            out: Signals = {"lexical": lex}
            for key in ("dense", "weighted", "fused", "abstain"):
                out[key] = np.full(n, -np.inf, dtype=np.float32)
                out[key][slots] = compact[key]
            return out
        dense = (idx.emb[:n] @ qvec).astype(np.float32)
        return {"dense": dense, "lexical": lex,
                **self.fuse(dense, lex, idx.live_alive(), self.ranked_dense(dense, qvec), trust=trust)}

    def score_many(self, items: Sequence[tuple[str, FloatArray | None]], context: str = "") -> list[Signals]:
        """:meth:`score_ranked` for several (text, query vector) items, the dense half as one product pass.

        The texts are the ones the router ranks by (:meth:`rank_text`, stripped once by the caller).
        Reading the tool matrix once for all of a request's steps, instead of once per step,
        is what makes multi-step requests cheap at large registries.
        """
        idx = self.index
        if idx.encoder is None or any(v is None for _, v in items):
            return [self.score_ranked(t, context, v) for t, v in items]
        n = idx.n_slots
        queries = np.stack([v for _, v in items if v is not None]).astype(np.float32)
        dense_all = dense_rows(idx.emb[:n], queries)  # a contiguous row of scores per item
        alive = idx.live_alive()
        lexes: list[FloatArray] = []
        trusts: list[float] = []
        for text, _ in items:
            raw_lex, scale = self.lexical_raw(text, context)
            lexes.append(raw_lex / max(scale, 1e-6))
            trusts.append(self.trust(scale))
        trusted = np.stack([lex * np.float32(t) for lex, t in zip(lexes, trusts, strict=True)])
        ranked_all = self.ranked_dense(dense_all, queries, lexical=trusted, alive=alive)
        return [{"dense": dense_all[j], "lexical": lex, **self.fuse(dense_all[j], lex, alive, ranked_all[j], trust=trusts[j])}
                for j, lex in enumerate(lexes)]

    def trust(self, scale: float) -> float:
        """:func:`lexical_trust` of a request whose best possible BM25 is ``scale``, in this registry."""
        return lexical_trust(scale, self.index.lex.rare_term_score())

    def fuse(self, dense: FloatArray, lex: FloatArray, alive: npt.NDArray[np.bool_],
             ranked: FloatArray | None = None, *, trust: float = 1.0) -> Signals:
        """``weighted``, ``fused`` and ``abstain`` from the two signals (-inf where not ``alive``).

        ``ranked`` is the dense score the ranking uses (:meth:`ranked_dense`; default ``dense``); ``trust``
        (:meth:`trust`) scales the lexical score in the ranking (``weighted``, ``fused``), not in ``abstain``."""
        c = self.config
        ranked = dense if ranked is None else ranked
        weighted = (c.w_dense * ranked + c.w_lexical * np.float32(trust) * lex).astype(np.float32)
        weighted[~alive] = -np.inf
        abstain = (c.w_dense * dense + c.abstain_w_lexical * lex).astype(np.float32)
        abstain[~alive] = -np.inf
        fused = self.rrf(ranked, lex, alive) if c.fusion == "rrf" else weighted
        return {"weighted": weighted, "fused": fused, "abstain": abstain}

    def lexical_raw(self, text: str, context: str) -> tuple[FloatArray, float]:
        """BM25 scores of every slot for ``text`` (a text the router ranks by, :meth:`rank_text`)
        with earlier turns mixed in, and their best possible value."""
        lexidx = self.index.lex
        n = self.index.n_slots
        toks = tokenize(text)
        cw = self.config.context_weight
        raw = lexidx.scores(toks)[:n]
        scale = lexidx.max_score(toks)
        ctx = self.context_lexical(context) if context else None
        if ctx is not None:
            raw = np.asarray(raw + cw * ctx[0], dtype=np.float32)
            scale += cw * ctx[1]
        return raw, scale

    def context_lexical(self, context: str) -> tuple[FloatArray, float] | None:
        """BM25 scores of every slot for earlier turns ``context`` and their best possible value
        (None when it has no words), remembered for the last context: a request and each of its
        steps mix in the same context."""
        key = (self.index.version, context)
        if self._context_lex is None or self._context_lex[0] != key:
            toks = tokenize(context)
            lexidx = self.index.lex
            got = (lexidx.scores(toks)[: self.index.n_slots], lexidx.max_score(toks)) if toks else None
            self._context_lex = (key, got)
        return self._context_lex[1]

    def lexical_pool(self, text: str, context: str) -> tuple[FloatArray, float, IntArray]:
        """Raw BM25 scores (as in :meth:`score_all`), their scale, and the top lexical slots."""
        raw, scale = self.lexical_raw(text, context)
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

    def pool_scores(self, items: Sequence[tuple[str, FloatArray]], context: str, m: int) -> tuple[IntArray, list[Signals]]:
        """Candidate scoring for ``(text, query vector)`` items (a request and its steps).

        The texts are the ones the router ranks by (:meth:`rank_text`). The pool is the union,
        over the items, of the ANN top ``m`` and the BM25
        top ``ann_lexical_candidates``; every item is scored exactly on the whole
        pool with the same arithmetic as the exact path. Returns the pool's
        slots (sorted) and per item signal arrays aligned with them.
        """
        idx = self.index
        ann = idx.ensure_ann(self.ann_params())
        parts = [(qvec, *self.lexical_pool(text, context)) for text, qvec in items]
        pool = np.unique(np.concatenate([ann.search(qvec, m) for qvec, *_ in parts] + [hits for *_, hits in parts]))
        slots = pool[idx.alive[pool]].astype(np.int64)
        everyone = slots >= 0  # all True: every pooled slot is live
        queries = np.stack([q for q, *_ in parts]).astype(np.float32)
        n = idx.n_slots
        if slots.shape[0] == int(np.count_nonzero(idx.alive[:n])):
            # The pool is every tool: score_many's very products, the same floats.
            dense_all = dense_rows(idx.emb[:n], queries)[:, slots]
        else:
            # The pool's rows only (the same cosines, up to float rounding: the tool matrix is stored by column).
            dense_all = dense_rows(idx.emb[slots], queries)
        lexes = [raw[slots] / scale for _, raw, scale, _ in parts]
        trusts = [self.trust(scale) for _, _, scale, _ in parts]
        trusted = np.stack([lex * np.float32(t) for lex, t in zip(lexes, trusts, strict=True)])
        ranked_all = self.ranked_dense(dense_all, queries, slots, trusted, everyone)
        return slots, [{"dense": dense_all[j], "lexical": lex,
                        **self.fuse(dense_all[j], lex, everyone, ranked_all[j], trust=trusts[j])}
                       for j, lex in enumerate(lexes)]

    def rrf(self, dense: FloatArray, lex: FloatArray, alive: npt.NDArray[np.bool_]) -> FloatArray:
        out = np.full(dense.shape[0], -np.inf, dtype=np.float32)
        idx = np.flatnonzero(alive)
        fused = np.zeros(idx.shape[0], dtype=np.float32)
        for signal in (dense[idx], lex[idx]):
            ranks = np.empty(idx.shape[0], dtype=np.float32)
            ranks[np.argsort(-signal, kind="stable")] = np.arange(1, idx.shape[0] + 1, dtype=np.float32)
            fused += 1.0 / (self.config.rrf_k + ranks)
        out[idx] = fused
        return out

    def top(self, scores: FloatArray, k: int, slots: IntArray | None = None) -> list[tuple[str, float]]:
        """Best ``k`` live tools, ties broken by name so rebuilds agree.

        ``scores`` is indexed by slot, or, with ``slots``, aligned with those (live) slots.
        """
        names = self.index.slot_names
        live = int(self.index.alive[: scores.shape[0]].sum()) if slots is None else scores.shape[0]
        k = min(k, live)
        if k <= 0:
            return []
        if k == 1:  # a step's best tool: the best score, ties to the first name, without a partition
            best = float(np.max(scores))
            if not np.isfinite(best):
                return []
            at = np.flatnonzero(scores == best)
            tied = [n for n in (names[i] for i in map(int, at if slots is None else slots[at])) if n is not None]
            if tied:
                return [(min(tied), best)]
        pool = min(scores.shape[0], max(k + 16, self.config.candidates))
        idx_arr = best_indices(scores, pool)
        vals = scores[idx_arr]
        keep = np.isfinite(vals)
        at = np.asarray(idx_arr[keep] if slots is None else slots[idx_arr[keep]], dtype=np.int64)
        found = [names[i] for i in map(int, at)]
        pairs = [(name, float(v)) for name, v in zip(found, vals[keep], strict=True) if name is not None]
        pairs.sort(key=lambda p: (-p[1], p[0]))
        return pairs[:k]
