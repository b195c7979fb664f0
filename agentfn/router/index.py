"""The router's tool index: records in numbered slots, BM25 postings, dense vectors, optional ANN.

Slots are never reused: removing a tool marks its slot dead (``alive`` False,
name None) and a tool added later takes a new slot, so every per-slot array
(``emb``, ``alive``, BM25 scores) lines up with ``slot_names``. ``version``
increases on every change, so caches derived from the registry (the
calibrated abstention threshold) know when to recompute.

Each tool has two vectors, both embedded when it is added: its full text
(:func:`dense_text`, ``emb``) and its head (name + first sentence,
:func:`~agentfn.router.heads.head_text`, ``head_emb``, read by the abstention
model). Vectors are cached by the exact text embedded, so re-adding a tool, or
rebuilding from a saved router, embeds nothing. A router saved before head
vectors existed loads without them (``has_head`` False); :meth:`ToolIndex.head_vectors`
embeds those on first use.

``emb`` is stored column by column (Fortran order): a request's scores are
``emb @ query``, and a matrix-vector product over the transposed layout runs
about twice as fast per tool in BLAS (one pass of multiply-adds down each
column, instead of a dot product per row); every row's score is still computed
the same way alone or with other queries (:func:`~agentfn.router.blend.dense_rows`).
Head vectors, read a few hundred rows at a time, stay row by row.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from agentfn.exceptions import ToolsetConflictError
from agentfn.router.ann import AnnIndex, AnnParams
from agentfn.router.encoder import Encoder
from agentfn.router.heads import head_text
from agentfn.router.lexical import BM25Index
from agentfn.router.text import ToolRecord, dense_text, lexical_tokens

__all__ = ["FloatArray", "IntArray", "ToolIndex"]

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


def _by_column(rows: int, dim: int) -> FloatArray:
    """A zero ``rows`` x ``dim`` float32 matrix stored column by column."""
    return np.zeros((rows, dim), dtype=np.float32, order="F")


class ToolIndex:
    """Every indexed tool, addressable by name or slot."""

    def __init__(self, encoder: Encoder | None, bm25_k1: float = 1.2, bm25_b: float = 0.75) -> None:
        self.encoder = encoder
        self.lex = BM25Index(bm25_k1, bm25_b)
        self.records: dict[str, ToolRecord] = {}
        self.slot_of: dict[str, int] = {}
        self.slot_names: list[str | None] = []
        """Name per slot (None for removed tools); slot order is insertion order."""
        dim = encoder.dim if encoder is not None else 0
        self.emb: FloatArray = _by_column(0, dim)
        """Full-text vector per slot, stored column by column (see the module docstring)."""
        self.head_emb: FloatArray = np.zeros((0, dim), dtype=np.float32)
        """Head vector per slot (:func:`~agentfn.router.heads.head_text`); rows with ``has_head`` False are not set."""
        self.has_head = np.zeros(0, dtype=bool)
        self.eager_heads = True
        """Embed head vectors when tools are added; False for routers whose vectors came without heads
        (precomputed tool vectors only, or a save from before head vectors): theirs are embedded on first use."""
        self.alive = np.zeros(0, dtype=bool)
        self.vec_cache: dict[str, FloatArray] = {}
        self.ann: AnnIndex | None = None
        self.version = 0

    @property
    def n_slots(self) -> int:
        return len(self.slot_names)

    def live_alive(self) -> npt.NDArray[np.bool_]:
        """The ``alive`` mask cut to the used slots."""
        return self.alive[: self.n_slots]

    def names(self) -> list[str]:
        """Live tool names in insertion order."""
        return [n for n in self.slot_names if n is not None]

    def add_many(
        self, recs: Sequence[ToolRecord], batch_size: int = 64, *, ann_params: AnnParams | None = None, heads: bool = True
    ) -> None:
        """Index ``recs``; with ``ann_params`` an existing ANN index is extended (or built from them).

        Their full-text and head vectors are embedded together (cached ones are
        reused); ``heads=False`` (or :attr:`eager_heads` False) leaves head
        vectors not cached to :meth:`head_vectors`.
        """
        seen: set[str] = set()
        for rec in recs:
            if rec.name in self.slot_of or rec.name in seen:
                raise ToolsetConflictError(rec.name, "the router", "the tools being added")
            seen.add(rec.name)
        head_texts = [head_text(r) for r in recs] if self.encoder is not None else []
        if not (heads and self.eager_heads):
            head_texts = [t if t in self.vec_cache else "" for t in head_texts]
        vectors = self.vectors_for(recs, batch_size, also=[t for t in head_texts if t])
        self.version += 1
        start = self.n_slots
        need = start + len(recs)
        if need > self.emb.shape[0]:
            self._grow(max(need, 2 * self.emb.shape[0], 64))
        for i, text in enumerate(head_texts):
            if text:
                self.head_emb[start + i] = self.vec_cache[text]
                self.has_head[start + i] = True
        for i, rec in enumerate(recs):
            slot = start + i
            self.slot_names.append(rec.name)
            self.slot_of[rec.name] = slot
            self.records[rec.name] = rec
            self.lex.add(slot, lexical_tokens(rec))
            if vectors is not None:
                self.emb[slot] = vectors[i]
            self.alive[slot] = True
        if ann_params is None or vectors is None:
            return
        if self.ann is not None:
            self.ann.add(np.arange(start, need), vectors)
        else:
            self.ensure_ann(ann_params)

    def _grow(self, cap: int) -> None:
        def grown(a: FloatArray, out: FloatArray) -> FloatArray:
            out[: a.shape[0]] = a
            return out

        dim = self.emb.shape[1]
        self.emb = grown(self.emb, _by_column(cap, dim))
        self.head_emb = grown(self.head_emb, np.zeros((cap, dim), dtype=np.float32))
        self.alive = np.concatenate([self.alive, np.zeros(cap - self.alive.shape[0], dtype=bool)])
        self.has_head = np.concatenate([self.has_head, np.zeros(cap - self.has_head.shape[0], dtype=bool)])

    def head_vectors(self, names: Sequence[str]) -> FloatArray:
        """The head vectors of ``names`` (in that order); any not embedded yet are embedded now, in one batch."""
        assert self.encoder is not None
        slots = [self.slot_of[n] for n in names]
        missing = sorted({s for s in slots if not self.has_head[s]})
        if missing:
            texts = [head_text(self.records[self.slot_names[s] or ""]) for s in missing]
            self.vectors_for([], also=texts)
            for s, text in zip(missing, texts, strict=True):
                self.head_emb[s] = self.vec_cache[text]
                self.has_head[s] = True
        return self.head_emb[slots] if slots else self.head_emb[:0]

    def remove(self, name: str) -> None:
        """Drop a tool by name. Raises KeyError if absent."""
        slot = self.slot_of.pop(name)
        self.version += 1
        self.slot_names[slot] = None
        self.alive[slot] = False
        self.has_head[slot] = False
        self.lex.remove(slot)
        if self.ann is not None:
            self.ann.remove(slot)
        del self.records[name]

    def vectors_for(self, recs: Sequence[ToolRecord], batch_size: int = 64, also: Sequence[str] = ()) -> FloatArray | None:
        """Embeddings for ``recs``, computing only texts not in the cache.

        ``also`` are more texts (tools' heads) embedded in the same batches and
        left in the cache.
        """
        if self.encoder is None:
            return None
        texts = [dense_text(r) for r in recs]
        missing = sorted({t for t in [*texts, *also] if t not in self.vec_cache})
        if missing:
            for text, vec in zip(missing, self.encoder.encode(missing, batch_size=batch_size), strict=True):
                self.vec_cache[text] = vec
        if not texts:
            return np.zeros((0, self.encoder.dim), dtype=np.float32)
        return np.stack([self.vec_cache[t] for t in texts])

    def preload_vectors(self, recs: Sequence[ToolRecord], vectors: FloatArray, heads: FloatArray | None = None) -> None:
        """Seed the vector cache (precomputed or saved vectors: nothing is re-embedded).

        ``heads`` holds the tools' head vectors, one row per record; an all-zero
        row is a head not embedded yet (left out of the cache).
        """
        for rec, vec in zip(recs, vectors, strict=True):
            self.vec_cache[dense_text(rec)] = np.asarray(vec, dtype=np.float32)
        if heads is not None:
            for rec, vec in zip(recs, heads, strict=True):
                if np.any(vec):
                    self.vec_cache[head_text(rec)] = np.asarray(vec, dtype=np.float32)

    def live_heads(self, names: Sequence[str]) -> FloatArray:
        """The head vectors of ``names`` as embedded so far (all-zero rows: not yet), without embedding any."""
        slots = [self.slot_of[n] for n in names]
        return self.head_emb[slots] * self.has_head[slots, None] if slots else self.head_emb[:0]

    def set_encoder(self, encoder: Encoder | None, ann_params: AnnParams | None = None) -> None:
        """Swap the encoder and re-embed every live tool; the ANN index is rebuilt if asked for."""
        self.encoder = encoder
        self.vec_cache.clear()
        self.ann = None
        self.version += 1
        recs = [self.records[n] for n in self.names()]
        dim = encoder.dim if encoder is not None else 0
        self.emb = _by_column(max(self.n_slots, self.alive.shape[0]), dim)
        self.head_emb = np.zeros(self.emb.shape, dtype=np.float32)
        self.has_head = np.zeros(self.emb.shape[0], dtype=bool)
        self.eager_heads = True  # every tool is embedded again here, heads included
        heads = [head_text(r) for r in recs] if encoder is not None else []
        vecs = self.vectors_for(recs, 64, also=heads)
        if vecs is not None:
            for rec, vec, head in zip(recs, vecs, heads, strict=True):
                slot = self.slot_of[rec.name]
                self.emb[slot] = vec
                self.head_emb[slot] = self.vec_cache[head]
                self.has_head[slot] = True
        if ann_params is not None and encoder is not None:
            self.ensure_ann(ann_params)

    def ensure_ann(self, want: AnnParams) -> AnnIndex:
        """The ANN index, built from the live vectors if absent or built with other fixed settings."""
        assert self.encoder is not None
        ann = self.ann
        if ann is not None and (ann.dim, ann.params.connectivity, ann.params.dtype) != (self.encoder.dim, want.connectivity, want.dtype):
            ann = None
        if ann is None:
            ann = AnnIndex(self.encoder.dim, want, threads=want.threads)
            live = np.flatnonzero(self.live_alive())
            ann.add(live, np.ascontiguousarray(self.emb[live]))
            self.ann = ann
        ann.set_expansion(want.expansion_add, want.expansion_search)
        ann.threads = want.threads
        return ann

    def live_vectors(self, names: Sequence[str]) -> FloatArray:
        """The stored vectors of ``names`` (in that order)."""
        slots = [self.slot_of[n] for n in names]
        return self.emb[slots] if slots else self.emb[:0]
