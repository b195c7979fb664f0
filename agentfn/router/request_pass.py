"""The ``encode`` stage of routing: a request's vectors from one forward pass, each word encoded once.

A request needs several vectors: its own, one per step, its bare text (the
request without its values, for abstention: :func:`~agentfn.router.calibration.bare_request`),
and its context's. The steps and the bare text are made of the request's own
words, so with an encoder that pools token spans
(:meth:`~agentfn.router._bert.LocalBertEncoder.encode_pooled`) they are pooled
from the request's single pass: a step from the tokens of its span, the bare
text from the tokens between the values (:func:`~agentfn.router.calibration.bare_spans`),
instead of going through the encoder again as texts of their own
(``RouterConfig.bare_vector``, ``RouterConfig.step_vectors``). Only texts that
are not part of the request (the context, a step not found verbatim) get their
own segment of the same packed pass. Encoders that cannot pool spans take the
older path (:meth:`~agentfn.router.scoring.Scorer.encode_all`).

Guarantees: one forward pass per request (a second only for a step cut off by
``request_tokens``, rare); vectors are L2-normalised; every vector goes through
the scorer's query cache, so a repeated request is not encoded again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from agentfn.router.calibration import (
    DEFAULT_ABSTAIN_WEIGHTS,
    OBJECT_VECTOR_FEATURES,
    bare_request,
    bare_spans,
    object_request,
)
from agentfn.router.index import FloatArray
from agentfn.router.scoring import Scorer

__all__ = ["PoolingEncoder", "RequestVectors", "request_vectors"]

Spans = Sequence[tuple[int, int]]


@runtime_checkable
class PoolingEncoder(Protocol):
    """An encoder that pools groups of character spans of its first text from the same pass."""

    def encode_pooled(self, texts: list[str], groups: Sequence[Spans] = ()) -> tuple[FloatArray, list[FloatArray | None]]:
        ...


@dataclass
class RequestVectors:
    """A request's vectors: the request, its steps (in order), its bare text and what it acts on
    (None when equal to the request or not used), and its context (None without one)."""

    whole: FloatArray
    steps: list[FloatArray]
    bare: FloatArray | None
    obj: FloatArray | None
    context: FloatArray | None


def request_vectors(scorer: Scorer, text: str, steps: list[str], context: str) -> RequestVectors:
    """Every vector the first pass needs for ``text`` (see the module docstring).

    ``text`` and ``steps`` are the texts the router ranks by (:meth:`Scorer.rank_text`: quoted
    values left out with ``strip_quoted``), stripped once by the caller: every vector, the pooled
    ones included, comes from the same pass over them.
    """
    cfg = scorer.config
    model = cfg.abstain_mode == "model"
    bare = bare_request(text) if model else text
    # The object text costs encoder tokens: only when the abstention weights use it.
    weights = cfg.abstain_weights or DEFAULT_ABSTAIN_WEIGHTS
    uses_object = any(weights.get(k, 0.0) != 0.0 for k in OBJECT_VECTOR_FEATURES)
    obj = object_request(text) if model and uses_object else ""
    has_bare = bool(bare) and bare != text
    has_obj = bool(obj) and obj not in (bare, text)
    encoder = scorer.index.encoder
    if isinstance(encoder, PoolingEncoder) and cfg.bare_vector == "pooled":
        own = ([obj] if has_obj else []) + ([context] if context else [])
        whole, step_vecs, bare_vec, others = _one_pass(scorer, encoder, text, steps, bare if has_bare else "", own)
    else:
        extra = ([bare] if has_bare else []) + ([obj] if has_obj else []) + ([context] if context else [])
        whole, step_vecs, vecs = scorer.encode_all(text, steps, extra)
        bare_vec = vecs.pop(0) if has_bare else None
        others = vecs
    obj_vec = others[0] if has_obj else (bare_vec if obj and obj == bare else None)
    return RequestVectors(whole, step_vecs, bare_vec, obj_vec, others[-1] if context else None)


def _step_spans(text: str, steps: list[str]) -> list[tuple[int, int] | None]:
    """Each step's span in ``text``, found in order (None: not found verbatim after the previous one)."""
    out: list[tuple[int, int] | None] = []
    pos = 0
    for step in steps:
        at = text.find(step, pos)
        out.append((at, at + len(step)) if at >= 0 else None)
        pos = at + len(step) if at >= 0 else pos
    return out


def _one_pass(
    scorer: Scorer, encoder: PoolingEncoder, text: str, steps: list[str], bare: str, own: list[str]
) -> tuple[FloatArray, list[FloatArray], FloatArray | None, list[FloatArray]]:
    """The request's, its steps', its bare text's (``bare``; "" for none) and ``own`` texts' vectors.

    Steps pooled from spans (``step_vectors``) and the bare text are cached under keys derived from
    the request; a step that is a text of its own is cached under its text.
    """
    cfg = scorer.config
    mode = cfg.step_vectors
    if mode == "auto":
        mode = "spans" if len(text.split()) > cfg.span_min_words else "separate"
    spans = _step_spans(text, steps) if mode == "spans" else [None] * len(steps)
    step_keys = [f"\x1fspan\x1f{i}\x1f{text}" if span is not None else step
                 for i, (span, step) in enumerate(zip(spans, steps, strict=True))]
    bare_key = [f"\x1fbare\x1f{text}"] if bare else []
    keys = [text, *step_keys, *bare_key, *own]
    cache = scorer.query_cache
    if any(k not in cache for k in keys):
        found = [(i, span) for i, span in enumerate(spans) if span is not None]
        pooled_at = [i for i, _ in found]
        groups: list[Spans] = [[span] for _, span in found]
        groups += [bare_spans(text)] if bare else []
        texts = [t for t in dict.fromkeys([*(steps[i] for i, s in enumerate(spans) if s is None), *own])
                 if t not in cache and t != text]
        vecs, pooled = encoder.encode_pooled([text, *texts], groups)
        cache[text] = vecs[0]
        cache.update(zip(texts, vecs[1:], strict=True))
        # A span cut off by the request-token limit: its text alone, in a second pass (rare).
        sources = [steps[i] for i in pooled_at] + ([bare] if bare else [])
        missing = [src for src, v in zip(sources, pooled, strict=True) if v is None]
        alone = dict(zip(missing, encoder.encode_pooled(missing)[0], strict=True)) if missing else {}
        named = [step_keys[i] for i in pooled_at] + bare_key
        for key, src, v in zip(named, sources, pooled, strict=True):
            cache[key] = v if v is not None else alone[src]
    out = scorer.encode(keys)  # all cached now: refreshes their LRU order, trims the cache
    n = len(steps)
    return out[0], list(out[1 : 1 + n]), out[1 + n] if bare else None, list(out[1 + n + len(bare_key) :])

