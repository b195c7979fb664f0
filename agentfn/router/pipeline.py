"""The first stages of routing one request: encode, score, lift steps, and per-candidate features.

:func:`first_pass` turns a request into a :class:`Ranking` (the ``encode`` and
``score`` stages of :meth:`agentfn.router.Router.route`); :func:`candidate_features`
gives the re-ranker's inputs for its top candidates. Both are shared by
routing and by fitting, so a fitted model sees exactly what routing computes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from agentfn.router.calibration import coverage
from agentfn.router.combine import segment
from agentfn.router.index import FloatArray, IntArray
from agentfn.router.mood import asks_to_read, mood_penalty
from agentfn.router.multiquery import server_votes
from agentfn.router.request_pass import request_vectors
from agentfn.router.rerank import TraceMemory
from agentfn.router.scoring import Scorer, Signals
from agentfn.router.selection import StepTop
from agentfn.router.servers import server_boost
from agentfn.router.steps import numeric_operation, refers_to_earlier

__all__ = ["Ranking", "candidate_features", "first_pass"]

_TIE_BREAK = 1e-3
"""Share of the whole request's score added after lifting steps (orders ties, moves nothing else much)."""


@dataclass
class Ranking:
    """One request after scoring: the whole-request signals, its real steps, and the lifted ranking."""

    text: str
    context: str
    qvec: FloatArray | None
    whole: Signals
    slots: IntArray | None
    """Pool slots the arrays line up with (ANN path), or None (arrays are per slot)."""
    fused: FloatArray
    step_tops: list[StepTop] = field(default_factory=list[StepTop])
    dense_top: float = 0.0
    score_top: float = 0.0
    """Best abstention score (``dense + abstain_w_lexical * lexical``) of the request or a real step."""
    floor: float = 0.0
    bare_vec: FloatArray | None = None
    """The request without its values (quoted strings, numbers, ids, names), when that differs: what
    it asks for, compared with tools for abstention (values pull cosines down)."""
    object_vec: FloatArray | None = None
    """The request without its values and action words (:func:`~agentfn.router.calibration.object_request`):
    what it acts on ("the timer" of "cancel the 1 hour timer"), when that differs from the whole request."""

    def position(self, slot: int) -> int:
        """Index of ``slot`` in the signal arrays."""
        if self.slots is None:
            return slot
        return int(np.searchsorted(self.slots, slot))


