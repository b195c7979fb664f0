"""An incremental BM25 index over slots.

bm25s and rank_bm25 build static indexes: adding one tool means re-indexing
all of them. Here documents live in numbered slots with per-term postings, and
the corpus statistics (document frequencies, live count, average length) are
kept up to date on every add/remove, so scores after any sequence of edits
equal those of a fresh build over the same live tools.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import numpy.typing as npt

__all__ = ["BM25Index"]


class BM25Index:
    """Okapi BM25 (Lucene idf) with slot-addressed, removable documents."""

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self.vocab: dict[str, int] = {}
        self._post_docs: list[list[int]] = []
        self._post_tfs: list[list[int]] = []
        self._cache: dict[int, tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]] = {}
        self._weights: dict[int, tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]] = {}
        """Per term: its postings and their BM25 contribution for one query occurrence, valid until
        the next add/remove (every edit changes the live count and average length, so all of them)."""
        self._df: list[int] = []
        self._doc_terms: dict[int, Counter[int]] = {}
        self._doc_len = np.zeros(0, dtype=np.float32)
        self._alive = np.zeros(0, dtype=bool)
        self._total_len = 0
        self._n_live = 0

    @property
    def size(self) -> int:
        """Number of slots (live and removed)."""
        return int(self._alive.shape[0])

    def _grow(self, slot: int) -> None:
        if slot < self.size:
            return
        cap = max(slot + 1, self.size * 2, 64)
        self._doc_len = np.concatenate([self._doc_len, np.zeros(cap - self.size, dtype=np.float32)])
        self._alive = np.concatenate([self._alive, np.zeros(cap - self._alive.shape[0], dtype=bool)])

    def add(self, slot: int, tokens: list[str]) -> None:
        """Index ``tokens`` as the document in ``slot`` (which must be free)."""
        self._grow(slot)
        counts: Counter[int] = Counter()
        for tok in tokens:
            tid = self.vocab.get(tok)
            if tid is None:
                tid = self.vocab[tok] = len(self._df)
                self._df.append(0)
                self._post_docs.append([])
                self._post_tfs.append([])
            counts[tid] += 1
        for tid, tf in counts.items():
            self._post_docs[tid].append(slot)
            self._post_tfs[tid].append(tf)
            self._df[tid] += 1
            self._cache.pop(tid, None)
        self._doc_terms[slot] = counts
        self._weights.clear()
        self._doc_len[slot] = len(tokens)
        self._alive[slot] = True
        self._total_len += len(tokens)
        self._n_live += 1

    def remove(self, slot: int) -> None:
        """Drop the document in ``slot``; its postings are masked, stats updated."""
        counts = self._doc_terms.pop(slot, None)
        if counts is None:
            return
        for tid in counts:
            self._df[tid] -= 1
        self._weights.clear()
        self._alive[slot] = False
        self._total_len -= int(self._doc_len[slot])
        self._n_live -= 1

    def _postings(self, tid: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        hit = self._cache.get(tid)
        if hit is None:
            hit = (np.asarray(self._post_docs[tid], dtype=np.int64), np.asarray(self._post_tfs[tid], dtype=np.float32))
            self._cache[tid] = hit
        return hit

    def idf(self, tid: int) -> float:
        df = self._df[tid]
        return math.log(1.0 + (self._n_live - df + 0.5) / (df + 0.5))

    def _term_weights(self, tid: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """Postings of ``tid`` and each one's score for a single query occurrence (0 for removed slots)."""
        hit = self._weights.get(tid)
        if hit is None:
            docs, tfs = self._postings(tid)
            avgdl = self._total_len / self._n_live
            norm = self.k1 * (1.0 - self.b + self.b * self._doc_len[docs] / avgdl)
            contrib = np.float32(self.idf(tid)) * tfs * (self.k1 + 1.0) / (tfs + norm)
            contrib[~self._alive[docs]] = 0.0
            hit = self._weights[tid] = (docs, contrib.astype(np.float32, copy=False))
        return hit

    def scores(self, tokens: list[str]) -> npt.NDArray[np.float32]:
        """BM25 score of every slot for the query ``tokens`` (0 for removed slots).

        Per-term contributions are computed once per registry state, so a request
        costs one scatter-add per distinct query term.
        """
        out = np.zeros(self.size, dtype=np.float32)
        if self._n_live == 0:
            return out
        qcounts = Counter(self.vocab[t] for t in tokens if t in self.vocab)
        for tid, qtf in qcounts.items():
            if self._df[tid] <= 0:
                continue
            docs, contrib = self._term_weights(tid)
            out[docs] += contrib if qtf == 1 else np.float32(qtf) * contrib
        return out

    def rare_term_score(self) -> float:
        """What one query occurrence of a word no live tool uses would weigh in :meth:`max_score`: the largest
        idf x (k1+1), the unit of :func:`agentfn.router.scoring.lexical_trust`."""
        return math.log(1.0 + (self._n_live + 0.5) / 0.5) * (self.k1 + 1.0)

    def max_score(self, tokens: list[str]) -> float:
        """An upper bound-ish scale for the query: the sum of its terms' idf x (k1+1).

        Dividing by it maps BM25 into [0, ~1] per query, which makes lexical
        scores comparable across queries for fusion and abstention.
        """
        total = 0.0
        for tok in tokens:
            tid = self.vocab.get(tok)
            # Unknown terms still count: a query full of words no tool uses should score low.
            idf = self.idf(tid) if tid is not None and self._df[tid] > 0 else math.log(1.0 + (self._n_live + 0.5) / 0.5)
            total += idf * (self.k1 + 1.0)
        return total