def first_pass(
    scorer: Scorer, text: str, context: str, k: int, *, probe_threshold: float, approximate: bool,
    lap: Callable[[str], None] | None = None,
) -> Ranking:
    """Encode the request and its steps in one batch, score them, and lift real steps' rankings.

    A step is real when its best abstention score reaches ``probe_threshold -
    segment_margin``; each real step's ranking is lifted (``segment_boost``)
    so its best tool ties with the overall best. On a long request
    (``agreement_min_words``), the tools of a server that the whole ranking and
    its steps' rankings agree on are lifted (``server_agreement``,
    :mod:`agentfn.router.multiquery`). Then tools whose server
    (``server__tool``) holds several of the top candidates are lifted
    (``server_boost``, :mod:`agentfn.router.servers`).
    """
    cfg = scorer.config
    # The text the request is scored by, stripped once and carried down (vectors, BM25). Steps are
    # cut from it: a quoted message's "and"s and sentences are no steps.
    ranked = scorer.rank_text(text)
    segs = segment(ranked, actions=cfg.step_parse == "actions")
    steps = [s for s in segs if s.text != text] if len(segs) > 1 else []
    vectors: list[FloatArray | None] = [None] * (1 + len(steps))
    bare_vec: FloatArray | None = None
    object_vec: FloatArray | None = None
    if scorer.index.encoder is not None:
        rv = request_vectors(scorer, ranked, [s.text for s in steps], context)
        bare_vec, object_vec = rv.bare, rv.obj
        ctx_vec = rv.context * cfg.context_weight if rv.context is not None else 0.0
        vecs = [rv.whole, *rv.steps]
        for i in range(1 + len(steps)):
            v = vecs[i] + ctx_vec + (cfg.segment_context * vecs[0] if i else 0.0)
            vectors[i] = v / max(float(np.linalg.norm(v)), 1e-12)
    if lap is not None:
        lap("encode")
    pooled: list[Signals] = []
    slots: IntArray | None = None
    if approximate:
        # One candidate pool for the request and its steps: arrays over it line up like per-slot ones.
        items = [(t, v) for t, v in zip([ranked] + [s.text for s in steps], vectors, strict=True) if v is not None]
        slots, pooled = scorer.pool_scores(items, context, max(cfg.ann_candidates, k))
        whole = pooled[0]
    else:
        texts = [ranked] + [s.text for s in steps]
        pooled = scorer.score_many(list(zip(texts, vectors, strict=True)), context)
        whole = pooled[0]
    r = Ranking(text, context, vectors[0], whole, slots, whole["fused"].copy(), bare_vec=bare_vec,
                object_vec=object_vec)
    r.score_top = float(np.max(whole["abstain"])) if whole["abstain"].size else 0.0
    r.dense_top = float(np.max(whole["dense"])) if whole["dense"].size else 0.0
    r.floor = probe_threshold - cfg.segment_margin
    real_steps: list[FloatArray] = []
    lifted: list[float] = []
    for i, step in enumerate(steps, start=1):
        s = pooled[i]
        wtop = scorer.top(s["weighted"], 1 + cfg.step_runners, slots)
        step_score = float(np.max(s["abstain"]))
        if not wtop or step_score < r.floor:
            continue  # not a real step (e.g. "... and London")
        if step.asks:  # a told fact (persona) lifts the ranking but chooses no tool
            runners = tuple((n, wtop[0][1] - v) for n, v in wtop[1:])
            r.step_tops.append(StepTop(step.order, wtop[0][0], step_score, runners, asks_to_read(step.text),
                                       numeric_operation(step.text), refers_to_earlier(step.text)))
        lifted.append(step_score)
        real_steps.append(s["fused"])
        r.dense_top = max(r.dense_top, float(np.max(s["dense"])))
    target = max([float(np.max(r.fused))] + [float(np.max(f)) for f in real_steps])
    whole_fused = r.fused
    for f in real_steps:
        lift = cfg.segment_boost * max(target - float(np.max(f)), 0.0)
        r.fused = np.maximum(r.fused, f + np.float32(lift))
    if real_steps:
        # Lifted step tops tie with the overall best: the whole request's own score breaks the tie
        # (not the tool name), so the head is the tool that fits the request as a whole.
        r.fused = (r.fused + np.float32(_TIE_BREAK) * whole_fused).astype(np.float32)
    if cfg.server_agreement > 0 and steps and len(text.split()) >= cfg.agreement_min_words:
        # Long requests: servers that the whole request and its steps (asking or told) agree on.
        ids = scorer.servers.ids()
        voters = [whole_fused, *(p["fused"] for p in pooled[1:])]
        r.fused = server_votes(r.fused, voters, ids if slots is None else ids[slots], scorer.servers.count,
                               cfg.server_agreement)
    # A request made of clear steps fits even if the whole sentence matches nothing well.
    r.score_top = max([r.score_top, *lifted])
    if cfg.mood_weight > 0 and not real_steps and asks_to_read(text):
        acts = scorer.kinds.acts()
        r.fused = mood_penalty(r.fused, acts if slots is None else acts[slots], cfg.mood_weight)
    if cfg.server_boost > 0:
        ids = scorer.servers.ids()
        r.fused = server_boost(r.fused, ids if slots is None else ids[slots], scorer.servers.count, cfg.server_boost,
                               cfg.server_depth)
    return r


def candidate_features(
    ranking: Ranking,
    pool: list[tuple[str, float]],
    slot_of: dict[str, int],
    vocab_of: Callable[[str], tuple[frozenset[str], frozenset[str]]],
    request: frozenset[str],
    request_all: frozenset[str],
    memory: TraceMemory | None,
    exclude: str | None = None,
) -> list[dict[str, float]]:
    """The re-ranker's inputs (:data:`~agentfn.router.rerank.RERANK_FEATURES`) for each of ``pool``."""
    names = [n for n, _ in pool]
    traced = memory.features(ranking.qvec, names, exclude, ranking.text) if memory is not None and ranking.qvec is not None else None
    best = pool[0][1] if pool else 0.0
    out: list[dict[str, float]] = []
    for rank, (name, score) in enumerate(pool):
        pos = ranking.position(slot_of[name])
        vocab, words = vocab_of(name)
        out.append({
            "score": score - best,
            "dense": float(ranking.whole["dense"][pos]),
            "lexical": float(ranking.whole["lexical"][pos]),
            "memory": 0.0,
            "prior": 0.0,
            "ncov": coverage(words, request_all),
            "qcov": coverage(request, vocab),
            "rank": 1.0 / (1.0 + rank),
            **(traced[rank] if traced is not None else {}),
        })
    return out
